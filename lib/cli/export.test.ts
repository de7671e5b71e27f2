/**
 * `keygraph export` through the CLI entry (main) against a real PostgreSQL (DATABASE_URL), and the web route
 * `GET /api/v1/export`: exit codes and messages, --output files, stdout, headers of the streamed download.
 */
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { runCli as cli, useCliDatabase } from '../../test/cli';
import { KEY, loadFixture } from '../../test/export-fixture';

const env = useCliDatabase('keygraph-export-cli-', loadFixture);

describe('keygraph export', () => {
  it('rejects an invalid --as-of with exit 1 and a clear message', async () => {
    const r = await cli('export', '--what', 'nodes', '--as-of', 'last tuesday');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--as-of: not a time: "last tuesday" \(use ISO 8601/);
    expect(r.err).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(r.out).toBe('');
  });

  it('rejects unknown what / format / kind before touching the database', async () => {
    expect((await cli('export', '--what', 'secrets')).err).toMatch(/unknown export "secrets"/);
    expect((await cli('export', '--what', 'nodes', '--format', 'xml')).code).toBe(1);
    expect((await cli('export', '--what', 'edges', '--kind', 'USES')).err).toMatch(/unknown edge kind "USES"/);
    expect((await cli('export', '--what', 'nodes', '--cluster', 'a', '--project', 'b')).err).toMatch(/not both/);
    expect((await cli('export')).code).toBe(1); // --what is required
  });

  it('writes CSV to stdout', async () => {
    const r = await cli('export', '--what', 'edges', '--kind', 'HAS_KEY');
    expect(r.code).toBe(0);
    const rows = parseCsv(r.out, { comment: '#', columns: true }) as Record<string, string>[];
    expect(rows.map((x) => x.to).sort()).toEqual(['k1', 'k2', 'k3'].map(KEY));
  });

  it('writes --output FILE only once complete, with a summary on stderr', async () => {
    const file = path.join(env.dir, 'keys.json');
    const r = await cli('export', '--what', 'keys', '--format', 'json', '--project', 'proj', '--output', file);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/exported 3 row\(s\) of keys as json to /);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc.meta).toMatchObject({ what: 'keys', filters: { realm: 'proj' } });
    expect(doc.items).toHaveLength(3);
    expect(readdirSync(env.dir).filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  it('fails before creating any file when --as-of names no run', async () => {
    const file = path.join(env.dir, 'bad.csv');
    const r = await cli('export', '--what', 'nodes', '--as-of', 'run:424242', '--output', file);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no run 424242/);
    expect(existsSync(file)).toBe(false);
  });
});

describe('GET /api/v1/export', () => {
  const get = async (qs: string) => {
    const { GET } = await import('../../app/api/v1/export/route');
    return GET(new Request(`http://127.0.0.1/api/v1/export?${qs}`));
  };

  it('streams a download with the right headers', async () => {
    const res = await get('what=nodes&format=csv&realm=prod&kind=Secret');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="keygraph-nodes-\d{8}T\d{6}Z\.csv"$/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const rows = parseCsv(await res.text(), { comment: '#', columns: true }) as Record<string, string>[];
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.every((r) => r.kind === 'Secret' && r.realm === 'prod')).toBe(true);
  });

  it('serves every format with its media type', async () => {
    const types = { json: 'application/json', ndjson: 'application/x-ndjson', graphml: 'application/graphml+xml' };
    for (const [format, type] of Object.entries(types)) {
      const res = await get(`what=edges&format=${format}`);
      expect(res.headers.get('content-type')).toBe(`${type}; charset=utf-8`);
      expect((await res.text()).length).toBeGreaterThan(100);
    }
  });

  it('answers 400 with a message for an invalid request', async () => {
    const bad = await get('what=nodes&asOf=soon');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/^asOf: not a time/), issues: [{ path: 'asOf' }] });
    const what = await get('what=everything');
    expect(what.status).toBe(400);
    expect((await what.json()).error).toMatchObject({ code: 'invalid_request', issues: [{ path: 'what' }] });
  });
});
