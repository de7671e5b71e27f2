/**
 * Serves the Next.js web app from this process (so it shares the database the CLI opened). Production mode needs a
 * build (`.next/BUILD_ID`); when there is none, `next build` runs first. `dev` uses Next's development server.
 *
 * Binding: loopback only unless sign-in is configured (OIDC, lib/config.ts): a non-loopback `host` without it is
 * refused with a clear error, because the graph is a map of an organisation's secrets. With sign-in configured,
 * every request needs a signed-in user or an API token, whatever the address (proxy.ts, lib/auth/gate.ts).
 *
 * Each request gets `x-keygraph-client-ip` (overwriting any the client sent) for per-client rate limits: the socket
 * address, or with `KEYGRAPH_TRUST_PROXY=1` the last `X-Forwarded-For` hop (the address the trusted proxy saw).
 *
 * While the database does not answer (lib/availability.ts, a cached `SELECT 1`), every request but the health
 * endpoints and static assets answers 503 here, before Next.js renders: a short HTML page, or for `/api/` the API's
 * `{error: {code: 'unavailable', message}}`; never a 200 with an empty shell. `/metrics` is answered then too.
 *
 * Every request's duration is recorded by route template (lib/metrics.ts `keygraph_http_request_duration_seconds`;
 * the template from the app/ folder, never the raw path) once its response ends.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import next from 'next';
import { log } from './log';
import { loadConfig, type AuthConfig } from './config';
import { isLoopbackHost } from './auth/loopback';
import { CLIENT_IP_HEADER } from './auth/constants';
import { readinessProbe, type Readiness } from './availability';
import { db } from './db';
import { metrics, routeMatcher, type Metrics } from './metrics';

/** How long close() lets requests in flight finish (ms). */
const CLOSE_GRACE_MS = 10_000;

export interface ServeOptions {
  host: string;
  port: number;
  dev?: boolean;
  /** Project root (where next.config.js and app/ live). */
  dir?: string;
}

/**
 * Throws when `host` may not be bound under this sign-in configuration: anything but loopback needs sign-in.
 * Exported for tests.
 */
export function assertBindAllowed(host: string, auth: Pick<AuthConfig, 'enabled'>): void {
  if (isLoopbackHost(host) || auth.enabled) return;
  throw new Error(
    `refusing to listen on ${host}: keygraph serves a map of your secrets and no sign-in is configured. ` +
      'Either bind to 127.0.0.1 (the default) and reach it through a port-forward, or configure OpenID Connect sign-in ' +
      '(KEYGRAPH_OIDC_ISSUER, KEYGRAPH_OIDC_CLIENT_ID, KEYGRAPH_OIDC_CLIENT_SECRET, KEYGRAPH_PUBLIC_URL and ' +
      'KEYGRAPH_ALLOWED_DOMAINS or KEYGRAPH_ALLOWED_EMAILS; see the README)',
  );
}

/** The client address for rate limiting (see the module comment). */
export function clientAddress(req: http.IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = req.headers['x-forwarded-for'];
    const last = (Array.isArray(xff) ? xff.join(',') : (xff ?? '')).split(',').map((s) => s.trim()).filter(Boolean).pop();
    if (last) return last.slice(0, 64);
  }
  return req.socket.remoteAddress ?? 'unknown';
}

/**
 * The installation folder (package.json, .next, prisma/, lib/demo/): `KEYGRAPH_ROOT` when set (bin/keygraph.mjs sets
 * it, so the compiled CLI in dist/cli finds the same folder as the sources), else the folder above this module.
 */
export function projectRoot(): string {
  return process.env.KEYGRAPH_ROOT ? path.resolve(process.env.KEYGRAPH_ROOT) : path.resolve(import.meta.dirname, '..');
}

/**
 * Paths answered even while the database is down: health endpoints, metrics (process metrics and
 * `keygraph_inventory_up 0`), static assets, the OpenAPI document.
 */
export function servedWithoutDatabase(pathname: string): boolean {
  return (
    pathname === '/healthz' || pathname === '/readyz' || pathname === '/metrics' || pathname.startsWith('/_next/') || pathname === '/favicon.ico' ||
    pathname === '/icon.svg' || pathname === '/api/v1/openapi.json'
  );
}

const UNAVAILABLE_MESSAGE = 'the database is not reachable; try again shortly (GET /readyz says why)';
const UNAVAILABLE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Database unavailable · keygraph</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
<h1>keygraph cannot reach its database</h1>
<p>The inventory cannot be shown right now: the PostgreSQL database keygraph reads is not answering. Nothing is
lost; this page works again as soon as the database is back.</p>
<p>Check that PostgreSQL is running and that <code>DATABASE_URL</code> points at it; <a href="/readyz">/readyz</a>
says why keygraph is not ready.</p>
</body></html>
`;

/**
 * Writes the 503 answer for `pathname` while the database is down: JSON in the API's error shape under `/api/`,
 * else a short HTML page. No credentials or connection details in either.
 */
export function writeUnavailable(res: http.ServerResponse, pathname: string): void {
  const api = pathname.startsWith('/api/');
  res.writeHead(503, {
    'Content-Type': api ? 'application/json' : 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Retry-After': '5',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  });
  res.end(api ? JSON.stringify({ error: { code: 'unavailable', message: UNAVAILABLE_MESSAGE } }) : UNAVAILABLE_HTML);
}

export interface ListenerDeps {
  /** Next.js's request handler. */
  handle: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
  readiness: Readiness;
  trustProxy: boolean;
  /** The route template of a path (lib/metrics.ts routeMatcher), the `route` label of request durations. */
  route: (pathname: string) => string;
  metrics: Metrics;
  /**
   * Requests being handled (rendering may go on after a client left): close() waits for them, so the database is not
   * closed under a render.
   */
  inFlight: Set<Promise<void>>;
}

/**
 * The server's request listener: client address header, the 503 answer while the database is down, then Next.js;
 * every answered request's duration is recorded by route template (lib/metrics.ts). Exported for tests.
 */
export function requestListener(deps: ListenerDeps): http.RequestListener {
  const { handle, readiness, inFlight } = deps;
  return (req, res) => {
    const started = process.hrtime.bigint();
    req.headers[CLIENT_IP_HEADER] = clientAddress(req, deps.trustProxy);
    const pathname = (req.url ?? '/').split('?')[0]!;
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      deps.metrics.observeHttp(deps.route(pathname), req.method ?? 'GET', res.writableFinished ? res.statusCode : 'aborted', seconds);
    });
    const handled: Promise<void> = (async () => {
      if (!servedWithoutDatabase(pathname) && !(await readiness.up())) return writeUnavailable(res, pathname);
      await handle(req, res);
    })()
      .catch((e: Error) => {
        // The path only: a query string may hold an OAuth code or other credential.
        log.error({ err: e.message, path: (req.url ?? '').split('?')[0] }, 'request failed');
        if (!res.headersSent) res.writeHead(500).end('internal error');
      })
      .finally(() => inFlight.delete(handled));
    inFlight.add(handled);
  };
}

/**
 * Starts the HTTP server; resolves once it listens. Returns a close function that stops accepting connections, lets
 * requests in flight finish (at most 10 s) and resolves once every connection is closed.
 */
export async function serve(opts: ServeOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const config = loadConfig();
  assertBindAllowed(opts.host, config.auth);
  const dir = opts.dir ?? projectRoot();
  if (!opts.dev && !existsSync(path.join(dir, '.next', 'BUILD_ID'))) {
    log.info('no production build of the web app yet: running `next build` (once)');
    const r = spawnSync(process.execPath, [path.join(dir, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'], {
      cwd: dir,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    });
    if (r.status !== 0) throw new Error('`next build` failed; see its output above');
  }
  const app = next({ dev: !!opts.dev, dir, hostname: opts.host, port: opts.port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const readiness: Readiness = readinessProbe(() => db().pool.query('SELECT 1'));
  const inFlight = new Set<Promise<void>>();
  const server = http.createServer(
    requestListener({ handle, readiness, trustProxy: config.auth.trustProxy, route: routeMatcher(path.join(dir, 'app')).match, metrics: metrics(), inFlight }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const drained = Promise.allSettled([...inFlight]);
      // At most CLOSE_GRACE_MS for requests in flight; then their connections are cut.
      await Promise.race([drained, new Promise((r) => setTimeout(r, CLOSE_GRACE_MS).unref())]);
      server.closeAllConnections();
      await closed;
    },
  };
}
