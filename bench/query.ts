/**
 * `npm run bench:query` (script line: `"bench:query": "node --import tsx bench/query.ts"`): the query benchmark of
 * issue "Impact check and findings".
 *
 * 1. Starts a fresh embedded PostgreSQL (or uses BENCH_DATABASE_URL: it must be an empty, disposable database),
 *    migrates, and writes a synthetic inventory straight into `node_versions` / `edge_versions` with COPY (indexes
 *    dropped during the load and rebuilt after): ~1,000,000 nodes and ~3,000,000 edges in cluster `bench`, plus a
 *    GCP project `bench-proj` whose key `hotkey` is held by 100 Secrets, read by 1,000 Deployments (with 1,000
 *    ReplicaSets) whose 5,000 Running pods also reference the Secrets directly. 1% of the filler apps reference a
 *    Secret that does not exist (dangling), 1% a data key their Secret lacks.
 * 2. Impact: 200 queries over random Secrets, ServiceAccounts and Deployments, and 200 of the hot key (about 7,100
 *    affected objects each): p50 / p95 (targets: p95 < 50 ms for the random mix), alternated with the floor (the same
 *    walk as a bare recursive CTE: reached ids only) and the ratio to it (target within 5×). Then findings over the whole
 *    graph (target < 30 s).
 * 3. When `jq` is installed: writes the equivalent kubectl `List` dump of the Kubernetes objects and times a jq
 *    reverse lookup ("what references Secret X") over it, reported as the ratio to keygraph's impact p50.
 * Options: `--scale X` (default 1 = 1M nodes), `--keep` (keep the database folder); `--db DIR` (use DIR as the
 * embedded PostgreSQL's data folder and keep it: when it already holds a loaded inventory, the load is skipped
 * (pending migrations are still applied), so iterations reuse the generated graph; `--scale` must match);
 * `--skip-jq`, `--skip-impact`, `--skip-findings`; `--hot N` (hot-key queries, default 200); `--dump-results
 * PREFIX` (writes PREFIX-impact.json, the hot key's impact for every action, and PREFIX-findings.json, to compare
 * results between versions: `asOf` and timings are left out). Writes bench/out/query.json.
 */
import { createWriteStream, rmSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { execFileSync, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { from as copyFrom } from 'pg-copy-streams';
import type pg from 'pg';
import type { Database } from '../lib/db';
import { NODE_KIND_KEYS } from '../lib/graph/model';
import { gcpKeyId, gcpServiceAccountId, k8sId } from '../lib/graph/ids';
import { impactOf } from '../lib/analysis/impact';
import { INBOUND_DEPENDENCY_KINDS, OUTBOUND_DEPENDENCY_KINDS } from '../lib/analysis/dependents';
import { computeFindings } from '../lib/analysis/findings';
import { openBenchDatabase } from './db';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    keep: { type: 'boolean', default: false },
    db: { type: 'string' },
    'skip-jq': { type: 'boolean', default: false },
    'skip-impact': { type: 'boolean', default: false },
    'skip-findings': { type: 'boolean', default: false },
    hot: { type: 'string', default: '200' },
    'dump-results': { type: 'string' },
  },
});
const hotQueries = Math.max(1, Number(values.hot) || 200);
const scale = Number(values.scale);
if (!(scale > 0)) throw new Error('--scale must be a positive number');

const C = 'bench';
const P = 'bench-proj';
const HOT_KEY = gcpKeyId(P, 'hotkey');
const HOT_GSA = gcpServiceAccountId(P, `hot@${P}.iam.gserviceaccount.com`);
const UNIT_NODES = 8;
const TARGET_NODES = Math.round(1_000_000 * scale);
const HOT_SECRETS = 100;
const HOT_WORKLOADS = 1000;
const PODS_PER_HOT = 5;

type Row = (string | null)[];
const esc = (v: string | null) => (v === null ? '\\N' : v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')));

async function copy(client: pg.PoolClient, sql: string, rows: Iterable<Row>): Promise<void> {
  async function* chunks() {
    let buf = '';
    for (const r of rows) {
      buf += r.map(esc).join('\t') + '\n';
      if (buf.length > 1 << 20) {
        yield buf;
        buf = '';
      }
    }
    if (buf) yield buf;
  }
  await pipeline(Readable.from(chunks()), client.query(copyFrom(sql)) as unknown as Writable);
}

interface Gen {
  nodes: Row[] | Generator<Row>;
}

/** The synthetic graph as node and edge rows (streamed). `runK8s`/`runGcp` are the run ids. */
function* graph(runK8s: number, runGcp: number, validFrom: string, emit: 'nodes' | 'edges'): Generator<Row> {
  const fp = (s: string) => s.padEnd(32, '0').slice(0, 32);
  let e = 0;
  const node = (id: string, provider: string, kind: string, realm: string, ns: string | null, name: string, props: unknown, missing = false, run = runK8s, source = 'files'): Row =>
    [id, source, realm, provider, kind, realm, ns, name, missing ? 't' : 'f', JSON.stringify(props), missing ? 'missing' : 'h', validFrom, String(run)];
  const edge = (kind: string, from: string, to: string, origin: string, props: unknown, run = runK8s, source = 'files', scope = C): Row =>
    [`e${e++}`, source, scope, kind, from, to, origin, JSON.stringify(props), 'h', validFrom, String(run)];
  const started = new Date(Date.now() - 3 * 86_400_000).toISOString();

  // GCP side.
  if (emit === 'nodes') {
    yield node(HOT_GSA, 'gcp', 'ServiceAccount', P, null, `hot@${P}.iam.gserviceaccount.com`, { disabled: false, workloadIdentityMembers: [] }, false, runGcp, 'gcp');
    yield node(HOT_KEY, 'gcp', 'ServiceAccountKey', P, null, 'hotkey', { keyType: 'USER_MANAGED', validAfterTime: new Date(Date.now() - 10 * 86_400_000).toISOString(), disabled: false }, false, runGcp, 'gcp');
  } else {
    yield edge('HAS_KEY', HOT_GSA, HOT_KEY, 'gcp:ServiceAccount', {}, runGcp, 'gcp', P);
  }
  // The hot key's holders and consumers.
  const ns = 'hot';
  for (let s = 0; s < HOT_SECRETS; s++) {
    const sid = k8sId(C, ns, 'Secret', `hot-s-${s}`);
    if (emit === 'nodes') yield node(sid, 'k8s', 'Secret', C, ns, `hot-s-${s}`, { type: 'Opaque', dataKeys: ['key.json'], fingerprints: { 'key.json': fp(`h${s}`) } });
    else yield edge('HOLDS_KEY', sid, HOT_KEY, 'k8s:Secret', { dataKey: 'key.json', keys: ['key.json'], clientEmail: `hot@${P}.iam.gserviceaccount.com` });
  }
  if (emit === 'nodes') yield node(k8sId(C, ns, 'ServiceAccount', 'default'), 'k8s', 'ServiceAccount', C, ns, 'default', {});
  for (let w = 0; w < HOT_WORKLOADS; w++) {
    const sid = k8sId(C, ns, 'Secret', `hot-s-${w % HOT_SECRETS}`);
    const d = k8sId(C, ns, 'Deployment', `hot-d-${w}`);
    const rs = k8sId(C, ns, 'ReplicaSet', `hot-d-${w}-rs`);
    const ref = { via: 'volume', volume: 'gcp', mountPaths: ['app:/var/secrets/google'], keys: ['key.json'], optional: false };
    if (emit === 'nodes') {
      yield node(d, 'k8s', 'Deployment', C, ns, `hot-d-${w}`, { replicas: PODS_PER_HOT, serviceAccountName: 'default' });
      yield node(rs, 'k8s', 'ReplicaSet', C, ns, `hot-d-${w}-rs`, { replicas: PODS_PER_HOT });
    } else {
      yield edge('USES_SECRET', d, sid, 'k8s:Deployment', ref);
      yield edge('USES_SECRET', rs, sid, 'k8s:ReplicaSet', ref);
      yield edge('OWNS', d, rs, 'k8s:ReplicaSet', { controller: true });
      yield edge('RUNS_AS', d, k8sId(C, ns, 'ServiceAccount', 'default'), 'k8s:Deployment', { implicit: true });
    }
    for (let p = 0; p < PODS_PER_HOT; p++) {
      const pod = k8sId(C, ns, 'Pod', `hot-d-${w}-rs-${p}`);
      if (emit === 'nodes') yield node(pod, 'k8s', 'Pod', C, ns, `hot-d-${w}-rs-${p}`, { phase: 'Running', startTime: started });
      else {
        yield edge('USES_SECRET', pod, sid, 'k8s:Pod', ref);
        yield edge('OWNS', rs, pod, 'k8s:Pod', { controller: true });
      }
    }
  }
  // Filler apps: Deployment, ReplicaSet, 3 Pods, 2 Secrets, 1 ServiceAccount; 24 edges each.
  const hotNodes = 2 + HOT_SECRETS + 1 + HOT_WORKLOADS * (2 + PODS_PER_HOT);
  const units = Math.max(0, Math.floor((TARGET_NODES - hotNodes) / UNIT_NODES));
  for (let u = 0; u < units; u++) {
    const n = `ns-${u % 1000}`;
    const app = `app-${u}`;
    const d = k8sId(C, n, 'Deployment', app);
    const rs = k8sId(C, n, 'ReplicaSet', `${app}-rs`);
    const sa = k8sId(C, n, 'ServiceAccount', app);
    const sa1 = k8sId(C, n, 'Secret', `${app}-db`);
    const sa2 = k8sId(C, n, 'Secret', `${app}-api`);
    const dangling = u % 100 === 7;
    const badKey = u % 100 === 13;
    const pods = [0, 1, 2].map((p) => k8sId(C, n, 'Pod', `${app}-rs-${p}`));
    if (emit === 'nodes') {
      yield node(d, 'k8s', 'Deployment', C, n, app, { replicas: 3, serviceAccountName: app });
      yield node(rs, 'k8s', 'ReplicaSet', C, n, `${app}-rs`, { replicas: 3 });
      yield node(sa, 'k8s', 'ServiceAccount', C, n, app, {});
      yield node(sa1, 'k8s', 'Secret', C, n, `${app}-db`, { type: 'Opaque', dataKeys: ['password', 'user'], fingerprints: { password: fp(`p${u}`), user: fp(`u${u}`) } });
      yield dangling
        ? node(sa2, 'k8s', 'Secret', C, n, `${app}-api`, {}, true)
        : node(sa2, 'k8s', 'Secret', C, n, `${app}-api`, { type: 'Opaque', dataKeys: ['token'], fingerprints: { token: fp(`t${u}`) } });
      for (const [i, p] of pods.entries()) yield node(p, 'k8s', 'Pod', C, n, `${app}-rs-${i}`, { phase: 'Running', startTime: started });
    } else {
      const env = { via: 'env', container: 'app', envVar: 'DB_PASSWORD', keys: [badKey ? 'passwd' : 'password'], optional: false };
      const vol = { via: 'volume', volume: 'db', mountPaths: ['app:/etc/db'], optional: false };
      const api = { via: 'envFrom', container: 'app', optional: false };
      for (const [from, origin] of [[d, 'k8s:Deployment'], [rs, 'k8s:ReplicaSet'], ...pods.map((p) => [p, 'k8s:Pod'])] as [string, string][]) {
        yield edge('USES_SECRET', from, sa1, origin, env);
        yield edge('USES_SECRET', from, sa1, origin, vol);
        yield edge('USES_SECRET', from, sa2, origin, api);
        yield edge('RUNS_AS', from, sa, origin, {});
      }
      yield edge('OWNS', d, rs, 'k8s:ReplicaSet', { controller: true });
      for (const p of pods) yield edge('OWNS', rs, p, 'k8s:Pod', { controller: true });
      // 20 + 4 = 24 edges per 8 nodes.
    }
  }
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function load(database: Database): Promise<{ nodes: number; edges: number; ms: number }> {
  const t0 = performance.now();
  const client = await database.pool.connect();
  try {
    const cov = (prefix: string) => JSON.stringify(Object.fromEntries(NODE_KIND_KEYS.filter((k) => k.startsWith(prefix)).map((k) => [k, { complete: true, count: 0 }])));
    const runs = await client.query<{ id: number }>(
      `INSERT INTO runs (source, scope, status, finished_at, committed_at, coverage) VALUES
         ('files', $1, 'succeeded', now(), now(), $3::jsonb), ('gcp', $2, 'succeeded', now(), now(), $4::jsonb) RETURNING id`,
      [C, P, cov('k8s:'), cov('gcp:')],
    );
    const [k8sRun, gcpRun] = runs.rows.map((r) => r.id) as [number, number];
    const validFrom = new Date(Date.now() - 3_600_000).toISOString();
    const idx = await client.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('node_versions', 'edge_versions') AND indexname NOT LIKE '%_pkey'`,
    );
    for (const i of idx.rows) await client.query(`DROP INDEX ${i.indexname}`);
    await copy(client, `COPY node_versions (node_id, source, scope, provider, kind, realm, namespace, name, missing, properties, hash, valid_from, run_from) FROM STDIN`,
      // gcp rows carry their own source/scope in the row (node() sets them).
      graph(k8sRun, gcpRun, validFrom, 'nodes'));
    await copy(client, `COPY edge_versions (edge_key, source, scope, kind, from_id, to_id, origin_kind, properties, hash, valid_from, run_from) FROM STDIN`,
      graph(k8sRun, gcpRun, validFrom, 'edges'));
    for (const i of idx.rows) await client.query(i.indexdef);
    await client.query('ANALYZE node_versions');
    await client.query('ANALYZE edge_versions');
    const n = await client.query<{ n: string }>('SELECT count(*) AS n FROM node_versions');
    const e = await client.query<{ n: string }>('SELECT count(*) AS n FROM edge_versions');
    return { nodes: Number(n.rows[0]!.n), edges: Number(e.rows[0]!.n), ms: performance.now() - t0 };
  } finally {
    client.release();
  }
}

/** The equivalent kubectl dump (Kubernetes objects only) for the jq comparison. */
async function writeKubectlDump(file: string): Promise<void> {
  const out = createWriteStream(file);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write('{"apiVersion":"v1","kind":"List","items":[\n');
  let first = true;
  const item = async (o: unknown) => {
    await write((first ? '' : ',\n') + JSON.stringify(o));
    first = false;
  };
  const podSpec = (secrets: { name: string; key?: string }[], sa: string) => ({
    serviceAccountName: sa,
    containers: [{ name: 'app', image: 'app:1', env: secrets.filter((s) => s.key).map((s) => ({ name: 'X', valueFrom: { secretKeyRef: { name: s.name, key: s.key } } })),
      envFrom: secrets.filter((s) => !s.key).map((s) => ({ secretRef: { name: s.name } })) }],
    volumes: secrets.filter((s) => s.key).map((s) => ({ name: 'v', secret: { secretName: s.name } })),
  });
  const hotNodes = 2 + HOT_SECRETS + 1 + HOT_WORKLOADS * (2 + PODS_PER_HOT);
  const units = Math.max(0, Math.floor((TARGET_NODES - hotNodes) / UNIT_NODES));
  for (let w = 0; w < HOT_WORKLOADS; w++) {
    const spec = podSpec([{ name: `hot-s-${w % HOT_SECRETS}`, key: 'key.json' }], 'default');
    await item({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `hot-d-${w}`, namespace: 'hot' }, spec: { template: { spec } } });
    await item({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `hot-d-${w}-rs`, namespace: 'hot' }, spec: { template: { spec } } });
    for (let p = 0; p < PODS_PER_HOT; p++) await item({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `hot-d-${w}-rs-${p}`, namespace: 'hot' }, spec, status: { phase: 'Running' } });
  }
  for (let u = 0; u < units; u++) {
    const ns = `ns-${u % 1000}`;
    const app = `app-${u}`;
    const spec = podSpec([{ name: `${app}-db`, key: 'password' }, { name: `${app}-api` }], app);
    await item({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app, namespace: ns }, spec: { template: { spec } } });
    await item({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `${app}-rs`, namespace: ns }, spec: { template: { spec } } });
    for (let p = 0; p < 3; p++) await item({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `${app}-rs-${p}`, namespace: ns }, spec, status: { phase: 'Running' } });
    await item({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `${app}-db`, namespace: ns }, type: 'Opaque', data: { password: 'eA==', user: 'eA==' } });
    if (u % 100 !== 7) await item({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `${app}-api`, namespace: ns }, type: 'Opaque', data: { token: 'eA==' } });
    await item({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: app, namespace: ns } });
  }
  await write('\n]}\n');
  await new Promise<void>((r) => out.end(() => r()));
}

async function main() {
  const outDir = path.resolve('bench/out');
  await mkdir(outDir, { recursive: true });
  const reuseDir = values.db ? path.resolve(values.db) : null;
  const bench = await openBenchDatabase({ prefix: 'keygraph-bench-query-', keep: values.keep, reuseDir });
  const { database, dir } = bench;
  const report: Record<string, unknown> = { scale };
  try {
    const existing = reuseDir
      ? Number((await database.pool.query<{ n: string }>(`SELECT count(*) AS n FROM runs WHERE scope = $1`, [C])).rows[0]!.n)
      : 0;
    if (existing > 0) {
      console.log(`reusing the inventory loaded in ${reuseDir}`);
      report.load = { reused: reuseDir };
    } else {
      const loaded = await load(database);
      console.log(`loaded ${loaded.nodes.toLocaleString()} node rows and ${loaded.edges.toLocaleString()} edge rows with COPY in ${(loaded.ms / 1000).toFixed(1)} s`);
      report.load = loaded;
    }

    // Impact: warm up, then 200 random targets and 200 of the hot key.
    const time = async (id: string) => {
      const t = performance.now();
      const r = await impactOf(database, id);
      return { ms: performance.now() - t, affected: r?.affected.length ?? 0, verdict: r?.verdict };
    };
    if (!values['skip-impact']) {
    const sample = await database.pool.query<{ node_id: string }>(
      `SELECT node_id FROM node_versions TABLESAMPLE SYSTEM (1) REPEATABLE (42) WHERE kind IN ('Secret', 'ServiceAccount', 'Deployment') AND NOT missing LIMIT 200`,
    );
    const targets = sample.rows.map((r) => r.node_id);
    for (const id of targets.slice(0, 10)) await impactOf(database, id);
    const random: number[] = [];
    for (const id of targets) random.push((await time(id)).ms);
    const hot: number[] = [];
    const floor: number[] = [];
    let hotAffected = 0;
    let hotVerdict: string | undefined;
    let floorReached = 0;
    // The floor, alternated with keygraph's impact so both run under the same load: a bare recursive CTE walking the
    // same dependency edges from the hot key (reached ids only: no paths, no properties, no node rows, no verdict).
    const floorSql = `WITH RECURSIVE r(id) AS (
        SELECT $1::text
        UNION
        SELECT CASE WHEN e.to_id = r.id THEN e.from_id ELSE e.to_id END FROM r JOIN edge_versions e
          ON (e.to_id = r.id AND e.kind = ANY($2::text[])) OR (e.from_id = r.id AND e.kind = ANY($3::text[]))
        WHERE e.valid_to IS NULL)
      SELECT count(*)::int AS n FROM r`;
    for (let i = 0; i < hotQueries; i++) {
      const r = await time(HOT_KEY);
      hot.push(r.ms);
      hotAffected = r.affected;
      hotVerdict = r.verdict;
      const t = performance.now();
      const f = await database.pool.query<{ n: number }>(floorSql, [HOT_KEY, INBOUND_DEPENDENCY_KINDS, OUTBOUND_DEPENDENCY_KINDS]);
      floor.push(performance.now() - t);
      floorReached = f.rows[0]!.n - 1;
    }
    if (values['dump-results']) {
      const out: unknown[] = [];
      for (const action of ['delete', 'rotate'] as const) {
        for (const id of [HOT_KEY, HOT_GSA, k8sId(C, 'hot', 'Secret', 'hot-s-42'), k8sId(C, 'hot', 'Deployment', 'hot-d-7'), ...targets.slice(0, 20)]) {
          const r = await impactOf(database, id, { action });
          out.push(r && { ...r, asOf: undefined, sources: r.sources.map((x) => ({ ...x, ageHours: undefined })) });
        }
      }
      await writeFile(`${values['dump-results']}-impact.json`, JSON.stringify(out, null, 1) + '\n');
    }
    report.impact = {
      random: { queries: random.length, p50: percentile(random, 50), p95: percentile(random, 95) },
      hotKey: { queries: hot.length, affected: hotAffected, verdict: hotVerdict, p50: percentile(hot, 50), p95: percentile(hot, 95) },
      hotKeyFloor: { what: 'bare recursive CTE over the same dependency edges', reached: floorReached, p50: percentile(floor, 50), p95: percentile(floor, 95) },
      hotKeyRatioToFloor: { p50: percentile(hot, 50) / percentile(floor, 50), p95: percentile(hot, 95) / percentile(floor, 95) },
    };
    console.log(`impact, ${random.length} random targets: p50 ${percentile(random, 50).toFixed(1)} ms, p95 ${percentile(random, 95).toFixed(1)} ms (target p95 < 50 ms)`);
    console.log(`impact, hot key (${hotAffected} affected, ${hotVerdict}), ${hot.length} queries: p50 ${percentile(hot, 50).toFixed(1)} ms, p95 ${percentile(hot, 95).toFixed(1)} ms (target p95 < 50 ms)`);
    console.log(
      `floor, the same walk as a bare recursive CTE (${floorReached} reached): p50 ${percentile(floor, 50).toFixed(1)} ms, p95 ${percentile(floor, 95).toFixed(1)} ms; ` +
        `impact / floor: p50 ${(percentile(hot, 50) / percentile(floor, 50)).toFixed(2)}×, p95 ${(percentile(hot, 95) / percentile(floor, 95)).toFixed(2)}× (target within 5×)`,
    );
    }

    // Findings over the whole graph.
    if (!values['skip-findings']) {
    const t = performance.now();
    const f = await computeFindings(database);
    const findingsMs = performance.now() - t;
    const byRule: Record<string, number> = {};
    for (const x of f.findings) byRule[x.rule] = (byRule[x.rule] ?? 0) + 1;
    if (values['dump-results']) await writeFile(`${values['dump-results']}-findings.json`, JSON.stringify(f.findings, null, 1) + '\n');
    report.findings = { ms: findingsMs, count: f.findings.length, byRule, timings: f.timings };
    console.log(`findings over the whole graph: ${f.findings.length.toLocaleString()} in ${(findingsMs / 1000).toFixed(1)} s (target < 30 s); by rule ${JSON.stringify(byRule)}; phases ${JSON.stringify(f.timings)}`);
    }

    // jq comparison.
    const jq = values['skip-jq'] ? null : spawnSync('jq', ['--version'], { encoding: 'utf8' });
    if (jq && jq.status === 0) {
      const dump = path.join(outDir, `kubectl-x${scale}.json`);
      await writeKubectlDump(dump);
      const secret = 'hot-s-42';
      const filter = `[.items[] | select(([.spec.template.spec, .spec] | map(select(. != null)) | .[0]) as $s
        | ($s.volumes // [] | map(.secret.secretName) | index("${secret}")) != null
          or ($s.containers // [] | map(.env // [] | map(.valueFrom.secretKeyRef.name)) | flatten | index("${secret}")) != null)
        | "\\(.kind)/\\(.metadata.namespace)/\\(.metadata.name)"] | length`;
      const t1 = performance.now();
      const outText = execFileSync('jq', [filter, dump], { encoding: 'utf8', maxBuffer: 1 << 26 });
      const jqMs = performance.now() - t1;
      const secretId = k8sId(C, 'hot', 'Secret', secret);
      const ks: number[] = [];
      let kAffected = 0;
      for (let i = 0; i < 20; i++) {
        const r = await time(secretId);
        ks.push(r.ms);
        kAffected = r.affected;
      }
      const kp50 = percentile(ks, 50);
      report.jq = { dumpMiB: Math.round(statSync(dump).size / 2 ** 20), jqMs, jqMatches: Number(outText.trim()), keygraphP50: kp50, keygraphAffected: kAffected, ratio: jqMs / kp50 };
      console.log(`jq reverse lookup of Secret ${secret} over the ${Math.round(statSync(dump).size / 2 ** 20)} MiB kubectl dump: ${(jqMs / 1000).toFixed(1)} s (${outText.trim()} objects); keygraph impact p50 ${kp50.toFixed(1)} ms (${kAffected} affected): ${(jqMs / kp50).toFixed(0)}× faster`);
      rmSync(dump, { force: true });
    } else {
      report.jq = { skipped: jq ? 'jq is not installed' : '--skip-jq' };
      console.log(`jq comparison skipped: ${jq ? 'jq is not installed' : '--skip-jq'}`);
    }
    await writeFile(path.join(outDir, 'query.json'), JSON.stringify(report, null, 2) + '\n');
    console.log(`wrote bench/out/query.json`);
  } finally {
    await bench.close();
    if (dir && (values.keep || reuseDir)) console.log(`kept the database folder ${dir} (reuse it with --db ${dir})`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
