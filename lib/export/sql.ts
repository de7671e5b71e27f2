/**
 * SQL helpers for export filters. Node ids encode provider, realm, namespace and kind (lib/graph/ids.ts), so an
 * edge endpoint can be filtered on its id alone, without a join: `k8s:CLUSTER/NAMESPACE/KIND/NAME` (4 segments,
 * namespaced), `k8s:CLUSTER/KIND/NAME` and `gcp:PROJECT/KIND/NAME` (3 segments).
 */
import { Prisma } from '../generated/prisma/client';
import type { ExportFilters } from './types';

/** Number of `/` in an id expression. */
const slashes = (id: Prisma.Sql) => Prisma.sql`(length(${id}) - length(replace(${id}, '/', '')))`;

/** SQL expressions for the parts of a node id held in column/expression `id`. */
export function idParts(id: Prisma.Sql) {
  return {
    provider: Prisma.sql`split_part(${id}, ':', 1)`,
    realm: Prisma.sql`split_part(substr(${id}, 5), '/', 1)`,
    namespace: Prisma.sql`(CASE WHEN ${id} LIKE 'k8s:%' AND ${slashes(id)} = 3 THEN split_part(${id}, '/', 2) END)`,
    kind: Prisma.sql`(CASE WHEN ${slashes(id)} = 3 THEN split_part(${id}, '/', 3) ELSE split_part(${id}, '/', 2) END)`,
  };
}

/** A node kind filter: `Secret` (any provider) or `k8s:Secret`. */
export function splitKind(kind: string): { provider?: string; kind: string } {
  const m = /^(k8s|gcp):(.+)$/.exec(kind);
  return m ? { provider: m[1]!, kind: m[2]! } : { kind };
}

/**
 * Condition that the node whose id is `id` matches the node filters (realm, namespace, kind), on the id alone.
 * TRUE when no filter is set.
 */
export function nodeIdMatches(id: Prisma.Sql, f: ExportFilters): Prisma.Sql {
  const p = idParts(id);
  const conds: Prisma.Sql[] = [];
  if (f.realm) conds.push(Prisma.sql`${p.realm} = ${f.realm}`);
  if (f.namespace) conds.push(Prisma.sql`${p.namespace} = ${f.namespace}`);
  if (f.kind) {
    const k = splitKind(f.kind);
    conds.push(Prisma.sql`${p.kind} = ${k.kind}`);
    if (k.provider) conds.push(Prisma.sql`${p.provider} = ${k.provider}`);
  }
  return conds.length ? Prisma.join(conds, ' AND ') : Prisma.sql`TRUE`;
}

/** Condition on `node_versions v` columns for the node filters (uses the current-state kind/realm/namespace index). */
export function nodeColumnsMatch(f: ExportFilters): Prisma.Sql[] {
  const conds: Prisma.Sql[] = [];
  if (f.realm) conds.push(Prisma.sql`v.realm = ${f.realm}`);
  if (f.namespace) conds.push(Prisma.sql`v.namespace = ${f.namespace}`);
  if (f.kind) {
    const k = splitKind(f.kind);
    conds.push(Prisma.sql`v.kind = ${k.kind}`);
    if (k.provider) conds.push(Prisma.sql`v.provider = ${k.provider}`);
  }
  return conds;
}

/**
 * Condition on `edge_versions v` for the edge filters: `kind` is the edge kind; realm and namespace match when
 * either endpoint is in that cluster/project (and namespace). TRUE when no filter is set.
 */
export function edgeMatches(f: ExportFilters): Prisma.Sql {
  const conds: Prisma.Sql[] = [];
  if (f.kind) conds.push(Prisma.sql`v.kind = ${f.kind}`);
  if (f.realm || f.namespace) {
    const ends = { realm: f.realm, namespace: f.namespace };
    conds.push(Prisma.sql`(${nodeIdMatches(Prisma.sql`v.from_id`, ends)} OR ${nodeIdMatches(Prisma.sql`v.to_id`, ends)})`);
  }
  return conds.length ? Prisma.join(conds, ' AND ') : Prisma.sql`TRUE`;
}

/** Condition on `edge_versions v`: both endpoints match the node filters (the edges among a filtered node set). */
export function edgeNodeIdsMatch(f: ExportFilters): Prisma.Sql {
  if (!f.realm && !f.namespace && !f.kind) return Prisma.sql`TRUE`;
  return Prisma.sql`${nodeIdMatches(Prisma.sql`v.from_id`, f)} AND ${nodeIdMatches(Prisma.sql`v.to_id`, f)}`;
}
