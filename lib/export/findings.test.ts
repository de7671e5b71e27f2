/**
 * `--what findings` on the shipped demo (both cluster days and both GCP days): the export lists the same findings
 * computeFindings returns, most severe first, in every format, with filters.
 */
import { Writable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { computeFindings } from '../analysis/findings';
import { collectFilesInto } from '../cli/collect';
import { DEMO_DAYS, DEMO_GCP_DAYS } from '../cli/serve';
import { createFingerprinter } from '../secrets/fingerprint';
import { parseExportRequest, writeExport } from './index';

async function exportText(t: TestDatabase, input: Record<string, string>): Promise<string> {
  const req = await parseExportRequest(t, input);
  let text = '';
  const sink = new Writable({ write(chunk, _e, cb) { text += chunk.toString(); cb(); } });
  await writeExport(t, req, sink);
  return text;
}

describe('findings export', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    const rt = { database: t, fingerprint: createFingerprinter(Buffer.alloc(32, 9)) };
    for (const dir of [...DEMO_DAYS, ...DEMO_GCP_DAYS]) {
      await collectFilesInto(rt, [dir], { cluster: 'demo', namespace: 'default', quiet: true });
    }
  });
  afterAll(async () => t?.drop());

  it('exports every finding, most severe first, as JSON and CSV', async () => {
    const expected = (await computeFindings(t)).findings;
    expect(expected.length).toBeGreaterThan(3);
    const doc = JSON.parse(await exportText(t, { what: 'findings', format: 'json' }));
    expect(doc.meta.what).toBe('findings');
    expect(doc.items.map((f: { id: string }) => f.id).sort()).toEqual(expected.map((f) => f.id).sort());
    expect(doc.items[0].severity).toBe('critical');
    expect(doc.items.some((f: { rule: string }) => f.rule === 'renamed-secret')).toBe(true);
    const rows = parseCsv(await exportText(t, { what: 'findings', format: 'csv' }), { columns: true, comment: '#' }) as Record<string, string>[];
    expect(rows).toHaveLength(expected.length);
    const renamed = rows.find((r) => r.rule === 'renamed-secret')!;
    expect(renamed.objects!.split(' ')).toContain('k8s:demo/ota/Secret/targets-backup-key');
    expect(JSON.parse(renamed.evidence!)).toBeTypeOf('object');
  });

  it('filters by cluster/project and namespace', async () => {
    const ns = await exportText(t, { what: 'findings', format: 'ndjson', namespace: 'ota' });
    const items = ns.trim().split('\n').slice(1).map((l) => JSON.parse(l));
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((f) => f.namespace === 'ota')).toBe(true);
    const gcp = await exportText(t, { what: 'findings', format: 'ndjson', realm: 'keygraph-demo' });
    expect(gcp.trim().split('\n').slice(1).map((l) => JSON.parse(l)).every((f) => f.realm === 'keygraph-demo')).toBe(true);
    await expect(parseExportRequest(t, { what: 'findings', kind: 'Secret' })).rejects.toThrow(/no kind filter/);
  });
});
