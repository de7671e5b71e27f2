import { startEmbeddedDatabase } from '../lib/db/embedded';
import { openDatabase, closeDatabase } from '../lib/db';
const server = await startEmbeddedDatabase('/tmp/kgbench/db');
const d = openDatabase(server.url);
const L2 = Array.from({length:100},(_, s)=>`k8s:bench/hot/Secret/hot-s-${s}`);
const L3: string[] = []; for (let w = 0; w < 1000; w++) L3.push(`k8s:bench/hot/Deployment/hot-d-${w}`, `k8s:bench/hot/ReplicaSet/hot-d-${w}-rs`);
const variants: Record<string,string> = {
 full: `SELECT e.to_id, e.from_id, e.kind, e.properties::text FROM edge_versions e WHERE e.to_id = ANY($1::text[]) AND e.kind = ANY('{USES_SECRET,RUNS_AS,ACTS_AS,HOLDS_KEY,TOKEN_FOR}') AND e.valid_to IS NULL UNION ALL SELECT e.from_id, e.to_id, e.kind, e.properties::text FROM edge_versions e WHERE e.from_id = ANY($1::text[]) AND e.kind = ANY('{OWNS,PRODUCES,HAS_KEY}') AND e.valid_to IS NULL`,
 noprops: `SELECT e.to_id, e.from_id, e.kind FROM edge_versions e WHERE e.to_id = ANY($1::text[]) AND e.kind = ANY('{USES_SECRET,RUNS_AS,ACTS_AS,HOLDS_KEY,TOKEN_FOR}') AND e.valid_to IS NULL UNION ALL SELECT e.from_id, e.to_id, e.kind FROM edge_versions e WHERE e.from_id = ANY($1::text[]) AND e.kind = ANY('{OWNS,PRODUCES,HAS_KEY}') AND e.valid_to IS NULL`,
 lag: `SELECT src, node_id, kind, CASE WHEN t IS DISTINCT FROM lag(t) OVER () THEN t END FROM (SELECT e.to_id AS src, e.from_id AS node_id, e.kind, e.properties::text AS t FROM edge_versions e WHERE e.to_id = ANY($1::text[]) AND e.kind = ANY('{USES_SECRET,RUNS_AS,ACTS_AS,HOLDS_KEY,TOKEN_FOR}') AND e.valid_to IS NULL UNION ALL SELECT e.from_id, e.to_id, e.kind, e.properties::text FROM edge_versions e WHERE e.from_id = ANY($1::text[]) AND e.kind = ANY('{OWNS,PRODUCES,HAS_KEY}') AND e.valid_to IS NULL) x`,
 lag2: `SELECT src, node_id, kind, CASE WHEN p IS DISTINCT FROM lag(p) OVER () THEN p::text END FROM (SELECT e.to_id AS src, e.from_id AS node_id, e.kind, e.properties AS p FROM edge_versions e WHERE e.to_id = ANY($1::text[]) AND e.kind = ANY('{USES_SECRET,RUNS_AS,ACTS_AS,HOLDS_KEY,TOKEN_FOR}') AND e.valid_to IS NULL UNION ALL SELECT e.from_id, e.to_id, e.kind, e.properties FROM edge_versions e WHERE e.from_id = ANY($1::text[]) AND e.kind = ANY('{OWNS,PRODUCES,HAS_KEY}') AND e.valid_to IS NULL) x`,
 count: `SELECT count(*) FROM (SELECT e.to_id, e.from_id, e.kind, e.properties::text FROM edge_versions e WHERE e.to_id = ANY($1::text[]) AND e.kind = ANY('{USES_SECRET,RUNS_AS,ACTS_AS,HOLDS_KEY,TOKEN_FOR}') AND e.valid_to IS NULL UNION ALL SELECT e.from_id, e.to_id, e.kind, e.properties::text FROM edge_versions e WHERE e.from_id = ANY($1::text[]) AND e.kind = ANY('{OWNS,PRODUCES,HAS_KEY}') AND e.valid_to IS NULL) x`,
};
for (const [lv, ids] of [['L2', L2], ['L3', L3]] as const) for (const [name, sql] of Object.entries(variants)) {
  const ts: number[] = [];
  for (let i = 0; i < 30; i++) { const t = performance.now(); await d.pool.query({ text: sql, values: [ids], rowMode: 'array' }); ts.push(performance.now() - t); }
  ts.sort((a, b) => a - b);
  console.log(`${lv} ${name}: min ${ts[0]!.toFixed(1)} p50 ${ts[15]!.toFixed(1)}`);
}
for (const [name, sql] of Object.entries(variants)) { const ex: number[] = []; for (let i = 0; i < 10; i++) { const r = await d.pool.query(`EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) ${sql}`, [L2]); ex.push(Number(/Execution Time: ([\d.]+)/.exec(r.rows.map((x: any) => x['QUERY PLAN']).join('\n'))![1])); } ex.sort((a,b)=>a-b); console.log(`server L2 ${name}: min ${ex[0]} p50 ${ex[5]}`); }
const pl = await d.pool.query(`EXPLAIN (ANALYZE, TIMING OFF) ${variants.full}`, [L3]);
console.log(pl.rows.map((r: any) => r['QUERY PLAN']).join('\n').replace(/\{k8s[^}]*\}/g, '{…}'));
await closeDatabase(d); await server.stop();
