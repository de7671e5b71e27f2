import { startEmbeddedDatabase } from '../lib/db/embedded';
import { openDatabase, closeDatabase } from '../lib/db';
import { readFileSync } from 'node:fs';
const server = await startEmbeddedDatabase('/tmp/kgbench/db');
const d = openDatabase(server.url);
const ids: string[] = process.env.SECRETS ? Array.from({length:100},(_, s)=>`k8s:bench/hot/Secret/hot-s-${s}`) : [];
if (!process.env.SECRETS) for (let w = 0; w < 1000; w++) { ids.push(`k8s:bench/hot/Deployment/hot-d-${w}`, `k8s:bench/hot/ReplicaSet/hot-d-${w}-rs`); for (let p = 0; p < 5; p++) ids.push(`k8s:bench/hot/Pod/hot-d-${w}-rs-${p}`); }
const sql = readFileSync(process.argv[2]!, 'utf8');
for (let i = 0; i < 8; i++) {
  const t = performance.now();
  const r = await d.pool.query(sql, [ids]);
  console.log(`${(performance.now() - t).toFixed(1)} ms`);
  if (i === 7 && process.env.SHOW) console.log(r.rows.map((x: any) => x['QUERY PLAN'] ?? JSON.stringify(x)).slice(0, 40).join('\n').replace(/\{k8s[^}]*\}/g, '{…}'));
}
await closeDatabase(d); await server.stop();
