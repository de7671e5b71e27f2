/**
 * Runtime configuration from the environment, validated once (zod). Every setting has a zero-config default.
 *
 * - `DATABASE_URL`: an external PostgreSQL 14+ (postgres://…). Unset: the embedded PostgreSQL in the data folder.
 * - `KEYGRAPH_DATA_DIR`: data folder (embedded database, fingerprint key); default `./.keygraph`.
 * - `KEYGRAPH_FRESHNESS_HOURS`: how old a source's last complete run may be before answers built on it are
 *   "unknown" (default 24).
 * - `KEYGRAPH_LOG_LEVEL`: pino level (default `info`).
 */
import path from 'node:path';
import { z } from 'zod';

const schema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// or postgresql:// URL')
    .optional(),
  KEYGRAPH_DATA_DIR: z.string().min(1).default('.keygraph'),
  KEYGRAPH_FRESHNESS_HOURS: z.coerce.number().positive().max(24 * 365).default(24),
  KEYGRAPH_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export interface KeygraphConfig {
  databaseUrl: string | undefined;
  dataDir: string;
  freshnessHours: number;
  logLevel: string;
}

/** Reads and validates the environment. Throws a readable error naming the bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): KeygraphConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${msg}`);
  }
  const c = parsed.data;
  return {
    databaseUrl: c.DATABASE_URL || undefined,
    dataDir: path.resolve(c.KEYGRAPH_DATA_DIR),
    freshnessHours: c.KEYGRAPH_FRESHNESS_HOURS,
    logLevel: c.KEYGRAPH_LOG_LEVEL,
  };
}
