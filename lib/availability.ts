/**
 * Whether the database answers, for the web server (lib/server.ts) and the JSON API (lib/api/handlers.ts): while it
 * does not, pages answer 503 with a short readable page and the API 503 `{error: {code: 'unavailable'}}`, instead
 * of 200 with an empty shell or a 500.
 *
 * {@link readinessProbe} runs a cheap probe (`SELECT 1` on the process's pool), reuses an "up" answer for `ttlMs`
 * (250 ms) and shares a probe in flight between concurrent requests, so a page that renders right after the database
 * stopped is already refused, and one right after it came back is served.
 * Only an error that says the database cannot be reached ({@link isUnavailableError}: connection refused, reset,
 * shut down…) counts as down: a probe that is merely slow (a pool busy with heavy pages) lets the request through,
 * so load never turns into 503s. {@link isUnavailableError} also lets the API map such errors to 503.
 */

/** Options of {@link readinessProbe}. */
export interface ReadinessOptions {
  /** How long an "up" answer is reused (ms; default 250); a "down" answer is not reused. */
  ttlMs?: number;
  /** How long to wait for a probe (ms; default 2,000); a slower probe counts as "not known down". */
  timeoutMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

/** `up()`: false only when the latest probe failed with a "cannot reach the database" error. */
export interface Readiness {
  up(): Promise<boolean>;
}

/** A cached readiness check around `probe` (resolves when the database answers, rejects otherwise). */
export function readinessProbe(probe: () => Promise<unknown>, opts: ReadinessOptions = {}): Readiness {
  const ttl = opts.ttlMs ?? 250;
  const timeout = opts.timeoutMs ?? 2_000;
  const now = opts.now ?? Date.now;
  let state: { up: boolean; at: number } | null = null;
  let inFlight: Promise<boolean> | null = null;
  const run = (): Promise<boolean> => {
    inFlight ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const slow = Symbol('slow');
      try {
        const r = await Promise.race([
          Promise.resolve().then(probe),
          new Promise<typeof slow>((resolve) => {
            timer = setTimeout(() => resolve(slow), timeout);
            timer.unref?.();
          }),
        ]);
        // Slow is not down: do not cache it, the next request asks again.
        if (r === slow) return true;
        state = { up: true, at: now() };
      } catch (e) {
        state = { up: !isUnavailableError(e), at: now() };
      } finally {
        clearTimeout(timer);
        inFlight = null;
      }
      return state.up;
    })();
    return inFlight;
  };
  return {
    async up() {
      // Only "up" is reused: a down database is asked again at the next request (it refuses at once), so pages
      // recover the moment /readyz does.
      if (state?.up && now() - state.at < ttl) return true;
      return run();
    },
  };
}

/** Error codes of pg / Node.js / PostgreSQL / Prisma that mean the database cannot be reached (not a bad query). */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN',
  // PostgreSQL: connection exceptions (class 08), admin/crash shutdown, cannot connect now, too many connections.
  '08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03', '53300',
  // Prisma: can't reach server, timed out, closed the connection.
  'P1001', 'P1002', 'P1017',
]);
const UNAVAILABLE_MESSAGE = /ECONNREFUSED|Connection terminated|timeout exceeded when trying to connect|Can't reach database server|the database system is (starting up|shutting down)|terminating connection due to administrator command/i;

/** True when `e` (or an error it wraps, through `cause` or AggregateError) says the database cannot be reached. */
export function isUnavailableError(e: unknown, depth = 0): boolean {
  if (!e || typeof e !== 'object' || depth > 5) return false;
  const x = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof x.code === 'string' && UNAVAILABLE_CODES.has(x.code)) return true;
  if (typeof x.message === 'string' && UNAVAILABLE_MESSAGE.test(x.message)) return true;
  if (Array.isArray(x.errors) && x.errors.some((y) => isUnavailableError(y, depth + 1))) return true;
  return isUnavailableError(x.cause, depth + 1);
}
