/**
 * Writes one collection into the history store.
 *
 * A run is (source, scope): `k8s`/`files` with a cluster name, `gcp` with a project id. Facts are owned by the
 * (source, scope) that asserted them; a run replaces what that source/scope said before, but only for the kinds
 * it listed completely (coverage). Everything is applied in ONE transaction: a failed, crashed or killed run
 * changes nothing. Two runs of the same scope are serialised by a session advisory lock held for the whole run.
 *
 * Storage: `node_versions` / `edge_versions` rows valid over [valid_from, valid_to). Unchanged objects (same
 * content hash) are not rewritten; changed ones get a new version; gone ones are closed. Rows are bulk-loaded with
 * COPY into temporary staging tables and merged with set-based SQL (never one statement per object).
 *
 * Coverage per namespace: a kind listed completely with `namespaces` (a files run that held objects of the kind
 * only there, lib/graph/records.ts KindCoverage) closes only the gone node versions of that kind in those
 * namespaces, and only the gone edge versions whose origin object (the edge end of the edge's `origin_kind`: `from`,
 * or `to` for OWNS, whose origin is the child) is in those namespaces. Everything else of the kind is kept. A node the
 * run only assumed (`properties.implicit`, e.g. a namespace's `default` ServiceAccount) never replaces an observed
 * version of a kind the run did not list in that namespace.
 *
 * Placeholders ("missing" nodes): after the merge, every endpoint of this scope's current edges that this scope has
 * not observed gets an open `missing` version (kind, realm, namespace and name parsed from its id by the SQL id
 * functions `kg_id_*`, migration 20261203180000_id_functions), so a dangling reference is a row visible from both
 * ends. An observed version from any scope outranks a placeholder on read.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { CollectionResult, CollectionSkip, EdgeRecord, NodeRecord } from '../graph/records';
import { edgeKey } from '../graph/records';
import { isProvider, nodeKindKey, type Provider } from '../graph/model';
import { parseId } from '../graph/ids';
import { canonicalJson, cleanText, sha1 } from './canonical';
import type { Database } from '../db';
import { log } from '../log';
import { relinkAll } from './linkers';

/**
 * What collected a run: a live collector, named by its command (`k8s`, `gcp`, `secretmanager`: a Source of
 * collectors/index.ts; a second source of a provider has its own command), or `files` (`keygraph collect files`,
 * any provider's file recognisers).
 */
export type RunSource = Provider | 'secretmanager' | 'files';
export type RunStatus = 'running' | 'succeeded' | 'partial' | 'failed';

export interface ChangeCounts {
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
}

export interface RunSummary {
  runId: number;
  status: RunStatus;
  nodes: ChangeCounts;
  edges: ChangeCounts;
  placeholders: number;
  /** Kinds not listed completely (their previous state was kept). */
  incompleteKinds: string[];
  errors: CollectionResult['errors'];
  /** Input objects the collection did not map, and why (all of them; the run record keeps the first
   * {@link MAX_STORED_SKIPPED}). They do not make the run partial. */
  skipped: CollectionSkip[];
  durationMs: number;
}

/** Skipped-object entries stored with a run (`runs.skipped`); `counts.skipped` has the total. */
export const MAX_STORED_SKIPPED = 10_000;

/** A run in progress: holds the scope's lock on a dedicated connection until committed or failed. */
export interface RunHandle {
  runId: number;
  source: RunSource;
  scope: string;
  /** Provider of the run's scope (`runs.provider`), null until known (a files run without one: set at commit). */
  provider: Provider | null;
  startedAt: Date;
  /** Applies the collection atomically and marks the run succeeded/partial. Releases the lock. */
  commit(result: CollectionResult): Promise<RunSummary>;
  /** Marks the run failed with a message; nothing of it is applied. Releases the lock. */
  fail(message: string): Promise<void>;
}

function lockKey(source: string, scope: string): string {
  return `keygraph:${source}/${scope}`;
}

/**
 * Starts a run: waits for any other run of the same source/scope to finish (serialised), marks runs of that
 * scope left `running` by a crashed process as failed, and inserts this run as `running`, with its provider
 * (`runs.provider`): `opts.provider`, else the source when it names a provider; a `files` run without one gets it at
 * commit from the kinds its coverage names ({@link providerOfCoverage}).
 * @param inputs what is being collected (files, context, options); stored as-is, so never pass credentials.
 */
export async function startRun(
  database: Database,
  source: RunSource,
  scope: string,
  inputs: Record<string, unknown> = {},
  opts: { onWait?: () => void; provider?: Provider } = {},
): Promise<RunHandle> {
  const provider: Provider | null = opts.provider ?? (isProvider(source) ? source : null);
  const client = await database.pool.connect();
  let released = false;
  const release = async (unlock: boolean) => {
    if (released) return;
    released = true;
    try {
      if (unlock) await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey(source, scope)]);
      client.release();
    } catch (e) {
      client.release(e as Error);
    }
  };
  try {
    const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [lockKey(source, scope)]);
    if (!got.rows[0]?.ok) {
      opts.onWait?.();
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey(source, scope)]);
    }
    // We hold the scope lock: any run of this scope still marked running was abandoned by a dead process.
    await client.query(
      `UPDATE runs SET status = 'failed', finished_at = now(),
         errors = errors || '[{"where":"run","message":"abandoned: the collecting process ended before committing"}]'::jsonb
       WHERE source = $1 AND scope = $2 AND status = 'running'`,
      [source, scope],
    );
    const r = await client.query<{ id: number; started_at: Date }>(
      `INSERT INTO runs (source, scope, provider, status, inputs) VALUES ($1, $2, $3, 'running', $4::jsonb) RETURNING id, started_at`,
      [source, cleanText(scope), provider, canonicalJson(inputs)],
    );
    const runId = r.rows[0]!.id;
    const startedAt = r.rows[0]!.started_at;
    return {
      runId,
      source,
      scope,
      provider,
      startedAt,
      commit: async (result) => {
        try {
          return await applyCollection(client, runId, source, scope, result);
        } finally {
          await release(true);
        }
      },
      fail: async (message) => {
        try {
          await client.query(
            `UPDATE runs SET status = 'failed', finished_at = now(), errors = errors || $2::jsonb WHERE id = $1`,
            [runId, canonicalJson([{ where: 'run', message }])],
          );
        } finally {
          await release(true);
        }
      },
    };
  } catch (e) {
    await release(true);
    throw e;
  }
}

/**
 * The provider a run's coverage speaks for: the provider of its kind keys (`gcp:ServiceAccount` → `gcp`) when they
 * name exactly one, else null (nothing covered, or several providers). Used for runs started without a provider.
 */
export function providerOfCoverage(coverage: Record<string, unknown> | null | undefined): Provider | null {
  const found = new Set(Object.keys(coverage ?? {}).map((k) => k.slice(0, Math.max(0, k.indexOf(':')))).filter(isProvider));
  return found.size === 1 ? [...found][0]! : null;
}

/** COPY text-format field escaping (backslash, tab, newline, carriage return; null as \N). */
function copyField(v: string | null): string {
  if (v === null) return '\\N';
  return cleanText(v).replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** Streams rows into `COPY table FROM STDIN` in ~1 MiB chunks with backpressure. */
async function copyRows(client: pg.PoolClient, table: string, rows: Iterable<(string | null)[]>): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${table} FROM STDIN`));
  async function* chunks() {
    let buf: string[] = [];
    let size = 0;
    for (const row of rows) {
      const line = row.map(copyField).join('\t') + '\n';
      buf.push(line);
      size += line.length;
      if (size > 1 << 20) {
        yield buf.join('');
        buf = [];
        size = 0;
      }
    }
    if (buf.length) yield buf.join('');
  }
  await pipeline(chunks(), stream as unknown as Writable);
}

/** Last record per node id wins (a later document of the same object replaces an earlier one). */
function dedupeNodes(nodes: NodeRecord[]): NodeRecord[] {
  const byId = new Map<string, NodeRecord>();
  for (const n of nodes) byId.set(n.id, n);
  return byId.size === nodes.length ? nodes : [...byId.values()];
}

/** Last record per edgeKey wins (collectors already merge; this guards the unique index). */
function dedupeEdges(edges: EdgeRecord[]): { e: EdgeRecord; key: string }[] {
  const byKey = new Map<string, { e: EdgeRecord; key: string }>();
  for (const e of edges) {
    const key = sha1(edgeKey(e));
    byKey.set(key, { e, key });
  }
  return [...byKey.values()];
}

/** COPY rows of stage_nodes, computed lazily (canonical JSON and hash per row) to keep memory flat. */
function* nodeRows(nodes: NodeRecord[]): Generator<(string | null)[]> {
  for (const n of nodes) {
    const props = canonicalJson(n.properties ?? {});
    const hash = sha1(canonicalJson([n.provider, n.kind, n.realm, n.namespace, n.name]) + props);
    yield [n.id, n.provider, n.kind, n.realm, n.namespace, n.name, props, hash];
  }
}

/** `k8s:c/ns/Kind/name` → `k8s:Kind` (ids parsed by lib/graph/ids.ts). */
function kindKeyOfId(id: string): string | null {
  const p = parseId(id);
  return p ? `${p.provider}:${p.kind}` : null;
}

function* edgeRows(edges: { e: EdgeRecord; key: string }[], kindById: Map<string, string>): Generator<(string | null)[]> {
  for (const { e, key } of edges) {
    const originKind = e.originKind ?? kindById.get(e.from) ?? kindKeyOfId(e.from) ?? 'unknown';
    const props = canonicalJson(e.properties ?? {});
    yield [key, e.kind, e.from, e.to, originKind, props, sha1(originKind + props)];
  }
}


async function applyCollection(
  client: pg.PoolClient,
  runId: number,
  source: RunSource,
  scope: string,
  result: CollectionResult,
): Promise<RunSummary> {
  const t0 = Date.now();
  const nodes = dedupeNodes(result.nodes);
  const kindById = new Map(nodes.map((n) => [n.id, nodeKindKey(n.provider, n.kind) ?? `${n.provider}:${n.kind}`]));
  const edges = dedupeEdges(result.edges);
  // (kind key, namespace) pairs listed completely; namespace null = every namespace.
  const cover: [string, string | null][] = Object.entries(result.coverage).flatMap(([k, c]): [string, string | null][] =>
    !c?.complete ? [] : c.namespaces ? c.namespaces.map((ns): [string, string | null] => [k, ns]) : [[k, null]],
  );
  const skipped = result.skipped ?? [];
  const incompleteKinds = Object.entries(result.coverage)
    .filter(([, c]) => c && !c.complete)
    .map(([k]) => k);
  const status: RunStatus = incompleteKinds.length || result.errors.length ? 'partial' : 'succeeded';
  const P = [source, scope, runId] as const;

  const timings: Record<string, number> = {};
  let mark = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - mark);
    mark = now;
  };
  await client.query('BEGIN');
  try {
    await client.query('SET LOCAL synchronous_commit = on');
    const ts = (await client.query<{ ts: Date }>('SELECT now() AS ts')).rows[0]!.ts;
    await client.query(`CREATE TEMP TABLE stage_nodes (node_id text, provider text, kind text, realm text, namespace text,
      name text, properties jsonb, hash text) ON COMMIT DROP`);
    await client.query(`CREATE TEMP TABLE stage_edges (edge_key text, kind text, from_id text, to_id text,
      origin_kind text, properties jsonb, hash text) ON COMMIT DROP`);
    await client.query(`CREATE TEMP TABLE stage_cover (kind_key text, namespace text) ON COMMIT DROP`);
    await copyRows(client, 'stage_nodes', nodeRows(nodes));
    await copyRows(client, 'stage_edges', edgeRows(edges, kindById));
    await copyRows(client, 'stage_cover', cover);
    phase('copy');
    await client.query('CREATE INDEX ON stage_nodes (node_id)');
    await client.query('CREATE INDEX ON stage_edges (edge_key)');
    await client.query('ANALYZE stage_nodes; ANALYZE stage_edges');
    phase('index');

    // An assumed node (implicit default ServiceAccount) does not replace an observed version of a kind this run did
    // not list in that namespace: the observed one stays (counted as unchanged).
    await client.query(
      `DELETE FROM stage_nodes s USING node_versions v
       WHERE s.properties->>'implicit' = 'true' AND v.source = $1 AND v.scope = $2 AND v.node_id = s.node_id
         AND v.valid_to IS NULL AND NOT v.missing AND coalesce(v.properties->>'implicit', '') <> 'true'
         AND NOT EXISTS (SELECT 1 FROM stage_cover c WHERE c.kind_key = s.provider || ':' || s.kind
                           AND (c.namespace IS NULL OR c.namespace = s.namespace))`,
      [source, scope],
    );
    // Nodes: close changed versions, and gone ones of kinds listed completely (in their namespace).
    const nodeClosed = await client.query(
      `WITH gone AS (
         SELECT v.id, (s.node_id IS NOT NULL) AS changed
         FROM node_versions v LEFT JOIN stage_nodes s ON s.node_id = v.node_id
         WHERE v.source = $1 AND v.scope = $2 AND v.valid_to IS NULL AND NOT v.missing
           AND ((s.node_id IS NOT NULL AND s.hash <> v.hash)
             OR (s.node_id IS NULL AND EXISTS (SELECT 1 FROM stage_cover c WHERE c.kind_key = v.provider || ':' || v.kind
                                                 AND (c.namespace IS NULL OR c.namespace = v.namespace)))))
       UPDATE node_versions v SET valid_to = $4, run_to = $3 FROM gone WHERE v.id = gone.id
       RETURNING gone.changed`,
      [...P, ts],
    );
    const nodesChanged = nodeClosed.rows.filter((r) => r.changed).length;
    const nodesRemoved = nodeClosed.rows.length - nodesChanged;
    phase('closeNodes');
    // Placeholders of this scope for objects it now observes are closed before inserting the observed version.
    await client.query(
      `UPDATE node_versions v SET valid_to = $4, run_to = $3 FROM stage_nodes s
       WHERE v.source = $1 AND v.scope = $2 AND v.valid_to IS NULL AND v.missing AND v.node_id = s.node_id`,
      [...P, ts],
    );
    const nodeIns = await client.query(
      `INSERT INTO node_versions (node_id, source, scope, provider, kind, realm, namespace, name, missing, properties, hash, valid_from, run_from)
       SELECT s.node_id, $1, $2, s.provider, s.kind, s.realm, s.namespace, s.name, false, s.properties, s.hash, $4, $3
       FROM stage_nodes s
       WHERE NOT EXISTS (SELECT 1 FROM node_versions v WHERE v.source = $1 AND v.scope = $2 AND v.node_id = s.node_id AND v.valid_to IS NULL)`,
      [...P, ts],
    );
    const nodesAdded = (nodeIns.rowCount ?? 0) - nodesChanged;
    phase('insertNodes');

    // Edges: same rule, keyed by edge_key, staleness by origin kind, in the origin object's namespace. The origin
    // object is the end whose kind is the origin kind (`from`; the child `to` of OWNS), else `from`.
    const edgeClosed = await client.query(
      `WITH gone AS (
         SELECT v.id, (s.edge_key IS NOT NULL) AS changed
         FROM edge_versions v LEFT JOIN stage_edges s ON s.edge_key = v.edge_key
         WHERE v.source = $1 AND v.scope = $2 AND v.valid_to IS NULL
           AND ((s.edge_key IS NOT NULL AND s.hash <> v.hash)
             OR (s.edge_key IS NULL AND EXISTS (SELECT 1 FROM stage_cover c WHERE c.kind_key = v.origin_kind
                   AND (c.namespace IS NULL OR c.namespace = kg_id_namespace(CASE
                     WHEN kg_id_kind_key(v.from_id) = v.origin_kind OR kg_id_kind_key(v.to_id) IS DISTINCT FROM v.origin_kind
                     THEN v.from_id ELSE v.to_id END))))))
       UPDATE edge_versions v SET valid_to = $4, run_to = $3 FROM gone WHERE v.id = gone.id
       RETURNING gone.changed`,
      [...P, ts],
    );
    const edgesChanged = edgeClosed.rows.filter((r) => r.changed).length;
    const edgesRemoved = edgeClosed.rows.length - edgesChanged;
    phase('closeEdges');
    const edgeIns = await client.query(
      `INSERT INTO edge_versions (edge_key, source, scope, kind, from_id, to_id, origin_kind, properties, hash, valid_from, run_from)
       SELECT s.edge_key, $1, $2, s.kind, s.from_id, s.to_id, s.origin_kind, s.properties, s.hash, $4, $3
       FROM stage_edges s
       WHERE NOT EXISTS (SELECT 1 FROM edge_versions v WHERE v.source = $1 AND v.scope = $2 AND v.edge_key = s.edge_key AND v.valid_to IS NULL)`,
      [...P, ts],
    );
    const edgesAdded = (edgeIns.rowCount ?? 0) - edgesChanged;
    phase('insertEdges');

    // Fresh statistics after large writes: otherwise the planner still believes the tables are as small as before
    // this run (empty on a first ingest) and picks nested loops over tens of thousands of rows.
    if ((nodeIns.rowCount ?? 0) + (edgeIns.rowCount ?? 0) + nodeClosed.rows.length + edgeClosed.rows.length > 5000) {
      await client.query('ANALYZE node_versions; ANALYZE edge_versions');
    }
    phase('analyze');

    await relinkAll(client, ts, runId);
    phase('links');

    // Placeholders: endpoints of this scope's current edges that this scope does not observe.
    await client.query(
      `CREATE TEMP TABLE wanted_missing ON COMMIT DROP AS
       SELECT ep.id FROM (
         SELECT from_id AS id FROM edge_versions WHERE source = $1 AND scope = $2 AND valid_to IS NULL
         UNION SELECT to_id FROM edge_versions WHERE source = $1 AND scope = $2 AND valid_to IS NULL) ep
       LEFT JOIN node_versions v ON v.source = $1 AND v.scope = $2 AND v.node_id = ep.id AND v.valid_to IS NULL AND NOT v.missing
       WHERE v.id IS NULL`,
      [source, scope],
    );
    await client.query('ANALYZE wanted_missing');
    await client.query(
      `UPDATE node_versions v SET valid_to = $4, run_to = $3
       FROM (SELECT o.id FROM node_versions o LEFT JOIN wanted_missing w ON w.id = o.node_id
             WHERE o.source = $1 AND o.scope = $2 AND o.valid_to IS NULL AND o.missing AND w.id IS NULL) gone
       WHERE v.id = gone.id`,
      [...P, ts],
    );
    await client.query(
      `INSERT INTO node_versions (node_id, source, scope, provider, kind, realm, namespace, name, missing, properties, hash, valid_from, run_from)
       SELECT w.id, $1, $2, p.m[1], p.m[4], p.m[2], p.m[3], p.m[5], true, '{}'::jsonb, 'missing', $4, $3
       FROM wanted_missing w
       LEFT JOIN node_versions v ON v.source = $1 AND v.scope = $2 AND v.node_id = w.id AND v.valid_to IS NULL
       CROSS JOIN LATERAL (SELECT kg_id_parts(w.id) AS m) p
       WHERE v.id IS NULL AND p.m IS NOT NULL`,
      [...P, ts],
    );
    const placeholders = (
      await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM node_versions WHERE source = $1 AND scope = $2 AND valid_to IS NULL AND missing`,
        [source, scope],
      )
    ).rows[0]!.n;

    phase('placeholders');

    const nodeCounts: ChangeCounts = {
      added: nodesAdded,
      changed: nodesChanged,
      removed: nodesRemoved,
      unchanged: nodes.length - nodesAdded - nodesChanged,
    };
    const edgeCounts: ChangeCounts = {
      added: edgesAdded,
      changed: edgesChanged,
      removed: edgesRemoved,
      unchanged: edges.length - edgesAdded - edgesChanged,
    };
    await client.query(
      `UPDATE runs SET status = $2, finished_at = clock_timestamp(), committed_at = $3, coverage = $4::jsonb,
         counts = $5::jsonb, errors = $6::jsonb, skipped = $7::jsonb, provider = coalesce(provider, $8) WHERE id = $1`,
      [
        runId,
        status,
        ts,
        canonicalJson(result.coverage),
        canonicalJson({ nodes: nodeCounts, edges: edgeCounts, placeholders: Number(placeholders), skipped: skipped.length }),
        canonicalJson(result.errors.slice(0, 1000)),
        canonicalJson(skipped.slice(0, MAX_STORED_SKIPPED)),
        providerOfCoverage(result.coverage),
      ],
    );
    await client.query('COMMIT');
    phase('commit');
    log.debug({ runId, timings }, 'run committed');
    return {
      runId,
      status,
      nodes: nodeCounts,
      edges: edgeCounts,
      placeholders: Number(placeholders),
      incompleteKinds,
      errors: result.errors,
      skipped,
      durationMs: Date.now() - t0,
    };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    await client
      .query(`UPDATE runs SET status = 'failed', finished_at = now(), errors = errors || $2::jsonb WHERE id = $1`, [
        runId,
        canonicalJson([{ where: 'store', message: (e as Error).message }]),
      ])
      .catch(() => {});
    throw e;
  }
}
