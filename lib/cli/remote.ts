/**
 * Remote mode of the CLI: `keygraph impact|show|check|export --server URL` (or `KEYGRAPH_SERVER`) answers through a
 * keygraph server's JSON API (`/api/v1/…`, lib/api/handlers.ts) instead of the database, with the same output and
 * exit codes, so a pipeline needs a viewer API token (`KEYGRAPH_TOKEN`, sent as `Authorization: Bearer`), not
 * database credentials. The token is read from the environment only (never a flag: it would show in process lists
 * and shell history) and never printed.
 *
 * Errors: {@link RemoteError} (exit 1) for a server that cannot be reached, refuses the token (401/403), is
 * unavailable (503) or fails (5xx), with the server's message when it sent one; 400 and 404 become UsageError with
 * the server's message (a bad option or an unknown node, as in local mode).
 */
import { Readable } from 'node:stream';
import { once } from 'node:events';
import { UsageError } from './exit';

/** A keygraph server to ask. */
export interface RemoteServer {
  /** Base URL, e.g. `https://keygraph.example.com` (any path is kept as a prefix). */
  base: URL;
  /** `KEYGRAPH_TOKEN`, when set. */
  token?: string;
}

/** A remote call that failed for a reason other than bad input (exit 1, message for stderr). */
export class RemoteError extends Error {}

/** Time allowed for one API request (ms): a findings computation on a large inventory can take seconds. */
const TIMEOUT_MS = 120_000;

/**
 * The server to ask: `--server` or else `KEYGRAPH_SERVER`; undefined for local mode. UsageError when the URL is
 * not an absolute http(s) URL, or holds credentials (`https://user:pass@…`: use `KEYGRAPH_TOKEN`).
 */
export function remoteServer(option: string | undefined, env: Record<string, string | undefined> = process.env): RemoteServer | undefined {
  const raw = option ?? (env.KEYGRAPH_SERVER || undefined);
  if (raw === undefined) return undefined;
  let base: URL;
  try {
    base = new URL(raw);
  } catch {
    throw new UsageError(`--server: not a URL: ${JSON.stringify(raw.slice(0, 200))} (expected e.g. https://keygraph.example.com)`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new UsageError('--server: only http:// and https:// URLs');
  if (base.username || base.password) throw new UsageError('--server: put the API token in KEYGRAPH_TOKEN, not in the URL');
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  const token = env.KEYGRAPH_TOKEN?.trim() || undefined;
  return { base, token };
}

/** `path` (`api/v1/impact`) with the defined `params` under the server's base URL. */
function urlFor(server: RemoteServer, path: string, params: Record<string, string | undefined>): URL {
  const url = new URL(path, server.base);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url;
}

/** The API's error message from a JSON error body (`{error: {message}}` or `{error: "…"}`), if any. */
async function errorMessage(res: Response): Promise<string | undefined> {
  try {
    const body = (await res.json()) as { error?: string | { message?: string } };
    return typeof body.error === 'string' ? body.error : body.error?.message;
  } catch {
    return undefined;
  }
}

/** Sends the GET (or, with `body`, a POST of it as JSON); throws UsageError / RemoteError for a non-2xx answer (see the module header). */
async function request(server: RemoteServer, path: string, params: Record<string, string | undefined>, notFound?: string, body?: unknown): Promise<Response> {
  const url = urlFor(server, path, params);
  let res: Response;
  try {
    res = await fetch(url, {
      ...(body !== undefined && { method: 'POST', body: JSON.stringify(body) }),
      headers: {
        Accept: 'application/json',
        ...(body !== undefined && { 'Content-Type': 'application/json' }),
        ...(server.token && { Authorization: `Bearer ${server.token}` }),
      },
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    const c = (e as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
    const cause = c?.code ?? c?.errors?.[0]?.code ?? c?.message ?? (e as Error).message;
    throw new RemoteError(`cannot reach ${server.base.origin} (${cause})`);
  }
  if (res.ok) return res;
  const message = await errorMessage(res);
  if (res.status === 404 && notFound) throw new UsageError(notFound);
  if (res.status === 400 || res.status === 404) throw new UsageError(message ?? `the server answered ${res.status}`);
  if (res.status === 401 || (res.status >= 300 && res.status < 400)) {
    throw new RemoteError(`${server.base.origin} needs sign-in: ${server.token ? 'it refused KEYGRAPH_TOKEN (unknown, expired or revoked)' : 'set KEYGRAPH_TOKEN to an API token (keygraph token create, or the tokens page)'}`);
  }
  if (res.status === 403) throw new RemoteError(`${server.base.origin} refused: ${message ?? 'this token may not do that'}`);
  throw new RemoteError(`${server.base.origin} answered ${res.status}${message ? `: ${message}` : ''}`);
}

/** GET `path` and parse its JSON body; a 404 is UsageError(`notFound`) when given (the local command's wording). */
export async function remoteJson<T>(server: RemoteServer, path: string, params: Record<string, string | undefined>, notFound?: string): Promise<T> {
  return jsonOf<T>(server, path, await request(server, path, params, notFound));
}

async function jsonOf<T>(server: RemoteServer, path: string, res: Response): Promise<T> {
  try {
    return (await res.json()) as T;
  } catch {
    throw new RemoteError(`${server.base.origin} did not answer JSON at /${path}: is it a keygraph server?`);
  }
}

/** POST `body` as JSON to `path` and parse the JSON answer (the pre-deploy gate's references). */
export async function remotePostJson<T>(server: RemoteServer, path: string, body: unknown): Promise<T> {
  return jsonOf<T>(server, path, await request(server, path, {}, undefined, body));
}

/**
 * GET `path` and write its body to `out` as it arrives, with backpressure (exports); `out` is not ended. A transfer
 * the server aborts mid-stream (a failed export) rejects: the caller must not keep a short file.
 */
export async function remoteDownload(server: RemoteServer, path: string, params: Record<string, string | undefined>, out: NodeJS.WritableStream): Promise<void> {
  const res = await request(server, path, params);
  if (!res.body) throw new RemoteError(`${server.base.origin} sent an empty body`);
  try {
    for await (const chunk of Readable.fromWeb(res.body as import('node:stream/web').ReadableStream)) {
      if (!out.write(chunk as Buffer)) await once(out, 'drain');
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') throw e;
    throw new RemoteError(`the export from ${server.base.origin} stopped before its end (${(e as Error).message})`);
  }
}
