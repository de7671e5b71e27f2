/**
 * Whether the database answers, for the web server (lib/server.ts) and the JSON API (lib/api/handlers.ts): while it
 * does not, pages answer 503 with a short readable page and the API 503 `{error: {code: 'unavailable'}}`, instead
 * of 200 with an empty shell or a 500.
 *
 * {@link readinessProbe} runs a cheap probe (`SELECT 1`) at most once per `ttlMs` and shares it between concurrent
 * requests. While the database was last seen up, requests never wait for a probe (a stale answer is refreshed in the
 * background); while it was last seen down, each request waits for a fresh probe (at most `timeoutMs`), so recovery
 * is seen at once. {@link isUnavailableError} classifies an error thrown by pg or Prisma as "database not reachable".
 */

/** Options of {@link readinessProbe}. */
export interface ReadinessOptions {
  /** How long one answer is reused (ms; default 1,000). */
  ttlMs?: number;
  /** How long a probe may take before the database counts as down (ms; default 2,000). */
  timeoutMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

/** `up()`: true when the database answered its last probe. `markDown()`: record a failure seen elsewhere. */
export interface Readiness {
  up(): Promise<boolean>;
  markDown(): void;
}

/** A cached readiness check around `probe` (resolves when the database answers, rejects otherwise). */
export function readinessProbe(probe: () => Promise<unknown>, opts: ReadinessOptions = {}): Readiness {
  const ttl = opts.ttlMs ?? 1_000;
  const timeout = opts.timeoutMs ?? 2_000;
  const now = opts.now ?? Date.now;
  let state: { up: boolean; at: number } | null = null;
  let inFlight: Promise<boolean> | null = null;
  const run = (): Promise<boolean> => {
    inFlight ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(probe),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('probe timed out')), timeout);
            timer.unref?.();
          }),
        ]);
        state = { up: true, at: now() };
      } catch {
        state = { up: false, at: now() };
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
      if (state && now() - state.at < ttl) return state.up;
      if (state?.up) {
        void run(); // refresh in the background; do not hold a healthy request back
        return true;
      }
      return run();
    },
    markDown() {
      state = { up: false, at: now() };
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
