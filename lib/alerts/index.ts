/**
 * Alerts: after a collection run commits, the findings at or above a webhook's severity that the run made new, and
 * those it resolved, are POSTed to that webhook (bodies: lib/alerts/formats.ts).
 *
 * - What is new: findings as of the run's commit time (`runs.committed_at`, the instant its changes took effect)
 *   against findings as of 1 ms before it (lib/analysis/cache.ts cachedFindings with `asOf`; `committed_at` has
 *   millisecond precision, lib/store/write.ts), compared by finding id (stable across runs). A run that changes
 *   nothing alertable sends nothing (its delivery is recorded as `empty`).
 * - Once per run and webhook, however many processes share the database: a delivery is claimed by inserting its row
 *   into `alert_deliveries` (primary key (run_id, webhook)), and only the process whose insert won computes and
 *   sends. On a conflict the statement (INSERT … ON CONFLICT DO UPDATE … WHERE) changes nothing and returns no row,
 *   except for a claim still `sending` after {@link DeliveryOptions.leaseMs} (its process died): that one is taken
 *   over. Across a crash mid-request the receiver may thus see a repeat;
 *   otherwise each run is sent at most once successfully.
 * - Who sends: the collector (`keygraph collect …`) right after each run it commits ({@link deliverRunAlerts}); and
 *   every `keygraph serve` process sweeps every minute for committed runs of the last hour that have no delivery
 *   yet ({@link sweepAlerts}, {@link startAlertSweeper}), so a collector that died between commit and send is
 *   caught up.
 * - Retries ({@link postWithRetry}): up to 5 attempts, waiting 1 s, 2 s, 4 s, 8 s between them (doubling, at most
 *   16 s); a 429 or 503 with `Retry-After` waits that long instead (when it is at most 60 s, else gives up). Retried:
 *   network errors, timeouts (10 s per attempt), 408, 429 and 5xx. Any other status (3xx included: redirects are not
 *   followed) fails at once. A delivery whose attempts all failed is `failed` with `last_error`, and not retried.
 * - The webhook URL is a credential (a Slack webhook's path is its token): logs and `last_error` show only its
 *   origin ({@link redactUrl}).
 */
import type { Database } from '../db';
import type { AlertWebhookConfig } from '../config';
import { cachedFindings } from '../analysis/cache';
import type { Finding } from '../analysis/findings';
import { atLeast } from '../analysis/severity';
import { log } from '../log';
import { alertBody, type AlertRun } from './formats';

export * from './formats';

/** Retry and timeout settings of {@link postWithRetry} (all ms except `attempts`). */
export interface RetryOptions {
  /** Attempts in all (default 5). */
  attempts?: number;
  /** Wait before the second attempt; doubled for each next one (default 1000). */
  baseDelayMs?: number;
  /** Longest wait between attempts without Retry-After (default 16000). */
  maxDelayMs?: number;
  /** Per-attempt timeout (default 10000). */
  timeoutMs?: number;
  /** Longest Retry-After honoured; a longer one ends the retries (default 60000). */
  maxRetryAfterMs?: number;
  /** Called after each failed attempt (for the delivery row). */
  onAttemptFailed?: (attempt: number, error: string) => void | Promise<void>;
}

export interface DeliveryOptions extends RetryOptions {
  /** A `sending` claim older than this may be taken over (default 15 min: longer than any delivery takes). */
  leaseMs?: number;
  /** KEYGRAPH_PUBLIC_URL origin, for links in the bodies. */
  publicOrigin?: string;
}

/** What happened to one run's alert for one webhook. */
export type DeliveryOutcome =
  | { webhook: string; status: 'sent'; attempts: number; new: number; resolved: number }
  | { webhook: string; status: 'failed'; attempts: number; error: string; new: number; resolved: number }
  | { webhook: string; status: 'empty' }
  /** Another process holds (or held) the claim, or the run is not committed. */
  | { webhook: string; status: 'skipped'; reason: 'claimed' | 'not-committed' };

/** `https://hooks.slack.com/…`: the URL's origin only (its path and query may be the credential). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname === '/' && !u.search ? u.origin : `${u.origin}/…`;
  } catch {
    return '[invalid URL]';
  }
}

/** `message` with the URL, its path and its query replaced by the redacted form. */
function scrub(message: string, url: string): string {
  let out = message.split(url).join(redactUrl(url));
  try {
    const u = new URL(url);
    for (const piece of [u.pathname + u.search, u.search].filter((p) => p.length > 1)) out = out.split(piece).join('/…');
  } catch {
    /* not a URL: nothing more to hide */
  }
  return out.slice(0, 500);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retry-After (seconds or an HTTP date) in ms, or undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const t = header.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const at = Date.parse(t);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * POSTs `body` as JSON to `url` with retries (see the module comment). Resolves with the attempts made and, when
 * every attempt failed, the last error (HTTP status or network error, URL redacted). Never throws.
 */
export async function postWithRetry(url: string, body: unknown, opts: RetryOptions = {}): Promise<{ ok: boolean; attempts: number; error?: string }> {
  const attempts = opts.attempts ?? 5;
  const base = opts.baseDelayMs ?? 1000;
  const maxDelay = opts.maxDelayMs ?? 16_000;
  const timeout = opts.timeoutMs ?? 10_000;
  const maxRetryAfter = opts.maxRetryAfterMs ?? 60_000;
  const payload = JSON.stringify(body);
  let error = 'not attempted';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let wait: number | undefined;
    let retry = true;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'keygraph-alerts' },
        body: payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeout),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { ok: true, attempts: attempt };
      error = `HTTP ${res.status}`;
      retry = res.status === 408 || res.status === 429 || res.status >= 500;
      if (res.status === 429 || res.status === 503) {
        wait = retryAfterMs(res.headers.get('retry-after'));
        if (wait !== undefined && wait > maxRetryAfter) {
          error += ` (Retry-After ${Math.round(wait / 1000)} s is longer than ${Math.round(maxRetryAfter / 1000)} s)`;
          retry = false;
        }
      }
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      error = err.name === 'TimeoutError' ? `timed out after ${timeout} ms` : scrub([err.message, err.cause?.code ?? err.cause?.message].filter(Boolean).join(': '), url);
    }
    await opts.onAttemptFailed?.(attempt, error);
    if (!retry || attempt === attempts) return { ok: false, attempts: attempt, error };
    await sleep(wait ?? Math.min(maxDelay, base * 2 ** (attempt - 1)));
  }
  return { ok: false, attempts, error };
}

/** A committed run as alerted, or null when it does not exist or never committed. */
export async function alertRun(database: Database, runId: number): Promise<AlertRun | null> {
  const r = await database.prisma.run.findUnique({
    where: { id: runId },
    select: { id: true, source: true, scope: true, provider: true, status: true, committedAt: true },
  });
  if (!r?.committedAt) return null;
  return { id: r.id, source: r.source, scope: r.scope, provider: r.provider, status: r.status, committedAt: r.committedAt.toISOString() };
}

/**
 * The findings the run made new and those it resolved (see the module comment), of every severity, most severe first.
 * `committedAt` is the run's commit time.
 */
export async function runFindingChanges(database: Database, committedAt: Date): Promise<{ new: Finding[]; resolved: Finding[] }> {
  const [before, after] = await Promise.all([
    cachedFindings(database, { asOf: new Date(committedAt.getTime() - 1) }),
    cachedFindings(database, { asOf: committedAt }),
  ]);
  const beforeIds = new Set(before.findings.map((f) => f.id));
  const afterIds = new Set(after.findings.map((f) => f.id));
  return {
    new: after.findings.filter((f) => !beforeIds.has(f.id)),
    resolved: before.findings.filter((f) => !afterIds.has(f.id)),
  };
}

/** Claims the delivery of `runId` to `webhook` (see the module comment); true when this process now owns it. */
async function claim(database: Database, runId: number, webhook: string, leaseMs: number): Promise<boolean> {
  const { rows } = await database.pool.query(
    `INSERT INTO alert_deliveries (run_id, webhook, status, claimed_at) VALUES ($1, $2, 'sending', clock_timestamp())
     ON CONFLICT (run_id, webhook) DO UPDATE SET claimed_at = clock_timestamp()
       WHERE alert_deliveries.status = 'sending' AND alert_deliveries.claimed_at < clock_timestamp() - make_interval(secs => $3::float8 / 1000)
     RETURNING run_id`,
    [runId, webhook, leaseMs],
  );
  return rows.length > 0;
}

async function record(database: Database, runId: number, webhook: string, set: { status?: string; attempts?: number; lastError?: string | null; newCount?: number; resolvedCount?: number; sent?: boolean }) {
  await database.pool.query(
    `UPDATE alert_deliveries SET status = coalesce($3, status), attempts = coalesce($4, attempts),
       last_error = CASE WHEN $5::boolean THEN $6 ELSE last_error END, new_count = coalesce($7, new_count),
       resolved_count = coalesce($8, resolved_count), sent_at = CASE WHEN $9::boolean THEN clock_timestamp() ELSE sent_at END,
       claimed_at = CASE WHEN $3 IS NULL THEN clock_timestamp() ELSE claimed_at END
     WHERE run_id = $1 AND webhook = $2`,
    [runId, webhook, set.status ?? null, set.attempts ?? null, set.lastError !== undefined, set.lastError ?? null, set.newCount ?? null, set.resolvedCount ?? null, set.sent === true],
  );
}

const DEFAULT_LEASE_MS = 15 * 60_000;

/**
 * Sends run `runId`'s alert to each of `webhooks` that no other process claimed (see the module comment), waiting
 * for the retries. The finding changes are computed once, when the first claim is won. Resolves with one outcome per
 * webhook. Errors: database errors propagate (a claimed delivery then stays `sending` until its lease expires and a
 * sweep takes it over); HTTP failures do not (they are `failed` outcomes).
 */
export async function deliverRunAlerts(database: Database, runId: number, webhooks: AlertWebhookConfig[], opts: DeliveryOptions = {}): Promise<DeliveryOutcome[]> {
  if (!webhooks.length) return [];
  const run = await alertRun(database, runId);
  if (!run) return webhooks.map((w) => ({ webhook: w.name, status: 'skipped', reason: 'not-committed' }));
  let changes: Promise<{ new: Finding[]; resolved: Finding[] }> | undefined;
  const out: DeliveryOutcome[] = [];
  for (const w of webhooks) {
    if (!(await claim(database, runId, w.name, opts.leaseMs ?? DEFAULT_LEASE_MS))) {
      out.push({ webhook: w.name, status: 'skipped', reason: 'claimed' });
      continue;
    }
    changes ??= runFindingChanges(database, new Date(run.committedAt));
    try {
      out.push(await deliverClaimed(database, run, w, await changes, opts));
    } catch (e) {
      // Give the claim up so that a sweep retries the delivery (nothing was sent, or the outcome is unknown).
      await database.pool
        .query(`DELETE FROM alert_deliveries WHERE run_id = $1 AND webhook = $2 AND status = 'sending'`, [runId, w.name])
        .catch(() => undefined);
      throw e;
    }
  }
  return out;
}

/** Sends one claimed delivery and records its outcome. */
async function deliverClaimed(
  database: Database,
  run: AlertRun,
  w: AlertWebhookConfig,
  all: { new: Finding[]; resolved: Finding[] },
  opts: DeliveryOptions,
): Promise<DeliveryOutcome> {
  const runId = run.id;
  const pick = (list: Finding[]) => list.filter((f) => atLeast(f.severity, w.minSeverity));
  const fresh = pick(all.new);
  const resolved = pick(all.resolved);
  const where = { runId, webhook: w.name, target: redactUrl(w.url.reveal()) };
  if (!fresh.length && !resolved.length) {
    await record(database, runId, w.name, { status: 'empty', newCount: 0, resolvedCount: 0 });
    log.debug(where, 'alert: nothing new or resolved; nothing sent');
    return { webhook: w.name, status: 'empty' };
  }
  await record(database, runId, w.name, { newCount: fresh.length, resolvedCount: resolved.length });
  const body = alertBody(w.format, { run, minSeverity: w.minSeverity, new: fresh, resolved, publicOrigin: opts.publicOrigin });
  const result = await postWithRetry(w.url.reveal(), body, {
    ...opts,
    onAttemptFailed: async (attempt, error) => {
      log.warn({ ...where, attempt, error }, 'alert delivery attempt failed');
      await record(database, runId, w.name, { attempts: attempt, lastError: error });
      await opts.onAttemptFailed?.(attempt, error);
    },
  });
  if (result.ok) {
    await record(database, runId, w.name, { status: 'sent', attempts: result.attempts, sent: true });
    log.info({ ...where, new: fresh.length, resolved: resolved.length, attempts: result.attempts }, 'alert sent');
    return { webhook: w.name, status: 'sent', attempts: result.attempts, new: fresh.length, resolved: resolved.length };
  }
  await record(database, runId, w.name, { status: 'failed', attempts: result.attempts, lastError: result.error! });
  log.error({ ...where, attempts: result.attempts, error: result.error }, 'alert delivery failed');
  return { webhook: w.name, status: 'failed', attempts: result.attempts, error: result.error!, new: fresh.length, resolved: resolved.length };
}

export interface SweepOptions extends DeliveryOptions {
  /** Runs committed longer ago than this are left alone (default 1 h). */
  windowMs?: number;
  /** Runs committed more recently than this are left to their collector (default 2 min). */
  graceMs?: number;
  /** Most runs handled per sweep, oldest first (default 5). */
  maxRuns?: number;
}

/**
 * Delivers the alerts of committed runs (succeeded or partial) from the last `windowMs` but not the last `graceMs`
 * that have no delivery to some webhook yet, or whose claim's lease expired, oldest first. Resolves with the outcomes
 * per run.
 */
export async function sweepAlerts(database: Database, webhooks: AlertWebhookConfig[], opts: SweepOptions = {}): Promise<{ runId: number; outcomes: DeliveryOutcome[] }[]> {
  if (!webhooks.length) return [];
  const { rows } = await database.pool.query<{ id: number }>(
    `SELECT r.id FROM runs r
     WHERE r.committed_at IS NOT NULL AND r.status IN ('succeeded', 'partial')
       AND r.committed_at > clock_timestamp() - make_interval(secs => $1::float8 / 1000)
       AND r.committed_at <= clock_timestamp() - make_interval(secs => $2::float8 / 1000)
       AND EXISTS (SELECT 1 FROM unnest($3::text[]) w(name) WHERE NOT EXISTS (
             SELECT 1 FROM alert_deliveries d WHERE d.run_id = r.id AND d.webhook = w.name
               AND NOT (d.status = 'sending' AND d.claimed_at < clock_timestamp() - make_interval(secs => $4::float8 / 1000))))
     ORDER BY r.committed_at, r.id LIMIT $5`,
    [opts.windowMs ?? 3_600_000, opts.graceMs ?? 120_000, webhooks.map((w) => w.name), opts.leaseMs ?? DEFAULT_LEASE_MS, opts.maxRuns ?? 5],
  );
  const out: { runId: number; outcomes: DeliveryOutcome[] }[] = [];
  for (const r of rows) out.push({ runId: r.id, outcomes: await deliverRunAlerts(database, r.id, webhooks, opts) });
  return out;
}

/**
 * Sweeps ({@link sweepAlerts}) soon after the start and then every `intervalMs` (default 60 s), one sweep at a time,
 * without keeping the process alive. Failures are logged. `stop()` ends the timer and waits for a sweep under way, at
 * most `stopWaitMs` (default 5 s; a delivery cut short stays claimed until its lease expires, then a sweep sends it).
 */
export function startAlertSweeper(database: Database, webhooks: AlertWebhookConfig[], opts: SweepOptions & { intervalMs?: number; firstDelayMs?: number; stopWaitMs?: number } = {}): { stop: () => Promise<void> } {
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = sweepAlerts(database, webhooks, opts)
      .then(() => undefined)
      .catch((e: Error) => log.warn({ err: e.message }, 'alert sweep failed'))
      .finally(() => (running = null));
  };
  const first = setTimeout(tick, opts.firstDelayMs ?? 5_000);
  const timer = setInterval(tick, opts.intervalMs ?? 60_000);
  first.unref();
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      if (!running) return;
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([running, new Promise<void>((resolve) => (timeout = setTimeout(resolve, opts.stopWaitMs ?? 5_000)))]);
      clearTimeout(timeout);
    },
  };
}
