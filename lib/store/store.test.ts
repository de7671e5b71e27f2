/**
 * The history store on a real PostgreSQL: versions, staleness by coverage, placeholders, as-of reads, atomicity
 * and serialisation of runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { k8sId } from '../graph/ids';
import type { CollectionResult, EdgeRecord, NodeRecord } from '../graph/records';
import { getEdges, getNode, listRuns, SEARCH_CAP, searchNodes } from './read';
import { startRun } from './write';

const C = 'prod';
const secret = (name: string, props: Record<string, unknown> = {}): NodeRecord => ({
  id: k8sId(C, 'app', 'Secret', name), provider: 'k8s', kind: 'Secret', realm: C, namespace: 'app', name,
  properties: { type: 'Opaque', dataKeys: ['password'], ...props },
});
const deployment = (name: string, image = 'app:1'): NodeRecord => ({
  id: k8sId(C, 'app', 'Deployment', name), provider: 'k8s', kind: 'Deployment', realm: C, namespace: 'app', name,
  properties: { containers: [{ name: 'app', image }] },
});
const uses = (from: NodeRecord, secretName: string, via = 'env'): EdgeRecord => ({
  kind: 'USES_SECRET', from: from.id, to: k8sId(C, 'app', 'Secret', secretName),
  properties: { via, container: 'app', envVar: via === 'env' ? 'PASSWORD' : undefined, keys: ['password'] },
});
const full = { complete: true, count: 0 };
function result(nodes: NodeRecord[], edges: EdgeRecord[], coverage: CollectionResult['coverage'] = { 'k8s:Secret': full, 'k8s:Deployment': full }): CollectionResult {
  return { nodes, edges, coverage, errors: [] };
}

describe('history store', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  async function commit(r: CollectionResult, scope = C, source: 'files' | 'k8s' | 'gcp' = 'k8s') {
    const run = await startRun(t, source, scope);
    return run.commit(r);
  }

  it('records appear / change / disappear and reads any past time', async () => {
    const api = deployment('api');
    const s1 = await commit(result([secret('db'), secret('old'), api], [uses(api, 'db')]));
    expect(s1.status).toBe('succeeded');
    expect(s1.nodes).toMatchObject({ added: 3, changed: 0, removed: 0 });
    const runs1 = await listRuns(t);
    const t1 = runs1[0]!.committedAt!;

    // Run 2: image bump (change), `old` gone, edge moves to `db2` (db still exists).
    const api2 = deployment('api', 'app:2');
    const s2 = await commit(result([secret('db'), secret('db2'), api2], [uses(api2, 'db2')]));
    expect(s2.nodes).toMatchObject({ added: 1, changed: 1, removed: 1, unchanged: 1 });
    expect(s2.edges).toMatchObject({ added: 1, removed: 1 });

    expect(await getNode(t, k8sId(C, 'app', 'Secret', 'old'))).toBeNull();
    const oldThen = await getNode(t, k8sId(C, 'app', 'Secret', 'old'), { asOf: t1 });
    expect(oldThen?.name).toBe('old');
    const apiNow = await getNode(t, api.id);
    expect((apiNow!.properties.containers as { image: string }[])[0]!.image).toBe('app:2');
    const apiThen = await getNode(t, api.id, { asOf: t1 });
    expect((apiThen!.properties.containers as { image: string }[])[0]!.image).toBe('app:1');
    // Edges both ways, now and then.
    expect((await getEdges(t, api.id, 'out')).map((e) => e.other.name)).toEqual(['db2']);
    expect((await getEdges(t, api.id, 'out', { asOf: t1 })).map((e) => e.other.name)).toEqual(['db']);
    expect((await getEdges(t, k8sId(C, 'app', 'Secret', 'db2'), 'in')).map((e) => e.other.id)).toEqual([api.id]);
    // Before anything was collected: nothing.
    expect(await getNode(t, api.id, { asOf: new Date(t1.getTime() - 60_000) })).toBeNull();

    // An unchanged second collection writes nothing new.
    const s3 = await commit(result([secret('db'), secret('db2'), api2], [uses(api2, 'db2')]));
    expect(s3.nodes).toMatchObject({ added: 0, changed: 0, removed: 0, unchanged: 3 });
    expect(s3.edges).toMatchObject({ added: 0, changed: 0, removed: 0, unchanged: 1 });
  });

  it('keeps the previous state of kinds not listed completely', async () => {
    const scope = 'partial-cluster';
    const web = { ...deployment('web'), id: k8sId(scope, 'app', 'Deployment', 'web'), realm: scope };
    const s = { ...secret('token'), id: k8sId(scope, 'app', 'Secret', 'token'), realm: scope };
    const e: EdgeRecord = { kind: 'USES_SECRET', from: web.id, to: s.id, properties: { via: 'envFrom', container: 'app' } };
    await commit(result([web, s], [e]), scope);
    // Secrets forbidden this time: Secrets and their state are kept; the deployment listing is complete and unchanged.
    const r = await commit(
      result([web], [e], { 'k8s:Secret': { complete: false, count: 0, error: 'forbidden' }, 'k8s:Deployment': full }),
      scope,
    );
    expect(r.status).toBe('partial');
    expect(r.incompleteKinds).toEqual(['k8s:Secret']);
    expect(r.nodes.removed).toBe(0);
    expect((await getNode(t, s.id))?.missing).toBe(false);
    // Deployments complete and now empty: web is gone, its edges (origin Deployment) too.
    await commit(result([], [], { 'k8s:Secret': { complete: false, count: 0 }, 'k8s:Deployment': full }), scope);
    expect(await getNode(t, web.id)).toBeNull();
    expect(await getNode(t, s.id)).not.toBeNull();
    expect(await getEdges(t, s.id, 'in')).toEqual([]);
  });

  it('makes dangling references first-class missing nodes, visible from both ends', async () => {
    const scope = 'dangling';
    const w = { ...deployment('worker'), id: k8sId(scope, 'app', 'Deployment', 'worker'), realm: scope };
    const target = k8sId(scope, 'app', 'Secret', 'gone');
    await commit(result([w], [{ kind: 'USES_SECRET', from: w.id, to: target, properties: { via: 'env', container: 'app', envVar: 'X', keys: ['k'] } }]), scope);
    const missing = await getNode(t, target);
    expect(missing).toMatchObject({ kind: 'Secret', namespace: 'app', name: 'gone', missing: true });
    expect((await getEdges(t, target, 'in')).map((e) => e.other.id)).toEqual([w.id]);
    expect((await getEdges(t, w.id, 'out'))[0]!.other).toMatchObject({ id: target, missing: true });
    expect((await searchNodes(t, '', { missingOnly: true, realm: scope })).nodes.map((n) => n.id)).toEqual([target]);
    // Another source observing it outranks the placeholder.
    const observed = { ...secret('gone'), id: target, realm: scope };
    await commit(result([observed], [], { 'k8s:Secret': full }), scope, 'files');
    expect((await getNode(t, target))?.missing).toBe(false);
    // The same scope observing it closes its placeholder.
    await commit(result([w, observed], [{ kind: 'USES_SECRET', from: w.id, to: target, properties: { via: 'env', container: 'app', envVar: 'X', keys: ['k'] } }]), scope);
    const n = await getNode(t, target);
    expect(n?.assertions.every((a) => !a.missing)).toBe(true);
  });

  it('changes nothing when a run fails, and marks it failed', async () => {
    const scope = 'atomic';
    const a = { ...secret('a'), id: k8sId(scope, 'app', 'Secret', 'a'), realm: scope };
    await commit(result([a], [], { 'k8s:Secret': full }), scope);
    const before = await t.pool.query('SELECT count(*)::int AS n FROM node_versions');
    const run = await startRun(t, 'k8s', scope);
    // A record the database rejects mid-transaction (NULL provider violates NOT NULL after COPY).
    const bad = { ...a, name: 'b', id: k8sId(scope, 'app', 'Secret', 'b'), provider: null as unknown as 'k8s' };
    await expect(run.commit(result([bad], [], { 'k8s:Secret': full }))).rejects.toThrow();
    const after = await t.pool.query('SELECT count(*)::int AS n FROM node_versions');
    expect(after.rows[0].n).toBe(before.rows[0].n);
    expect((await getNode(t, a.id))?.name).toBe('a');
    const runs = await listRuns(t);
    expect(runs.find((r) => r.id === run.runId)?.status).toBe('failed');
  });

  it('serialises two runs of the same scope', async () => {
    const scope = 'serial';
    const first = await startRun(t, 'k8s', scope);
    let waited = false;
    const secondP = startRun(t, 'k8s', scope, {}, { onWait: () => (waited = true) });
    await new Promise((r) => setTimeout(r, 300));
    expect(waited).toBe(true);
    await first.commit(result([{ ...secret('x'), id: k8sId(scope, 'app', 'Secret', 'x'), realm: scope }], [], { 'k8s:Secret': full }));
    const second = await secondP;
    const s = await second.commit(result([], [], { 'k8s:Secret': full }));
    expect(s.nodes.removed).toBe(1);
  });

  it('marks a run abandoned by a dead process as failed at the next run of its scope', async () => {
    const scope = 'abandoned';
    await t.pool.query(`INSERT INTO runs (source, scope, status) VALUES ('k8s', $1, 'running')`, [scope]);
    await (await startRun(t, 'k8s', scope)).commit(result([], []));
    const runs = (await listRuns(t)).filter((r) => r.scope === scope);
    expect(runs.map((r) => r.status).sort()).toEqual(['failed', 'succeeded']);
  });

  it('stores hostile strings safely (NUL, lone surrogates, HTML)', async () => {
    const scope = 'hostile';
    const n = { ...secret('h'), id: k8sId(scope, 'app', 'Secret', 'h'), realm: scope, properties: { annotations: { a: 'x\u0000y', b: '\ud800', c: '<script>alert(1)</script>' } } };
    await commit(result([n], [], { 'k8s:Secret': full }), scope);
    const got = await getNode(t, n.id);
    expect(got?.properties.annotations).toEqual({ a: 'x\uFFFDy', b: '\uFFFD', c: '<script>alert(1)</script>' });
  });

  it('derives the Workload Identity binding half and merges it with the annotation half', async () => {
    const ksa: NodeRecord = { id: k8sId('gke1', 'shop', 'ServiceAccount', 'web'), provider: 'k8s', kind: 'ServiceAccount', realm: 'gke1', namespace: 'shop', name: 'web', properties: {} };
    const gsaId = 'gcp:acme/ServiceAccount/web@acme.iam.gserviceaccount.com';
    const gsa = (members: unknown[]): NodeRecord => ({ id: gsaId, provider: 'gcp', kind: 'ServiceAccount', realm: 'acme', namespace: null, name: 'web@acme.iam.gserviceaccount.com', properties: { workloadIdentityMembers: members } });
    const annotation: EdgeRecord = { kind: 'ACTS_AS', from: ksa.id, to: gsaId, properties: { annotation: true } };
    await commit(result([ksa], [annotation], { 'k8s:ServiceAccount': full }), 'gke1');
    const member = { pool: 'acme.svc.id.goog', namespace: 'shop', ksa: 'web', member: 'serviceAccount:acme.svc.id.goog[shop/web]' };
    await commit(result([gsa([member])], [], { 'gcp:ServiceAccount': full }), 'acme', 'gcp');
    const out = (await getEdges(t, ksa.id, 'out')).filter((e) => e.kind === 'ACTS_AS');
    expect(out).toHaveLength(1);
    expect(out[0]!.properties).toMatchObject({ annotation: true, binding: true, pool: 'acme.svc.id.goog' });
    expect(out[0]!.assertedBy.sort()).toEqual(['derived/workload-identity', 'k8s/gke1']);
    expect((await getEdges(t, gsaId, 'in')).map((e) => e.other.id)).toEqual([ksa.id]);
    // The binding is removed: only the annotation half remains.
    await commit(result([gsa([])], [], { 'gcp:ServiceAccount': full }), 'acme', 'gcp');
    const after = (await getEdges(t, ksa.id, 'out')).filter((e) => e.kind === 'ACTS_AS');
    expect(after[0]!.properties).toEqual({ annotation: true });
  });

  it('search: ranks and counts up to SEARCH_CAP matches, says when there are more, always finds an exact id', async () => {
    const scope = 'search-cap';
    const named = (name: string) => ({ ...secret(name), id: k8sId(scope, 'app', 'Secret', name), realm: scope });
    const bulk = Array.from({ length: SEARCH_CAP + 100 }, (_, i) => named(`bulk-${i}`));
    // Its id is a substring of every other id here: an exact search for it matches them all.
    const plain = named('bulk');
    await commit(result([...bulk, plain], [], { 'k8s:Secret': full }), scope);

    const broad = await searchNodes(t, 'BULK', { realm: scope });
    expect(broad.capped).toBe(true);
    expect(broad.total).toBeGreaterThanOrEqual(SEARCH_CAP);
    expect(broad.nodes).toHaveLength(50);
    expect(broad.nodes.every((n) => n.name.startsWith('bulk-'))).toBe(true);

    const exact = await searchNodes(t, plain.id);
    expect(exact.capped).toBe(true);
    expect(exact.nodes[0]!.id).toBe(plain.id);

    const last = bulk.at(-1)!;
    const narrow = await searchNodes(t, `bulk-${SEARCH_CAP + 99}`, { realm: scope });
    expect(narrow).toMatchObject({ capped: false, total: 1 });
    expect(narrow.nodes.map((n) => n.id)).toEqual([last.id]);
    // LIKE wildcards in the term are literal.
    expect((await searchNodes(t, 'bulk_1%', { realm: scope })).total).toBe(0);
  });
});
