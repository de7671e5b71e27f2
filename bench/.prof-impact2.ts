import { startEmbeddedDatabase } from '../lib/db/embedded';
import { openDatabase, closeDatabase } from '../lib/db';
import { impactOf } from '../lib/analysis/impact';
const server = await startEmbeddedDatabase('/tmp/kgbench/db');
const d = openDatabase(server.url);
const HOT = 'gcp:bench-proj/ServiceAccountKey/hotkey';
const ts: number[] = [];
for (let i = 0; i < 40; i++) { const t = performance.now(); await impactOf(d, HOT); ts.push(performance.now() - t); }
ts.sort((a, b) => a - b);
console.log(`min ${ts[0]!.toFixed(1)} p50 ${ts[20]!.toFixed(1)} p95 ${ts[38]!.toFixed(1)}`);
await closeDatabase(d); await server.stop();
