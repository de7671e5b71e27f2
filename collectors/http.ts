/**
 * Retry and backoff helpers shared by the live collectors (collectors/kubernetes/live.ts, collectors/gcp-iam/live.ts).
 *
 * Policy: a request that fails transiently (429, 5xx, network error, reset, timeout, malformed body) is retried up to
 * `retries` times. The delay before attempt N (N ≥ 1) is exponential from `baseDelayMs` (`base · 2^(N-1)`, at most
 * `maxDelayMs`) with "equal jitter" (between half and all of it), unless the server sent `Retry-After`, which is
 * honoured instead (capped at {@link MAX_RETRY_AFTER_MS}).
 */

/** Retry settings of one request. */
export interface RetryPolicy {
  /** Retries after the first attempt (so at most `retries + 1` attempts). */
  retries: number;
  /** Delay before the first retry, before jitter. */
  baseDelayMs: number;
  /** Upper bound of the exponential delay. */
  maxDelayMs: number;
}

/** `{retries: 5, baseDelayMs: 500, maxDelayMs: 10000}`. */
export const DEFAULT_RETRY: RetryPolicy = { retries: 5, baseDelayMs: 500, maxDelayMs: 10_000 };

/** A `Retry-After` longer than this is cut to it (a server asking for an hour would stall the collection). */
export const MAX_RETRY_AFTER_MS = 120_000;

/**
 * Delay before retry number `attempt` (1-based). `retryAfterMs` (from {@link parseRetryAfter}) wins when given,
 * capped at {@link MAX_RETRY_AFTER_MS}; otherwise exponential with equal jitter.
 */
export function backoffMs(policy: RetryPolicy, attempt: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exp / 2 + Math.random() * (exp / 2)); // "equal jitter": between half and all of it
}

/**
 * A `Retry-After` header value in ms: delta-seconds (`"3"`) or an HTTP date. Undefined when absent or unparsable.
 * Accepts the header as node:http gives it (string or string[]) or as fetch `Headers.get` does (string | null).
 */
export function parseRetryAfter(h: string | string[] | null | undefined): number | undefined {
  const v = Array.isArray(h) ? h[0] : h;
  if (!v) return undefined;
  const s = Number(v);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

/** Short description of a network error: `CODE message` (Node errno errors) or the message. */
export function networkMessage(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code} ${err.message}` : err.message ?? String(e);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
