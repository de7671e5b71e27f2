/**
 * Cross-source links: edges no single collector can assert because it sees only one end (GKE Workload Identity: the
 * GCP project's IAM policy names a Kubernetes namespace/ServiceAccount; collectors/gcp-iam/links.ts). A source
 * declares them as {@link Linker}s in its Source (collectors/types.ts); the registry (collectors/index.ts) registers
 * them here, and the store recomputes every registered linker in the transaction of every run's commit
 * (lib/store/write.ts), serialised by one advisory lock, so derived edges always match the committed state.
 *
 * Derived edges are owned by source `derived`, scope = the linker's name. An edge is identified and hashed exactly as
 * a collected edge (edge_key of from/kind/to/properties; hash of origin kind + canonical properties), so an unchanged
 * link is never rewritten.
 */
import type pg from 'pg';
import type { EdgeKind, NodeKindKey } from '../graph/model';
import { edgeKey } from '../graph/records';
import { canonicalJson, sha1 } from './canonical';

/** Source of every derived edge (`edge_versions.source`). */
export const DERIVED_SOURCE = 'derived';

/** One edge a linker wants to exist now. */
export interface LinkedEdge {
  from: string;
  to: string;
  /** Edge properties (JSON; no secret values). */
  properties: Record<string, unknown>;
}

/** A cross-source link rule. */
export interface Linker {
  /** Scope of its derived edges (`derived/NAME` in `assertedBy`); unique among registered linkers. */
  name: string;
  /** Edge kind it derives (lib/graph/model.ts EDGE_KINDS). */
  kind: EdgeKind;
  /** Origin kind key of its edges (the kind whose change makes the link change). */
  originKind: NodeKindKey;
  /**
   * Every edge that should exist, read from the current committed state (`node_versions` / `edge_versions` rows with
   * `valid_to IS NULL`) inside the committing transaction. Duplicates are merged.
   */
  wanted(client: pg.PoolClient): Promise<LinkedEdge[]>;
}

const registered = new Map<string, Linker>();

/** Registers linkers (collectors/index.ts does, for every registered Source). A name registered again is replaced. */
export function registerLinkers(linkers: Iterable<Linker>): void {
  for (const l of linkers) registered.set(l.name, l);
}

/** The linkers the store recomputes at every commit, in registration order. */
export function registeredLinkers(): Linker[] {
  return [...registered.values()];
}

/**
 * Recomputes the derived edges of `linker` inside the caller's transaction: closes derived edges no longer wanted
 * (`valid_to = ts`, `run_to = runId`) and inserts new ones. Returns {added, removed}.
 */
export async function relink(client: pg.PoolClient, linker: Linker, ts: Date, runId: number): Promise<{ added: number; removed: number }> {
  const rows = new Map<string, { from: string; to: string; props: string; hash: string }>();
  for (const w of await linker.wanted(client)) {
    const key = sha1(edgeKey({ from: w.from, kind: linker.kind, to: w.to, properties: w.properties }));
    const props = canonicalJson(w.properties);
    rows.set(key, { from: w.from, to: w.to, props, hash: sha1(linker.originKind + props) });
  }
  const keys = [...rows.keys()];
  const removed = await client.query(
    `UPDATE edge_versions SET valid_to = $3, run_to = $4
     WHERE source = $1 AND scope = $2 AND valid_to IS NULL AND NOT (edge_key = ANY($5::text[]) AND hash = ANY($6::text[]))`,
    [DERIVED_SOURCE, linker.name, ts, runId, keys, keys.map((k) => rows.get(k)!.hash)],
  );
  const added = await client.query(
    `INSERT INTO edge_versions (edge_key, source, scope, kind, from_id, to_id, origin_kind, properties, hash, valid_from, run_from)
     SELECT w.key, $1, $2, $10, w.from_id, w.to_id, $11, w.props::jsonb, w.hash, $3, $4
     FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS w(key, from_id, to_id, props, hash)
     WHERE NOT EXISTS (SELECT 1 FROM edge_versions v WHERE v.source = $1 AND v.scope = $2 AND v.edge_key = w.key AND v.valid_to IS NULL)`,
    [
      DERIVED_SOURCE, linker.name, ts, runId, keys, keys.map((k) => rows.get(k)!.from), keys.map((k) => rows.get(k)!.to),
      keys.map((k) => rows.get(k)!.props), keys.map((k) => rows.get(k)!.hash), linker.kind, linker.originKind,
    ],
  );
  return { added: added.rowCount ?? 0, removed: removed.rowCount ?? 0 };
}

/** Recomputes every registered linker (one advisory lock for all derived edges). */
export async function relinkAll(client: pg.PoolClient, ts: Date, runId: number): Promise<Record<string, { added: number; removed: number }>> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtext('keygraph:derived'))`);
  const out: Record<string, { added: number; removed: number }> = {};
  for (const l of registeredLinkers()) out[l.name] = await relink(client, l, ts, runId);
  return out;
}
