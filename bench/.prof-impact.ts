import { startEmbeddedDatabase } from '../lib/db/embedded';
import { openDatabase, closeDatabase } from '../lib/db';
import { impactOf } from '../lib/analysis/impact';
const server = await startEmbeddedDatabase('/tmp/kgbench/db');
const d = openDatabase(server.url);
const HOT = 'gcp:bench-proj/ServiceAccountKey/hotkey';
const orig = d.pool.query.bind(d.pool);
let log: string[] = [];
(d.pool as any).query = async (...a: any[]) => { const t = performance.now(); const r = await (orig as any)(...a); log.push(`${(performance.now()-t).toFixed(1)}ms rows=${r?.rows?.length} ${String(a[0]?.text ?? a[0]).slice(0,60).replace(/\s+/g,' ')}`); return r; };
for (let i = 0; i < 5; i++) { log = []; const t = performance.now(); const r = await impactOf(d, HOT); console.log(`total ${(performance.now()-t).toFixed(1)} ms affected ${r?.affected.length}`); if (i===4) console.log(log.join('\n')); }
const c = await d.pool.connect();
const q = `EXPLAIN (ANALYZE, BUFFERS) SELECT x.src, x.node_id, min(x.kind), jsonb_agg(DISTINCT x.properties)::text, bool_and(coalesce(x.properties->>'optional', 'false') = 'true') FROM ( SELECT e.to_id AS src, e.from_id AS node_id, e.kind, e.properties FROM edge_versions e WHERE e.to_id = ANY($1::text[]) AND e.kind = ANY($2::text[]) AND e.valid_to IS NULL UNION ALL SELECT e.from_id, e.to_id, e.kind, e.properties FROM edge_versions e WHERE e.from_id = ANY($1::text[]) AND e.kind = ANY($3::text[]) AND e.valid_to IS NULL) x GROUP BY x.src, x.node_id`;
const secrets = Array.from({length:100},(_, s)=>`k8s:bench/hot/Secret/hot-s-${s}`);
const r = await c.query(q, [secrets, ['USES_SECRET','RUNS_AS','ACTS_AS','HOLDS_KEY','TOKEN_FOR'], ['OWNS','PRODUCES','HAS_KEY']]);
console.log(r.rows.map((x:any)=>x['QUERY PLAN']).join('\n'));
c.release();
await closeDatabase(d); await server.stop();
