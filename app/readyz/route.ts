/**
 * Readiness: 200 only when the database answers and no migration is pending; otherwise 503 with a reason (no
 * connection string or credentials in it).
 */
import { db } from '@/lib/db';
import { migrationStatus } from '@/lib/db/migrate';

export const dynamic = 'force-dynamic';

const headers = { 'Cache-Control': 'no-store' };

function unavailable(reason: string): Response {
  return Response.json({ status: 'unavailable', reason }, { status: 503, headers });
}

/** Drops anything that looks like a connection URL from an error message. */
function safeMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/postgres(ql)?:\/\/\S+/gi, 'postgres://…').slice(0, 300);
}

export async function GET(): Promise<Response> {
  try {
    const { pool } = db();
    await pool.query('SELECT 1');
    const status = await migrationStatus(pool);
    if (status.pending.length) {
      return unavailable(`${status.pending.length} migration(s) pending: ${status.pending.join(', ')}; run keygraph migrate`);
    }
    return Response.json({ status: 'ok', migrations: status.applied.length }, { headers });
  } catch (e) {
    return unavailable(`database unavailable: ${safeMessage(e)}`);
  }
}
