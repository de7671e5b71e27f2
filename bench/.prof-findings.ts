import { startEmbeddedDatabase } from '../lib/db/embedded';
import { openDatabase, closeDatabase } from '../lib/db';
import { computeFindings } from '../lib/analysis/findings';
const server = await startEmbeddedDatabase('/tmp/kgbench/db');
const d = openDatabase(server.url);
const connect = d.pool.connect.bind(d.pool);
const { latestRuns } = await import('../lib/analysis/freshness'); await latestRuns(d);
(d.pool as any).connect = async () => {
  const c: any = await connect();
  const q = c.query.bind(c);
  c.query = async (text: any, vals?: any, ...rest: any[]) => {
    if (rest.length || typeof vals === 'function' || (typeof text === 'object' && text.rowMode)) return q(text, vals, ...rest);
    const sql = typeof text === 'string' ? text : text.text;
    if (process.env.EXPLAIN && /^\s*(WITH|SELECT)/.test(sql) && sql.length > 200) {
      const r = await q(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, vals);
      console.log(r.rows.map((x: any) => x['QUERY PLAN']).join('\n'));
    }
    const t = performance.now();
    const r = await q(text, vals);
    console.log(`${(performance.now() - t).toFixed(0).padStart(7)} ms  rows=${r.rowCount}  ${sql.replace(/\s+/g, ' ').slice(0, 110)}`);
    return r;
  };
  return c;
};
const t = performance.now();
const f = await computeFindings(d);
console.log(`total ${(performance.now() - t).toFixed(0)} ms, ${f.findings.length} findings`, JSON.stringify(f.timings));
if (process.env.DUMP) (await import('node:fs')).writeFileSync(process.env.DUMP, JSON.stringify(f.findings, null, 1) + '\n');
await closeDatabase(d); await server.stop();
