/**
 * A cluster worker for lib/metrics.cluster.test.ts: the custom server's request listener (lib/server.ts) with a
 * stand-in for Next.js that answers `/metrics` as app/metrics/route.ts does and 200 to anything else. Listens on
 * 127.0.0.1:$PORT (shared by every worker through node:cluster).
 */
import http from 'node:http';
import path from 'node:path';
import { metrics, metricsResponse, routeMatcher } from '../lib/metrics';
import { requestListener } from '../lib/server';

const server = http.createServer(
  requestListener({
    handle: async (req, res) => {
      if (req.url === '/metrics') {
        const r = await metricsResponse();
        res.writeHead(r.status, { 'Content-Type': r.headers.get('content-type')!, 'X-Worker': String(process.pid) });
        res.end(await r.text());
        return;
      }
      res.writeHead(200, { 'X-Worker': String(process.pid) }).end('ok');
    },
    readiness: { up: async () => true },
    trustProxy: false,
    route: routeMatcher(path.resolve(import.meta.dirname, '..', 'app')).match,
    metrics: metrics(),
    inFlight: new Set(),
  }),
);
server.listen(Number(process.env.PORT), '127.0.0.1');
