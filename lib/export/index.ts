/**
 * Exports of the graph (docs/ARCHITECTURE.md "Identifiers and the command-line contract": `keygraph export --what
 * nodes|edges|findings|keys|access --format csv|json|ndjson|graphml [--as-of TIME]`), shared by the CLI and the web route.
 *
 * An export runs on ONE dedicated pool connection inside a `REPEATABLE READ READ ONLY` transaction, so its meta,
 * nodes and edges are one consistent snapshot. Rows are read with a server-side cursor (pg-query-stream, a batch at a
 * time) and written as text chunks pulled by the consumer: nothing is read faster than it is written, so memory stays
 * flat whatever the size (backpressure end to end). Stopping early (client gone, EPIPE) closes the cursor and
 * discards the connection.
 *
 * Every export states when it was generated, the as-of time, the filters and the runs it rests on (the latest
 * committed run of each source/scope at the as-of time, with its coverage).
 */
import type { Writable } from 'node:stream';
import type pg from 'pg';
import QueryStream from 'pg-query-stream';
import type { Prisma } from '../generated/prisma/client';
import type { Database } from '../db';
import { resolveTime, TimeSpecError } from '../store/history';
import { FORMATS } from './formats';
import { rowSource, SOURCES } from './sources';
import {
  EXPORT_FORMATS, ExportRequestError, type DbRow, type ExportFilters, type ExportFormat, type ExportMeta, type ExportRequest,
  type ExportRun, type QueryContext,
} from './types';

export * from './types';
export { SOURCES } from './sources';
export { listKeys, type KeyItem } from './sources/keys';
export { FORMATS } from './formats';

/** Raw request parameters, as the CLI options or URL search parameters give them. */
export interface ExportInput {
  what?: string;
  format?: string;
  realm?: string;
  namespace?: string;
  kind?: string;
  /** A time spec: ISO 8601, `run:N`, `24h`… (lib/store/history.ts resolveTime). */
  asOf?: string;
}

const FILTER_VALUE = /^[^/\s\u0000-\u001f\u007f]{1,320}$/;

/**
 * Validates what, format and filters (no database access). Throws {@link ExportRequestError} with a message fit for
 * a user: unknown what or format, a filter the what does not accept, an unknown kind, a malformed value.
 */
export function checkExportInput(input: ExportInput): Omit<ExportRequest, 'asOf'> {
  const what = input.what?.trim() ?? '';
  const source = rowSource(what);
  if (!source) {
    throw new ExportRequestError(`unknown export ${JSON.stringify(what)}: use one of ${Object.keys(SOURCES).join(', ')}`, 'what');
  }
  const format = (input.format?.trim().toLowerCase() || 'csv') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) {
    throw new ExportRequestError(`unknown format ${JSON.stringify(input.format)}: use one of ${EXPORT_FORMATS.join(', ')}`, 'format');
  }
  const filters: ExportFilters = {};
  for (const name of ['realm', 'namespace', 'kind'] as const) {
    const v = input[name]?.trim();
    if (!v) continue;
    if (!source.filters.includes(name)) throw new ExportRequestError(`the ${what} export has no ${name} filter (filters: ${source.filters.join(', ') || 'none'})`, name);
    if (!FILTER_VALUE.test(v)) throw new ExportRequestError(`${name} must be a name without '/', spaces or control characters (got ${JSON.stringify(v.slice(0, 60))})`, name);
    filters[name] = v;
  }
  if (filters.kind && source.checkKind) {
    const problem = source.checkKind(filters.kind);
    if (problem) throw new ExportRequestError(problem, 'kind');
  }
  return { what, format, filters };
}

/**
 * {@link checkExportInput} plus the as-of time, resolved by the one resolver (lib/store/history.ts resolveTime: ISO
 * 8601, `run:N`, `24h`, `yesterday`…; a time in the future is refused). A spec that does not resolve is an
 * {@link ExportRequestError} on `asOf`; database errors propagate.
 */
export async function parseExportRequest(database: Database, input: ExportInput): Promise<ExportRequest> {
  const req: ExportRequest = checkExportInput(input);
  const spec = input.asOf?.trim();
  if (spec) {
    try {
      req.asOf = await resolveTime(database, spec);
    } catch (e) {
      if (e instanceof TimeSpecError) throw new ExportRequestError(`--as-of: ${e.message}`, 'asOf');
      throw e;
    }
  }
  return req;
}

/** Media type of a format (`text/csv; charset=utf-8; header=present`…). */
export function exportContentType(format: ExportFormat): string {
  return FORMATS[format].contentType;
}

/** A download file name: `keygraph-nodes-20261121T101500Z.csv` (the as-of time, else now). */
export function exportFilename(req: Pick<ExportRequest, 'what' | 'format' | 'asOf'>, now = new Date()): string {
  const stamp = (req.asOf ?? now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `keygraph-${req.what}-${stamp}.${FORMATS[req.format].extension}`;
}

/** The runs an export at `asOf` rests on: the latest committed run per source/scope at that time. */
async function loadRuns(client: pg.PoolClient, asOf?: Date): Promise<ExportRun[]> {
  const r = await client.query<{ id: number; source: string; scope: string; status: string; committed_at: Date; coverage: Record<string, unknown> }>(
    `SELECT DISTINCT ON (source, scope) id, source, scope, status, committed_at, coverage FROM runs
     WHERE committed_at IS NOT NULL AND status IN ('succeeded', 'partial') AND ($1::timestamptz IS NULL OR committed_at <= $1::timestamptz)
     ORDER BY source, scope, committed_at DESC, id DESC`,
    [asOf ?? null],
  );
  return r.rows.map((x) => ({ id: x.id, source: x.source, scope: x.scope, status: x.status, committedAt: x.committed_at.toISOString(), coverage: x.coverage }));
}

/** Streams the rows of `sql` with a cursor, `batchSize` rows at a time; closes the cursor when left early. */
async function* streamRows(client: pg.PoolClient, sql: Prisma.Sql, batchSize: number): AsyncGenerator<DbRow> {
  const stream = client.query(new QueryStream(sql.text, sql.values as unknown[], { batchSize, highWaterMark: batchSize }));
  try {
    for await (const row of stream) yield row as DbRow;
  } finally {
    if (!stream.destroyed) stream.destroy();
  }
}

export interface ExportOptions {
  /** Rows fetched per cursor round trip (default 1000). */
  batchSize?: number;
  /** Text buffered before a chunk is handed on (default 64 KiB); the header is handed on at once. */
  chunkSize?: number;
  /** Called with the number of items (rows of the main query, or nodes + edges for GraphML) at the end. */
  onDone?: (stats: { rows: number; meta: ExportMeta }) => void;
  /**
   * Aborted when the consumer is gone (the HTTP request's `signal`): the export stops, its cursor is closed and its
   * connection discarded. Needed because a web stream's `cancel()` is not called when the client disconnects.
   */
  signal?: AbortSignal;
}

/**
 * The export as text chunks, pulled by the consumer (an async generator: nothing is read from the database before
 * the previous chunk was taken). The first chunk is the header with the meta, so a consumer can await it to learn
 * that the database answered before committing to a response. Errors reject the pending `next()`.
 */
export async function* exportChunks(database: Database, req: ExportRequest, opts: ExportOptions = {}): AsyncGenerator<string> {
  const source = rowSource(req.what);
  if (!source || (!source.query && !source.load)) throw new ExportRequestError(`unknown export ${JSON.stringify(req.what)}`);
  const writer = FORMATS[req.format];
  const batchSize = opts.batchSize ?? 1000;
  const chunkSize = opts.chunkSize ?? 64 * 1024;
  const client = await database.pool.connect();
  let clean = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // Sorting and grouping millions of edges: let the server do it in memory rather than in temporary files.
    await client.query(`SET LOCAL work_mem = '64MB'`);
    const now = (await client.query<{ now: Date }>('SELECT now() AS now')).rows[0]!.now;
    const runs = await loadRuns(client, req.asOf);
    const meta: ExportMeta = {
      generatedAt: now.toISOString(),
      asOf: (req.asOf ?? now).toISOString(),
      current: !req.asOf,
      // No run committed by the as-of time, in this snapshot: the same test as lib/store/history.ts dataBegins.
      noData: runs.length === 0,
      what: req.what,
      format: req.format,
      filters: req.filters,
      runs,
    };
    const ctx: QueryContext = { filters: req.filters, asOf: req.asOf, at: req.asOf ?? now };
    let count = 0;
    const rows = (sql: Prisma.Sql) => {
      const it = streamRows(client, sql, batchSize);
      return {
        async *[Symbol.asyncIterator]() {
          for await (const r of it) {
            count++;
            yield r;
          }
        },
      };
    };
    const loaded = source.load ? await source.load(database, ctx) : null;
    const items = () =>
      loaded
        ? {
            async *[Symbol.asyncIterator]() {
              for (const r of loaded) {
                count++;
                yield r;
              }
            },
          }
        : rows(source.query!(ctx));
    let buf = '';
    let first = true;
    for await (const piece of writer.write({ meta, source, ctx, rows, items })) {
      buf += piece;
      if (first || buf.length >= chunkSize) {
        first = false;
        yield buf;
        buf = '';
      }
    }
    if (buf) yield buf;
    await client.query('COMMIT');
    clean = true;
    opts.onDone?.({ rows: count, meta });
  } finally {
    // Left early or failed: a cursor may still be open; discard the connection rather than reuse it.
    client.release(clean ? undefined : true);
  }
}

/** Resolves at the writable's next `drain`; rejects when it errors or closes first (a closed pipe is EPIPE). */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (e?: Error) => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      if (e) reject(e);
      else resolve();
    };
    const onDrain = () => done();
    const onError = (e: Error) => done(e);
    const onClose = () => done(Object.assign(new Error('output closed before the export ended'), { code: 'EPIPE' }));
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}

/**
 * Writes an export to a Node writable (stdout, a file), honouring backpressure. Does not end `out`.
 * Resolves with the item count; rejects on a database error or a write error (EPIPE included, as `code`).
 */
export async function writeExport(database: Database, req: ExportRequest, out: Writable, opts: ExportOptions = {}): Promise<{ rows: number; meta: ExportMeta }> {
  let stats: { rows: number; meta: ExportMeta } | undefined;
  let failed: Error | null = null;
  const onError = (e: Error) => (failed = e);
  out.on('error', onError);
  const it = exportChunks(database, req, { ...opts, onDone: (s) => ((stats = s), opts.onDone?.(s)) });
  try {
    for await (const chunk of it) {
      if (failed) throw failed;
      if (!out.write(chunk)) await drained(out);
      if (failed) throw failed;
    }
  } finally {
    out.off('error', onError);
  }
  return stats!;
}

/**
 * The export as a web ReadableStream of UTF-8 bytes (pull-based: one chunk read per pull, so a slow client slows
 * the cursor). Awaits the first chunk before resolving, so a database error becomes an exception here rather than a
 * truncated download. Cancelling the stream (client gone) stops the export and frees its connection.
 */
export async function exportWebStream(database: Database, req: ExportRequest, opts: ExportOptions = {}): Promise<ReadableStream<Uint8Array>> {
  const it = exportChunks(database, req, opts);
  // A generator suspended at a `yield` runs its `finally` (cursor closed, connection discarded) on return(); one
  // that is running finishes its step first. Without this, a client that leaves mid-download would keep a pooled
  // connection idle in an open transaction for good (and the pool runs dry after a few).
  const stop = () => void it.return(undefined).catch(() => undefined);
  if (opts.signal?.aborted) stop();
  opts.signal?.addEventListener('abort', stop, { once: true });
  const first = await it.next();
  const enc = new TextEncoder();
  let pending: string | null = first.done ? null : first.value;
  let done = !!first.done;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (pending !== null) {
          controller.enqueue(enc.encode(pending));
          pending = null;
          if (done) controller.close();
          return;
        }
        if (done) return controller.close();
        const r = await it.next();
        if (r.done) {
          done = true;
          opts.signal?.removeEventListener('abort', stop);
          controller.close();
        } else controller.enqueue(enc.encode(r.value));
      },
      async cancel() {
        await it.return(undefined);
      },
    },
    { highWaterMark: 1 },
  );
}
