/**
 * Scheduled collections of a single-machine install (`keygraph serve --schedule FILE`, `--collect … --every …`;
 * entries parsed by ./parse). State lives in the `scheduled_collections` table, one row per entry:
 *
 * - Claim: every `tickMs` the scheduler tries, per entry, one UPDATE that moves `next_run_at` to now + every ±
 *   jitter `WHERE name = $1 AND next_run_at <= now()`. PostgreSQL row locking makes it exclusive: of several serve
 *   processes on one database, one claims each due run; the others update nothing.
 * - No overlap: when the claimed entry's previous run is still going (`running_since` set and its heartbeat fresh),
 *   the due run is skipped (`skipped_count` + 1, `last_skipped_at`) instead of started. A runner refreshes
 *   `heartbeat_at` every `heartbeatMs`; a run whose server died stops counting as going after `staleMs`.
 * - Runs: each is a child process (`process.execPath bin/keygraph.mjs collect <argv>`, no shell), so a crash or a
 *   memory blow-up of a collection does not take the server down. Its output goes to the server log line by line
 *   (collectors never print values); its exit code maps to the status (lib/cli/exit.ts): 0 ok, 4 partial, anything
 *   else (or a signal, or the timeout) failed. The run id is read from its output (`run N (scope) …`).
 * Times are the database's clock (`now()`), so processes with skewed clocks agree.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import type { Database } from '../db';
import { EXIT } from '../cli/exit';
import { log } from '../log';
import { formatDuration, type ScheduleEntry } from './parse';

export type { ScheduleEntry } from './parse';
export { listScheduledCollections, type ScheduledCollectionView } from './read';

/** How a run ended. `exitCode` null when the child was killed (`signal`) or could not start (`error`). */
export interface RunResult {
  exitCode: number | null;
  signal?: string | null;
  /** The run the child recorded (its last), when its output named one. */
  runId: number | null;
  /** The last error line (never a value), or why the child failed to start or was stopped. */
  error: string | null;
}

/** Runs one entry to its end; must settle (not throw) and should stop soon after `signal` aborts. */
export type Runner = (entry: ScheduleEntry, signal: AbortSignal) => Promise<RunResult>;

export type ScheduleStatus = 'ok' | 'partial' | 'failed';

/** Status of an exit code (lib/cli/exit.ts): 0 ok, 4 partial, anything else failed. */
export function statusOf(exitCode: number | null): ScheduleStatus {
  return exitCode === EXIT.ok ? 'ok' : exitCode === EXIT.partial ? 'partial' : 'failed';
}

export interface SchedulerOptions {
  /** How often due entries are looked for, ms (default 5000). */
  tickMs?: number;
  /** Runs an entry (default {@link childProcessRunner}). */
  runner?: Runner;
  /** Heartbeat of a going run, ms (default 30000). */
  heartbeatMs?: number;
  /** A going run whose heartbeat is older than this no longer blocks its entry, ms (default 120000). */
  staleMs?: number;
  /** Random source in [0, 1) for the jitter (default Math.random). */
  random?: () => number;
  /** Keep rows of entries this process does not configure (default false: they are deleted at start). */
  keepOthers?: boolean;
}

export interface Scheduler {
  /** Looks for due entries once (the timer calls it; tests call it directly). Resolves when the claims are made, not when runs end. */
  tick(): Promise<void>;
  /** Resolves when every run this process started has ended and been recorded. */
  idle(): Promise<void>;
  /** Stops the timer, stops going runs (their runner's signal) and waits for them to be recorded. */
  stop(): Promise<void>;
}

/**
 * Writes the configured entries: new ones are due within their jitter from now; a changed interval brings the next
 * run no later than now + every. Rows of entries not configured here are deleted unless `keepOthers`.
 */
export async function syncEntries(database: Database, entries: ScheduleEntry[], opts: { random?: () => number; keepOthers?: boolean } = {}): Promise<void> {
  const random = opts.random ?? Math.random;
  for (const e of entries) {
    await database.pool.query(
      `INSERT INTO scheduled_collections (name, command, every_ms, jitter_ms, next_run_at, updated_at)
       VALUES ($1, $2, $3, $4, now() + $5::double precision * interval '1 millisecond', now())
       ON CONFLICT (name) DO UPDATE SET command = EXCLUDED.command, every_ms = EXCLUDED.every_ms, jitter_ms = EXCLUDED.jitter_ms,
         next_run_at = LEAST(scheduled_collections.next_run_at, now() + EXCLUDED.every_ms * interval '1 millisecond'), updated_at = now()`,
      [e.name, e.command, e.everyMs, e.jitterMs, Math.round(random() * e.jitterMs)],
    );
  }
  if (!opts.keepOthers) {
    await database.pool.query(`DELETE FROM scheduled_collections WHERE NOT (name = ANY($1::text[]))`, [entries.map((e) => e.name)]);
  }
}

/** The delay to the next run: every ± jitter (uniform), ms. */
export function nextDelayMs(entry: Pick<ScheduleEntry, 'everyMs' | 'jitterMs'>, random: () => number = Math.random): number {
  return Math.round(entry.everyMs + (random() * 2 - 1) * entry.jitterMs);
}

/**
 * Claims the due run of one entry. Returns null when it is not due (or another process claimed it), `skipped` when it
 * was due but its previous run is still going, else `started` with the claim's token.
 */
export async function claimDue(
  database: Database,
  entry: ScheduleEntry,
  opts: { random?: () => number; staleMs?: number } = {},
): Promise<null | { outcome: 'skipped' } | { outcome: 'started'; token: string }> {
  const token = randomUUID();
  const { rows } = await database.pool.query<{ busy: boolean }>(
    `WITH due AS (
       SELECT name, (running_since IS NOT NULL AND heartbeat_at > now() - $4::double precision * interval '1 millisecond') AS busy
       FROM scheduled_collections WHERE name = $1 AND next_run_at <= now() FOR UPDATE
     )
     UPDATE scheduled_collections s SET
       next_run_at = now() + $2::double precision * interval '1 millisecond',
       running_since = CASE WHEN due.busy THEN s.running_since ELSE now() END,
       heartbeat_at = CASE WHEN due.busy THEN s.heartbeat_at ELSE now() END,
       run_token = CASE WHEN due.busy THEN s.run_token ELSE $3 END,
       last_started_at = CASE WHEN due.busy THEN s.last_started_at ELSE now() END,
       skipped_count = s.skipped_count + CASE WHEN due.busy THEN 1 ELSE 0 END,
       last_skipped_at = CASE WHEN due.busy THEN now() ELSE s.last_skipped_at END,
       updated_at = now()
     FROM due WHERE s.name = due.name AND s.next_run_at <= now()
     RETURNING due.busy`,
    [entry.name, nextDelayMs(entry, opts.random), token, opts.staleMs ?? 120_000],
  );
  if (!rows.length) return null;
  return rows[0]!.busy ? { outcome: 'skipped' } : { outcome: 'started', token };
}

/** Records the end of the run claimed with `token` (nothing when another process has since taken the entry over). */
export async function recordEnd(database: Database, name: string, token: string, r: RunResult): Promise<void> {
  await database.pool.query(
    `UPDATE scheduled_collections SET running_since = NULL, heartbeat_at = NULL, run_token = NULL, last_finished_at = now(),
       last_status = $3, last_exit_code = $4, last_run_id = $5, last_error = $6, updated_at = now()
     WHERE name = $1 AND run_token = $2`,
    [name, token, statusOf(r.exitCode), r.exitCode, r.runId, r.error ? r.error.slice(0, 1000) : null],
  );
}

/**
 * Starts scheduling `entries` (after {@link syncEntries}). Call from one process per server: with `serve --workers`,
 * the primary. Several servers on one database are safe (see the module header).
 */
export async function startScheduler(database: Database, entries: ScheduleEntry[], opts: SchedulerOptions = {}): Promise<Scheduler> {
  const tickMs = opts.tickMs ?? 5_000;
  const heartbeatMs = opts.heartbeatMs ?? 30_000;
  const runner = opts.runner ?? childProcessRunner();
  await syncEntries(database, entries, opts);
  const going = new Set<Promise<void>>();
  const aborts = new Set<AbortController>();
  let ticking: Promise<void> | null = null;
  let stopped = false;

  const runOne = async (entry: ScheduleEntry, token: string) => {
    const ac = new AbortController();
    aborts.add(ac);
    const beat = setInterval(() => {
      database.pool
        .query(`UPDATE scheduled_collections SET heartbeat_at = now() WHERE name = $1 AND run_token = $2`, [entry.name, token])
        .catch((e) => log.warn({ schedule: entry.name, err: (e as Error).message }, 'scheduled collection heartbeat not recorded'));
    }, heartbeatMs);
    beat.unref();
    const timeout = setTimeout(() => ac.abort(new Error(`stopped after the timeout of ${formatDuration(entry.timeoutMs)}`)), entry.timeoutMs);
    timeout.unref();
    let result: RunResult;
    try {
      result = await runner(entry, ac.signal);
    } catch (e) {
      result = { exitCode: null, runId: null, error: (e as Error).message };
    } finally {
      clearInterval(beat);
      clearTimeout(timeout);
      aborts.delete(ac);
    }
    const status = statusOf(result.exitCode);
    log[status === 'failed' ? 'error' : 'info'](
      { schedule: entry.name, status, exitCode: result.exitCode, signal: result.signal ?? undefined, runId: result.runId, err: result.error ?? undefined },
      'scheduled collection finished',
    );
    try {
      await recordEnd(database, entry.name, token, result);
    } catch (e) {
      log.error({ schedule: entry.name, err: (e as Error).message }, 'scheduled collection result not recorded');
    }
  };

  const tickOnce = async () => {
    for (const entry of entries) {
      if (stopped) return;
      try {
        const claim = await claimDue(database, entry, opts);
        if (!claim) continue;
        if (claim.outcome === 'skipped') {
          log.warn({ schedule: entry.name }, 'scheduled collection skipped: its previous run is still going');
          continue;
        }
        log.info({ schedule: entry.name, command: entry.command }, 'scheduled collection started');
        const p = runOne(entry, claim.token).finally(() => going.delete(p));
        going.add(p);
      } catch (e) {
        log.error({ schedule: entry.name, err: (e as Error).message }, 'scheduled collection not claimed');
      }
    }
  };
  const tick = () => (ticking ??= tickOnce().finally(() => (ticking = null)));
  const timer = setInterval(() => void tick(), tickMs);
  timer.unref();
  void tick();
  const idle = async () => {
    await ticking;
    while (going.size) await Promise.all([...going]);
  };
  return {
    tick,
    idle,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await ticking;
      for (const ac of aborts) ac.abort(new Error('the server is stopping'));
      await idle();
    },
  };
}

/** Options of {@link childProcessRunner}. */
export interface ChildRunnerOptions {
  /** The keygraph entry point (default `KEYGRAPH_ROOT`/bin/keygraph.mjs). */
  bin?: string;
  /** The child's environment (default this process's: it carries `DATABASE_URL`). */
  env?: NodeJS.ProcessEnv;
  /** Time between SIGTERM and SIGKILL when stopping a child, ms (default 10000). */
  killGraceMs?: number;
}

const MAX_LOG_LINE = 2_000;

/**
 * Runs `process.execPath <bin> collect <argv>` with no shell; logs each output line (pino, `schedule`, `stream`);
 * SIGTERM when the signal aborts, SIGKILL `killGraceMs` later.
 */
export function childProcessRunner(opts: ChildRunnerOptions = {}): Runner {
  const bin = opts.bin ?? path.join(process.env.KEYGRAPH_ROOT ?? path.resolve(import.meta.dirname, '../..'), 'bin', 'keygraph.mjs');
  return (entry, signal) =>
    new Promise<RunResult>((resolve) => {
      const child = spawn(process.execPath, [bin, 'collect', ...entry.argv], {
        env: { ...(opts.env ?? process.env), KEYGRAPH_ALLOW_PARTIAL: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
        shell: false,
      });
      let runId: number | null = null;
      let lastError: string | null = null;
      let stopReason: string | null = null;
      const lines = (stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr') =>
        new Promise<void>((done) => {
          const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
          rl.on('line', (line) => {
            const text = line.length > MAX_LOG_LINE ? `${line.slice(0, MAX_LOG_LINE)}…` : line;
            const run = /^run (\d+) \(/.exec(line) ?? /"runId":\s*(\d+)/.exec(line);
            if (run) runId = Number(run[1]);
            if (name === 'stderr' && text.trim()) lastError = errorLine(text);
            log.info({ schedule: entry.name, stream: name }, text);
          });
          rl.on('close', () => done());
        });
      const streams = Promise.all([lines(child.stdout!, 'stdout'), lines(child.stderr!, 'stderr')]);
      let killTimer: NodeJS.Timeout | null = null;
      const onAbort = () => {
        stopReason = signal.reason instanceof Error ? signal.reason.message : 'stopped';
        child.kill('SIGTERM');
        killTimer = setTimeout(() => child.kill('SIGKILL'), opts.killGraceMs ?? 10_000);
        killTimer.unref();
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      let settled = false;
      const finish = (r: RunResult) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (killTimer) clearTimeout(killTimer);
        resolve(r);
      };
      child.on('error', (e) => finish({ exitCode: null, runId: null, error: `could not start the collection: ${e.message}` }));
      child.on('close', (code, sig) => {
        void streams.then(() =>
          finish({
            exitCode: stopReason ? null : code,
            signal: sig,
            runId,
            error: stopReason ?? (code === 0 ? null : lastError ?? (sig ? `killed by ${sig}` : `exit code ${code}`)),
          }),
        );
      });
    });
}

/** The message of a stderr line: a pino JSON line's `msg` (with its `err`), else the line. */
function errorLine(line: string): string {
  if (line.startsWith('{')) {
    try {
      const o = JSON.parse(line) as { msg?: string; err?: unknown };
      if (typeof o.msg === 'string') return typeof o.err === 'string' ? `${o.msg}: ${o.err}` : o.msg;
    } catch {
      /* not JSON */
    }
  }
  return line.replace(/^keygraph:\s*/, '');
}
