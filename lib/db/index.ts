/**
 * The process's database handles: one pg.Pool (bulk writes with COPY, traversal SQL) and one Prisma Client over
 * the same pool through @prisma/adapter-pg. Created on first use from `DATABASE_URL`; the CLI sets that variable
 * (to the embedded PostgreSQL when none is configured) before anything else opens the database.
 */
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import { loadConfig } from '../config';
import { log } from '../log';

export interface Database {
  pool: pg.Pool;
  prisma: PrismaClient;
}

const globalKey = Symbol.for('keygraph.database');
type Holder = { [globalKey]?: Database };

/** Opens a database on `url` (a new pool; caller closes it with closeDatabase). */
export function openDatabase(url: string, opts: { max?: number } = {}): Database {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, connectionTimeoutMillis: 5_000 });
  // A dropped connection must not crash the process; the pool replaces it on next use.
  pool.on('error', (e) => log.warn({ err: e.message }, 'idle database connection lost'));
  // A connection in use that the server drops (restart, admin shutdown) errors on the client itself: log it; the
  // query in flight fails with that error and the pool discards the connection.
  pool.on('connect', (client) => client.on('error', (e) => log.warn({ err: e.message }, 'database connection lost')));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return { pool, prisma };
}

/** The process-wide database on DATABASE_URL. Throws when DATABASE_URL is not set (the CLI sets it). */
export function db(): Database {
  const holder = globalThis as Holder;
  if (!holder[globalKey]) {
    const url = loadConfig().databaseUrl;
    if (!url) throw new Error('DATABASE_URL is not set: start keygraph through the CLI (keygraph serve) or set it');
    holder[globalKey] = openDatabase(url);
  }
  return holder[globalKey]!;
}

export async function closeDatabase(d: Database): Promise<void> {
  await d.prisma.$disconnect();
  await d.pool.end();
}

/** Closes the process-wide database if it was opened. */
export async function closeDefaultDatabase(): Promise<void> {
  const holder = globalThis as Holder;
  const d = holder[globalKey];
  delete holder[globalKey];
  if (d) await closeDatabase(d);
}
