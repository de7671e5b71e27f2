/**
 * Serves the Next.js web app from this process (so it shares the database the CLI opened). Production mode needs a
 * build (`.next/BUILD_ID`); when there is none, `next build` runs first. `dev` uses Next's development server.
 *
 * Binding: loopback only unless authentication is configured (not yet available): a non-loopback `host` is refused
 * with a clear error, because the graph is a map of an organisation's secrets.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import next from 'next';
import { log } from './log';

export interface ServeOptions {
  host: string;
  port: number;
  dev?: boolean;
  /** Project root (where next.config.js and app/ live). */
  dir?: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function projectRoot(): string {
  return path.resolve(import.meta.dirname, '..');
}

/** Starts the HTTP server; resolves once it listens. Returns a close function. */
export async function serve(opts: ServeOptions): Promise<{ url: string; close: () => Promise<void> }> {
  if (!LOOPBACK.has(opts.host)) {
    throw new Error(
      `refusing to listen on ${opts.host}: keygraph serves a map of your secrets and has no sign-in configured yet; ` +
        'bind to 127.0.0.1 (the default) and reach it through a port-forward or an authenticating proxy',
    );
  }
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
  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      log.error({ err: e.message, url: req.url }, 'request failed');
      if (!res.headersSent) res.writeHead(500).end('internal error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
