/**
 * `keygraph export --what nodes|edges|findings|keys|access --format csv|json|ndjson|graphml [--as-of TIME] [--cluster C | --project P]
 * [--namespace NS] [--kind KIND] [--output FILE]`: streams an export (lib/export) to stdout or a file.
 *
 * Exit 0 when the export was written completely (also when the reader of stdout closed the pipe early, as `head`
 * does); 1 on a usage error (unknown what/format/kind, invalid --as-of: a clear message on stderr) or a database /
 * write error. With `--output`, the file appears only once complete (written as FILE.partial-PID, then renamed);
 * a failed export leaves no file.
 */
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { checkExportInput, ExportRequestError, parseExportRequest, writeExport, type ExportInput } from '../export';
import { openRuntime } from '../runtime';
import { noDataAt } from '../store/history';
import { EXIT, UsageError } from './exit';
import { remoteDownload, remoteServer } from './remote';

export interface ExportCommandOptions {
  what: string;
  format: string;
  asOf?: string;
  cluster?: string;
  project?: string;
  namespace?: string;
  kind?: string;
  output?: string;
  /** Ask this keygraph server (lib/cli/remote.ts) instead of the database. */
  server?: string;
}

/** CLI options → export input (realm from --cluster or --project). UsageError on a bad combination or value. */
export function exportInputFromOptions(opts: ExportCommandOptions): ExportInput {
  if (opts.cluster && opts.project) throw new UsageError('give --cluster or --project, not both (both filter on the realm)');
  const input: ExportInput = {
    what: opts.what, format: opts.format, realm: opts.cluster ?? opts.project, namespace: opts.namespace, kind: opts.kind, asOf: opts.asOf,
  };
  try {
    checkExportInput(input);
  } catch (e) {
    if (e instanceof ExportRequestError) throw new UsageError(e.message);
    throw e;
  }
  return input;
}

/**
 * `keygraph export`: streams the export from the database or, with `--server`/`KEYGRAPH_SERVER`, from a server's
 * `GET /api/v1/export` (lib/cli/remote.ts), to `--output` (written as FILE.partial-PID, renamed once complete) or
 * stdout. Returns EXIT.ok; UsageError for bad options.
 */
export async function exportCommand(opts: ExportCommandOptions): Promise<number> {
  const input = exportInputFromOptions(opts);
  const server = remoteServer(opts.server);
  if (server) {
    const params = { what: input.what, format: input.format, realm: input.realm, namespace: input.namespace, kind: input.kind, asOf: input.asOf };
    await writeTo(opts.output, `${input.what} as ${input.format} from ${server.base.origin}`, async (out) => {
      await remoteDownload(server, 'api/v1/export', params, out);
      return undefined;
    });
    return EXIT.ok;
  }
  const rt = await openRuntime();
  try {
    let req;
    try {
      req = await parseExportRequest(rt.database, input);
    } catch (e) {
      if (e instanceof ExportRequestError) throw new UsageError(e.message);
      throw e;
    }
    if (req.asOf && (await noDataAt(rt.database, req.asOf))) {
      process.stderr.write(`note: no data at ${req.asOf.toISOString()} (before the first collection): the export is empty and its meta says noData\n`);
    }
    const what = `${req.what} as ${req.format}${req.asOf ? ` as of ${req.asOf.toISOString()}` : ''}`;
    await writeTo(opts.output, what, async (out) => (await writeExport(rt.database, req, out)).rows);
    return EXIT.ok;
  } finally {
    await rt.close();
  }
}

/**
 * Runs `write` into `output` (created once complete: FILE.partial-PID renamed; a failure leaves no file) or stdout
 * (a reader that stops early, as `head` does, is not an error). `write` resolves with the rows written, if known.
 */
async function writeTo(output: string | undefined, what: string, write: (out: Writable) => Promise<number | undefined>): Promise<void> {
  const rowsText = (rows: number | undefined) => (rows === undefined ? '' : `${rows} row(s) of `);
  if (output) {
    const tmp = `${output}.partial-${process.pid}`;
    const file = createWriteStream(tmp, { flags: 'wx' });
    try {
      const rows = await write(file);
      file.end();
      await finished(file);
      await rename(tmp, output);
      process.stderr.write(`exported ${rowsText(rows)}${what} to ${output}\n`);
    } catch (e) {
      file.destroy();
      await unlink(tmp).catch(() => {});
      throw e;
    }
    return;
  }
  try {
    const rows = await write(process.stdout);
    // Let stdout flush before the process exits (writes are ordered: this callback runs after the export's).
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
    if (process.stderr.isTTY) process.stderr.write(`exported ${rowsText(rows)}${what}\n`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') return; // the reader stopped early (| head)
    throw e;
  }
}
