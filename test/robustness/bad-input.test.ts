/**
 * Issue 11, items 8–10 (bad input and HTTP status), in-process on a real PostgreSQL:
 * - a NUL (or any control character) in `q`, `kind`, `realm`, `namespace` of search, findings, export and the
 *   explorer's graph API is a 400 with the API error shape, never a 500 (PostgreSQL error 22021);
 * - `/api/v1/nodes/{id}` decodes the id once: a node named `%2e%2e` answers the same by path and by `?id=`;
 * - names with bidi controls are shown escaped by the one display function (the CLI's `show` text output);
 * - while the database cannot be reached the API answers 503 `{error: {code: 'unavailable'}}`.
 * The web app (real HTTP status of pages) is in test/robustness/http-status.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../db';
import { createFingerprinter } from '../../lib/secrets/fingerprint';
import { collectFilesInto } from '../../lib/cli/collect';
import { k8sId } from '../../lib/graph/ids';
import { handleFindings, handleNode, handleSearch, handleImpact } from '../../lib/api/handlers';
import { openDatabase, closeDatabase } from '../../lib/db';
import { displayText, qualifiedName } from '../../lib/graph/describe';
import { isUnavailableError, readinessProbe } from '../../lib/availability';
import { DOTS, freePort, hostileNameManifests, runCli, SPOOF } from './support';

const fingerprint = createFingerprinter(Buffer.alloc(32, 7));
const CLUSTER = 'bad';
const DOTS_ID = k8sId(CLUSTER, 'app', 'Secret', DOTS);
const SPOOF_ID = k8sId(CLUSTER, 'app', 'Secret', SPOOF);
/** A reference to a Secret that does not exist, with a spoofing name: a finding names it. */
const GONE = 'gone\u202etxt.exe';
const MANIFESTS = hostileNameManifests([GONE]);

const u = (p: string) => new URL(p, 'http://127.0.0.1');
const call = async (p: Promise<Response>) => {
  const r = await p;
  return { status: r.status, body: (await r.json()) as Record<string, any> };
};
/** The API's 400 shape, with an issue on `param`. */
const expectInvalid = (r: { status: number; body: Record<string, any> }, param: string, label: string) => {
  expect(r.status, label).toBe(400);
  expect(r.body.error?.code, label).toBe('invalid_request');
  expect(typeof r.body.error?.message, label).toBe('string');
  expect(r.body.error.issues.map((i: { path: string }) => i.path), label).toContain(param);
  for (const i of r.body.error.issues) expect(typeof i.message).toBe('string');
};

describe('bad input through the API', () => {
  let t: TestDatabase;
  let tmp: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    tmp = mkdtempSync(path.join(tmpdir(), 'keygraph-bad-input-'));
    writeFileSync(path.join(tmp, 'm.yaml'), MANIFESTS);
    const [r] = await collectFilesInto({ database: t, fingerprint }, [tmp], { cluster: CLUSTER, namespace: 'default', quiet: true });
    expect(r!.summary.status).toBe('succeeded');
    process.env.DATABASE_URL = t.url; // the route handlers below use the process-wide database
  }, 120_000);
  afterAll(async () => {
    const { closeDefaultDatabase } = await import('../../lib/db');
    await closeDefaultDatabase().catch(() => {});
    await t?.drop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const CONTROL = ['\u0000', '\u0001', '\n', '\u001f', '\u007f'];

  it('search and findings: a control character in q, kind, realm or namespace is a 400, not a 500', async () => {
    for (const c of CONTROL) {
      for (const param of ['q', 'kind', 'realm', 'namespace']) {
        const qs = new URLSearchParams({ [param]: `a${c}b` });
        expectInvalid(await call(handleSearch(t, u(`/api/v1/search?${qs}`))), param, `search ${param} ${JSON.stringify(c)}`);
        if (param !== 'q') expectInvalid(await call(handleFindings(t, u(`/api/v1/findings?${qs}`))), param, `findings ${param} ${JSON.stringify(c)}`);
      }
    }
    // Ordinary text still works (and finds the spoofing name by substring).
    const ok = await call(handleSearch(t, u(`/api/v1/search?q=${encodeURIComponent('gnp.exe')}&namespace=app`)));
    expect(ok.status).toBe(200);
    expect(ok.body.nodes.map((n: { id: string }) => n.id)).toEqual([SPOOF_ID]);
    expect((await call(handleFindings(t, u('/api/v1/findings?namespace=app&kind=Secret')))).status).toBe(200);
  });

  it('export and the graph API: a NUL is a 400, not a 500', async () => {
    const { GET: exportGet } = await import('../../app/api/v1/export/route');
    for (const param of ['realm', 'namespace', 'kind']) {
      const r = await exportGet(new Request(`http://127.0.0.1/api/v1/export?what=nodes&format=json&${param}=a%00b`));
      const body = (await r.json()) as Record<string, any>;
      expectInvalid({ status: r.status, body }, param, `export ${param}`);
    }
    const { GET: graphGet } = await import('../../app/api/v1/graph/route');
    const { GET: graphFindings } = await import('../../app/api/v1/graph/findings/route');
    const { GET: graphNode } = await import('../../app/api/v1/graph/node/route');
    const id = encodeURIComponent(SPOOF_ID);
    for (const [label, res] of [
      ['graph id', await graphGet(new Request(`http://127.0.0.1/api/v1/graph?id=${encodeURIComponent(`k8s:${CLUSTER}/app/Secret/a`)}%00`))],
      ['graph in', await graphGet(new Request(`http://127.0.0.1/api/v1/graph?id=${id}&in=k8s%3Abad%2Fapp%2FSecret%2Fx%00`))],
      ['graph group', await graphGet(new Request(`http://127.0.0.1/api/v1/graph?id=${id}&g=2~in%00x`))],
      ['graph findings', await graphFindings(new Request(`http://127.0.0.1/api/v1/graph/findings?ids=${id}&ids=k8s%3Abad%2Fapp%2FSecret%2Fx%00`))],
      ['graph node', await graphNode(new Request(`http://127.0.0.1/api/v1/graph/node?id=k8s%3Abad%2Fapp%2FSecret%2Fx%00`))],
    ] as const) {
      expect(res.status, label).toBeLessThan(500);
      expect([200, 400, 404], label).toContain(res.status);
    }
    const good = await graphGet(new Request(`http://127.0.0.1/api/v1/graph?id=${id}`));
    expect(good.status).toBe(200);
  });

  it('nodes/{id}: the id is decoded exactly once, so the path and ?id= forms agree', async () => {
    const byQuery = await call(handleNode(t, u(`/api/v1/nodes?id=${encodeURIComponent(DOTS_ID)}`)));
    expect(byQuery.status).toBe(200);
    expect(byQuery.body.node.name).toBe(DOTS);
    const byPath = await call(handleNode(t, u(`/api/v1/nodes/${encodeURIComponent(DOTS_ID)}`), { fromPath: true }));
    expect(byPath.status).toBe(200);
    expect(byPath.body).toEqual(byQuery.body);
    // An unencoded id with `/` (the catch-all form) names the same node.
    const slashes = await call(handleNode(t, u(`/api/v1/nodes/k8s:${CLUSTER}/app/Secret/${encodeURIComponent(DOTS)}`), { fromPath: true }));
    expect(slashes.body).toEqual(byQuery.body);
    // The spoofing name: both forms, same answer, stored id unchanged.
    const sq = await call(handleNode(t, u(`/api/v1/nodes?id=${encodeURIComponent(SPOOF_ID)}`)));
    const sp = await call(handleNode(t, u(`/api/v1/nodes/${encodeURIComponent(SPOOF_ID)}`), { fromPath: true }));
    expect(sq.status).toBe(200);
    expect(sp.body).toEqual(sq.body);
    expect(sq.body.node.id).toBe(SPOOF_ID);
    // A malformed escape is a 400 naming the id.
    expectInvalid(await call(handleNode(t, u('/api/v1/nodes/k8s%3Abad%2Fapp%2FSecret%2F%E0%A4%A'), { fromPath: true })), 'id', 'bad escape');
  });

  it('names with bidi controls are displayed escaped: the display function and the CLI text output', async () => {
    expect(displayText(SPOOF)).toBe('evil⟦U+202E⟧gnp.exe');
    for (const c of ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u200b', '\ufeff', '\u061c']) {
      const shown = displayText(`a${c}b`);
      expect(shown, c.codePointAt(0)!.toString(16)).toMatch(/^a⟦U\+[0-9A-F]{4}⟧b$/);
      expect(shown).not.toContain(c);
    }
    expect(displayText('payments/stripe-key')).toBe('payments/stripe-key');
    expect(qualifiedName({ namespace: 'app', name: SPOOF })).toBe('app/evil⟦U+202E⟧gnp.exe');
    const show = await runCli(['show', SPOOF_ID], { DATABASE_URL: t.url, KEYGRAPH_DATA_DIR: path.join(tmp, 'data') });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('evil⟦U+202E⟧gnp.exe');
    expect(show.stdout).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200e\u200f]/);
    const api = await runCli(['show', 'k8s:bad/app/Deployment/api'], { DATABASE_URL: t.url, KEYGRAPH_DATA_DIR: path.join(tmp, 'data') });
    expect(api.stdout).toContain('evil⟦U+202E⟧gnp.exe');
    expect(api.stdout).not.toContain('\u202e');
    // `keygraph check` text: the finding about the missing spoofing Secret names it escaped.
    const check = await runCli(['check', '--fail-on', 'critical'], { DATABASE_URL: t.url, KEYGRAPH_DATA_DIR: path.join(tmp, 'data') });
    expect(check.stdout).toContain('gone⟦U+202E⟧txt.exe');
    expect(check.stdout).not.toContain('\u202e');
    const checkJson = await runCli(['check', '--json', '--fail-on', 'critical'], { DATABASE_URL: t.url, KEYGRAPH_DATA_DIR: path.join(tmp, 'data') });
    expect(checkJson.stdout).toContain(JSON.stringify(k8sId(CLUSTER, 'app', 'Secret', GONE)).slice(1, -1)); // stored id as is
    // --json keeps the stored id, byte for byte.
    const json = await runCli(['show', SPOOF_ID, '--json'], { DATABASE_URL: t.url, KEYGRAPH_DATA_DIR: path.join(tmp, 'data') });
    expect(JSON.parse(json.stdout).node.id).toBe(SPOOF_ID);
  }, 120_000);

  it('the database unreachable: the API answers 503 unavailable (not 500), and recovers with it', async () => {
    const port = await freePort(); // nothing listens there
    const down = openDatabase(`postgres://keygraph:x@127.0.0.1:${port}/keygraph`);
    try {
      for (const [label, p] of [
        ['search', handleSearch(down, u('/api/v1/search?q=api'))],
        ['node', handleNode(down, u(`/api/v1/nodes?id=${encodeURIComponent(SPOOF_ID)}`))],
        ['findings', handleFindings(down, u('/api/v1/findings'))],
        ['impact', handleImpact(down, u(`/api/v1/impact?id=${encodeURIComponent(SPOOF_ID)}`))],
      ] as const) {
        const r = await call(p);
        expect(r.status, label).toBe(503);
        expect(r.body.error.code, label).toBe('unavailable');
        expect(JSON.stringify(r.body)).not.toMatch(/ECONNREFUSED|keygraph:x|127\.0\.0\.1/);
      }
    } finally {
      await closeDatabase(down).catch(() => {});
    }
    // A bad query on a live database is not "unavailable".
    const err = await t.pool.query('SELECT $1::text', ['a\u0000b']).catch((e: unknown) => e);
    expect(isUnavailableError(err)).toBe(false);
  });

  it('readiness probe: cached and shared; down only when the database cannot be reached; recovery seen at once', async () => {
    let calls = 0;
    let fail: Error | null = null;
    let clock = 0;
    const r = readinessProbe(async () => {
      calls++;
      if (fail) throw fail;
    }, { ttlMs: 250, now: () => clock });
    expect(await Promise.all([r.up(), r.up(), r.up()])).toEqual([true, true, true]);
    expect(calls).toBe(1);
    fail = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    clock = 100;
    expect(await r.up()).toBe(true); // cached
    clock = 300;
    expect(await r.up()).toBe(false); // stale: probed again, refused
    const before = calls;
    clock = 310;
    expect(await r.up()).toBe(false); // a down answer is not reused: asked again
    expect(calls).toBe(before + 1);
    fail = null;
    clock = 320;
    expect(await r.up()).toBe(true); // back at the next request, as /readyz sees it
    // An error that is not about reaching the database (a bad query) does not turn pages into 503.
    fail = new Error('syntax error at or near "x"');
    clock = 900;
    expect(await r.up()).toBe(true);
    // A slow probe (a busy pool) is not "down" either.
    const hung = readinessProbe(() => new Promise(() => {}), { timeoutMs: 50 });
    expect(await hung.up()).toBe(true);
  });
});
