/**
 * Remote mode (`--server URL`, lib/cli/remote.ts): `impact`, `show`, `check` and `export` through the JSON API print
 * what they print against the database, with the same exit codes. The server here is a plain node:http server
 * answering with the API's own handlers (lib/api/handlers.ts, app/api/v1/export) on the demo in a real test
 * database, requiring a Bearer token; the real server with sign-in on is exercised in e2e/auth.spec.ts.
 */
import http from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, useCliDatabase } from '../../test/cli';
import { loadDemo } from '../../test/demo';
import { db } from '../db';
import { handleFindings, handleImpact, handleManifestCheck, handleNode } from '../api/handlers';
import { GET as exportRoute } from '../../app/api/v1/export/route';
import { remoteServer } from './remote';

const TOKEN = 'kg_remote-test-token';
const SECRET = 'k8s:demo/ota/Secret/ota-db-credentials';
useCliDatabase('keygraph-remote-', (t) => loadDemo(t));

let server: http.Server;
let url = '';
const seen: string[] = [];

beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    seen.push(`${req.headers.authorization ?? '-'} ${u.pathname}`);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'unauthorized', message: 'sign in' } }));
      return;
    }
    const body = req.method === 'POST' ? await new Promise<string>((resolve) => {
      let text = '';
      req.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve(text));
    }) : undefined;
    if (body !== undefined) seen.push(`body ${body}`);
    const route: Record<string, (u: URL) => Promise<Response>> = {
      '/api/v1/check/manifests': (x) => handleManifestCheck(db(), new Request(x, { method: 'POST', body, headers: { 'content-type': 'application/json' } })),
      '/api/v1/impact': (x) => handleImpact(db(), x),
      '/api/v1/nodes': (x) => handleNode(db(), x),
      '/api/v1/findings': (x) => handleFindings(db(), x),
      '/api/v1/export': (x) => exportRoute(new Request(x)),
    };
    const handler = route[u.pathname];
    const r = handler ? await handler(u) : new Response('{"error":{"message":"no route"}}', { status: 404 });
    res.writeHead(r.status, Object.fromEntries(r.headers));
    res.end(Buffer.from(await r.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  process.env.KEYGRAPH_TOKEN = TOKEN;
});
afterAll(async () => {
  delete process.env.KEYGRAPH_TOKEN;
  await new Promise((r) => server?.close(r));
});

/** The same command locally and with --server: the same stdout and exit code. */
async function same(...args: string[]) {
  const local = await runCli(...args);
  const remote = await runCli(...args, '--server', url);
  expect(remote.err).toBe(local.err);
  expect(remote.code, remote.err).toBe(local.code);
  return { local, remote };
}

describe('remote mode: same output and exit codes through the JSON API', () => {
  it('impact (breaks, exit 2), with its plan; JSON equal but for the time of the answer', async () => {
    const { local, remote } = await same('impact', SECRET, '--action', 'rotate');
    expect(remote.code).toBe(2);
    expect(remote.out).toBe(local.out);
    expect(remote.out).toContain('Restart Deployment ota/ota-lite-api');
    const j = await same('impact', SECRET, '--json');
    const strip = (s: string) => ({ ...JSON.parse(s), asOf: undefined, sources: undefined });
    expect(strip(j.remote.out)).toEqual(strip(j.local.out));
  });

  it('impact before the first collection: no data, exit 3 (never an all-clear)', async () => {
    const { remote } = await same('impact', SECRET, '--as-of', '2001-01-01T00:00:00Z');
    expect(remote.code).toBe(3);
    expect(remote.err).toMatch(/^no data at 2001-01-01T00:00:00.000Z/);
  });

  it('show, check and an unknown node', async () => {
    const show = await same('show', SECRET);
    expect(show.remote.out).toBe(show.local.out);
    expect(show.remote.out).toContain('Used by');
    const check = await same('check', '--fail-on', 'critical');
    expect(check.remote.out).toBe(check.local.out);
    const unknown = await same('impact', 'k8s:demo/ota/Secret/does-not-exist');
    expect(unknown.remote.code).toBe(1);
  });

  it('the pre-deploy gate: the same verdict from references sent to the server, never a value or a fingerprint', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keygraph-remote-gate-'));
    writeFileSync(path.join(dir, 'app.yaml'), [
      'apiVersion: v1', 'kind: Secret', 'metadata: {name: gate-secret, namespace: ota}', 'stringData: {password: gate-not-a-real-value-123}', '---',
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: gate-app, namespace: ota}', 'spec:', '  template:', '    spec:', '      containers:',
      '      - name: app', '        image: example/app:1', '        env:',
      '        - {name: A, valueFrom: {secretKeyRef: {name: gate-missing, key: k}}}',
      '        - {name: B, valueFrom: {secretKeyRef: {name: gate-secret, key: nope}}}', '',
    ].join('\n'));
    const before = seen.length;
    const gate = await same('check', '--manifests', dir, '--cluster', 'demo');
    expect(gate.remote.code).toBe(2);
    expect(gate.remote.out).toBe(gate.local.out);
    expect(gate.remote.out).toMatch(/dangling-reference: Deployment ota\/gate-app references missing Secret ota\/gate-missing/);
    expect(gate.remote.out).toContain('missing-data-key');
    const sent = seen.slice(before).filter((l) => l.startsWith('body ')).join('\n');
    expect(sent).toContain('gate-missing');
    expect(sent).not.toContain('gate-not-a-real-value-123');
    expect(sent).not.toContain(Buffer.from('gate-not-a-real-value-123').toString('base64'));
    expect(sent).not.toContain('fingerprints');
    const json = await same('check', '--manifests', dir, '--cluster', 'demo', '--json');
    const strip = (t: string) => ({ ...JSON.parse(t), asOf: undefined });
    expect(strip(json.remote.out)).toEqual(strip(json.local.out));
  });

  it('export streams the same bytes to --output', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keygraph-remote-export-'));
    const local = await runCli('export', '--what', 'edges', '--format', 'ndjson', '--output', path.join(dir, 'local.ndjson'));
    const remote = await runCli('export', '--what', 'edges', '--format', 'ndjson', '--output', path.join(dir, 'remote.ndjson'), '--server', url);
    expect([local.code, remote.code]).toEqual([0, 0]);
    const rows = (f: string) => readFileSync(path.join(dir, f), 'utf8').split('\n').filter((l) => !l.includes('"generatedAt"'));
    expect(rows('remote.ndjson')).toEqual(rows('local.ndjson'));
    expect(rows('remote.ndjson').length).toBeGreaterThan(50);
  });

  it('a refused or missing token is a clear error (exit 1), and the token is never printed', async () => {
    process.env.KEYGRAPH_TOKEN = 'kg_wrong';
    const wrong = await runCli('impact', SECRET, '--server', url);
    process.env.KEYGRAPH_TOKEN = TOKEN;
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/needs sign-in: it refused KEYGRAPH_TOKEN/);
    expect(wrong.err + wrong.out).not.toContain('kg_wrong');
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const down = await runCli('impact', SECRET, '--server', `http://127.0.0.1:${port}`);
    expect(down.code).toBe(1);
    expect(down.err).toBe(`keygraph: cannot reach http://127.0.0.1:${port} (ECONNREFUSED)\n`);
    expect(seen.some((s) => s.startsWith(`Bearer ${TOKEN} /api/v1/impact`))).toBe(true);
  });

  it('KEYGRAPH_SERVER is the default; bad URLs are usage errors', () => {
    expect(remoteServer(undefined, { KEYGRAPH_SERVER: 'https://kg.example.com/base', KEYGRAPH_TOKEN: ' t ' })).toMatchObject({ token: 't' });
    expect(remoteServer(undefined, {})).toBeUndefined();
    expect(() => remoteServer('ftp://x', {})).toThrow(/only http/);
    expect(() => remoteServer('https://u:p@x', {})).toThrow(/KEYGRAPH_TOKEN, not in the URL/);
    expect(() => remoteServer('not a url', {})).toThrow(/not a URL/);
  });
});
