/**
 * The JSON API handlers (lib/api/handlers.ts) on a real PostgreSQL with the demo data: status codes, error bodies,
 * filters, the OpenAPI document's consistency with the zod schemas, and no secret value in any response.
 */
import path from 'node:path';
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { collectFilesInto } from '../cli/collect';
import { k8sId } from '../graph/ids';
import { createFingerprinter } from '../secrets/fingerprint';
import { handleFindings, handleImpact, handleNode, handleOpenApi, handleSearch } from './handlers';
import * as S from './schemas';

const demo = path.resolve(import.meta.dirname, '../demo');
const u = (p: string) => new URL(p, 'http://localhost');
const OLD = k8sId('demo', 'ota', 'Secret', 'targets-backup-key');

describe('JSON API v1', () => {
  let t: TestDatabase;
  const bodies: string[] = [];
  const call = async (p: Promise<Response>) => {
    const r = await p;
    const text = await r.text();
    bodies.push(text);
    return { status: r.status, body: JSON.parse(text), headers: r.headers };
  };
  beforeAll(async () => {
    t = await createTestDatabase();
    const rt = { database: t, fingerprint: createFingerprinter(Buffer.alloc(32, 5)) };
    await collectFilesInto(rt, [path.join(demo, 'day1')], { cluster: 'demo', namespace: 'default', quiet: true });
    await collectFilesInto(rt, [path.join(demo, 'day2')], { cluster: 'demo', namespace: 'default', quiet: true });
  });
  afterAll(async () => t?.drop());

  it('nodes: by path id and by ?id=, 404 unknown, 400 malformed with a clear body', async () => {
    const a = await call(handleNode(t, u(`/api/v1/nodes/${encodeURIComponent(OLD)}`), { fromPath: true }));
    expect(a.status).toBe(200);
    expect(a.headers.get('cache-control')).toBe('no-store');
    expect(a.body.node).toMatchObject({ id: OLD, missing: true });
    expect(a.body.usedBy.map((e: { from: string }) => e.from)).toContain(k8sId('demo', 'ota', 'Deployment', 'ota-lite-api'));
    expect(S.NodeResponse.safeParse(a.body).success).toBe(true);
    const b = await call(handleNode(t, u(`/api/v1/nodes?id=${encodeURIComponent(OLD)}`)));
    expect(b.body).toEqual(a.body);
    const nf = await call(handleNode(t, u(`/api/v1/nodes?id=${encodeURIComponent(k8sId('demo', 'ota', 'Secret', 'nope'))}`)));
    expect(nf.status).toBe(404);
    expect(nf.body.error.code).toBe('not_found');
    const bad = await call(handleNode(t, u(`/api/v1/nodes?id=oops&asOf=Dec%201`)));
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
    expect(bad.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['asOf', 'id']);
    expect((await call(handleNode(t, u(`/api/v1/nodes`)))).status).toBe(400);
  });

  it('search', async () => {
    const r = await call(handleSearch(t, u('/api/v1/search?q=targets-backup&kind=Secret')));
    expect(r.status).toBe(200);
    expect(r.body.nodes.map((n: { name: string }) => n.name).sort()).toEqual(['targets-backup-key', 'targets-backup-key-2024-10-08']);
    expect((await call(handleSearch(t, u('/api/v1/search?limit=0')))).status).toBe(400);
    expect((await call(handleSearch(t, u('/api/v1/search?missing=1')))).body.nodes.every((n: { missing: boolean }) => n.missing)).toBe(true);
  });

  it('impact', async () => {
    const r = await call(handleImpact(t, u(`/api/v1/impact?id=${encodeURIComponent(OLD)}&action=rename`)));
    expect(r.status).toBe(200);
    expect(r.body.verdict).toBe('breaks');
    expect(S.ImpactResponse.safeParse(r.body).success).toBe(true);
    const bad = await call(handleImpact(t, u(`/api/v1/impact?id=${encodeURIComponent(OLD)}&action=explode`)));
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe('action');
  });

  it('findings with filters', async () => {
    const all = await call(handleFindings(t, u('/api/v1/findings')));
    expect(all.status).toBe(200);
    expect(S.FindingsResponse.safeParse(all.body).success).toBe(true);
    const crit = await call(handleFindings(t, u('/api/v1/findings?severity=critical&realm=demo&namespace=ota')));
    expect(crit.body.findings.map((f: { objects: string[] }) => f.objects[0])).toEqual([OLD]);
    const kind = await call(handleFindings(t, u('/api/v1/findings?kind=StatefulSet')));
    expect(kind.body.findings.map((f: { rule: string }) => f.rule)).toEqual(['pod-env-stale']);
    expect((await call(handleFindings(t, u('/api/v1/findings?severity=urgent')))).status).toBe(400);
  });

  it('OpenAPI 3.1 document: every $ref resolves, every query parameter of the zod schemas is documented, every route exists', async () => {
    const r = handleOpenApi();
    const doc = await r.json();
    expect(doc.openapi).toBe('3.1.0');
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    for (const ref of refs) expect(doc.components.schemas[ref], ref).toBeDefined();
    const params = (p: string) => doc.paths[p].get.parameters.map((x: { name: string }) => x.name).sort();
    expect(params('/api/v1/findings')).toEqual(Object.keys(S.FindingsQuery.shape).sort());
    expect(params('/api/v1/search')).toEqual(Object.keys(S.SearchQuery.shape).sort());
    expect(params('/api/v1/impact')).toEqual(Object.keys(S.ImpactQuery.shape).sort());
    // Each documented path has a route handler under app/.
    const app = path.resolve(import.meta.dirname, '../../app/api/v1');
    const routes = readdirSync(app, { recursive: true }).map(String).filter((f) => f.endsWith('route.ts')).map((f) => '/api/v1/' + path.dirname(f).replace('[...id]', '{id}'));
    for (const p of Object.keys(doc.paths)) expect(routes, p).toContain(p);
  });

  it('no secret value in any response', () => {
    const values = [...readFileSync(path.join(demo, 'day2/ota.yaml'), 'utf8').matchAll(/demo-not-a-real[\w-]*/g)].map((m) => m[0]);
    const all = bodies.join('\n');
    for (const v of new Set(values)) {
      expect(all).not.toContain(v);
      expect(all).not.toContain(Buffer.from(v).toString('base64').slice(0, 16));
    }
  });
});
