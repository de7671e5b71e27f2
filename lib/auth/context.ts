/**
 * The process-wide authentication context (configuration read once, the database, the cookie key loaded lazily) and
 * the rate limiters, shared by the proxy, route handlers and pages through `globalThis` (they are bundled
 * separately but run in one process).
 */
import { loadConfig } from '../config';
import { db } from '../db';
import type { AuthContext } from './principal';
import { RateLimiter } from './ratelimit';
import { loadSessionKey } from './session';

export interface AuthRuntime extends AuthContext {
  /** Per client address (and per token/session) for /api/**. */
  apiLimiter: RateLimiter;
  /** Per client address for /auth/** (sign-in attempts): 30 at once, then one every 2 s. */
  authLimiter: RateLimiter;
}

const KEY = Symbol.for('keygraph.auth.runtime');
type Holder = { [KEY]?: AuthRuntime };

/** Builds a context for a configuration (tests build their own with their database). */
export function createAuthRuntime(config: ReturnType<typeof loadConfig>, database: AuthContext['database']): AuthRuntime {
  let key: Uint8Array | undefined;
  const perMinute = config.auth.rateLimitPerMinute;
  return {
    config,
    database,
    sessionKey: () => (key ??= loadSessionKey(config.auth, config.dataDir)),
    apiLimiter: new RateLimiter(perMinute, perMinute / 60),
    authLimiter: new RateLimiter(30, 0.5),
  };
}

/** The process's context, created on first use from the environment. */
export function authRuntime(): AuthRuntime {
  const holder = globalThis as Holder;
  return (holder[KEY] ??= createAuthRuntime(loadConfig(), db));
}
