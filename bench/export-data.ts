/**
 * Synthetic edges for export tests and the export benchmark: `n` USES_SECRET edges COPYed straight into
 * edge_versions (one open version each, scope `bench`), plus the run they claim to come from. Streamed in ~1 MiB
 * chunks, so generating millions of rows keeps the client's memory flat.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** Inserts a committed run for `scope` and `n` edges; returns the run id. */
export async function copySyntheticEdges(pool: pg.Pool, n: number, scope = 'bench'): Promise<number> {
  const client = await pool.connect();
  try {
    const run = await client.query<{ id: number }>(
      `INSERT INTO runs (source, scope, status, committed_at, finished_at, coverage)
       VALUES ('files', $1, 'succeeded', now(), now(), '{"k8s:Deployment":{"complete":true,"count":0}}') RETURNING id`,
      [scope],
    );
    const runId = run.rows[0]!.id;
    const ts = new Date().toISOString();
    async function* chunks() {
      let buf = '';
      for (let i = 0; i < n; i++) {
        const ns = `ns-${i % 100}`;
        const from = `k8s:${scope}/${ns}/Deployment/app-${Math.floor(i / 10)}`;
        const to = `k8s:${scope}/${ns}/Secret/secret-${i}`;
        const props = `{"via": "env", "keys": ["password"], "envVar": "VAR_${i % 10}", "container": "app"}`;
        buf += `${i.toString(16).padStart(40, '0')}\tfiles\t${scope}\tUSES_SECRET\t${from}\t${to}\tk8s:Deployment\t${props}\th${i}\t${ts}\t${runId}\n`;
        if (buf.length > 1 << 20) {
          yield buf;
          buf = '';
        }
      }
      if (buf) yield buf;
    }
    const stream = client.query(
      copyFrom(`COPY edge_versions (edge_key, source, scope, kind, from_id, to_id, origin_kind, properties, hash, valid_from, run_from) FROM STDIN`),
    );
    await pipeline(chunks(), stream as unknown as Writable);
    await client.query('ANALYZE edge_versions');
    return runId;
  } finally {
    client.release();
  }
}
