/**
 * SQL helpers for export filters. Node ids encode provider, realm, namespace and kind (lib/graph/ids.ts), so an
 * edge endpoint can be filtered on its id alone, without a join, through the SQL id functions `kg_id_*` (migration
 * 20261203180000_id_functions: they parse exactly as parseId does; NULL parts for a string that is not an id).
 */
import { Prisma } from '../generated/prisma/client';
import { isProvider } from '../graph/model';
import type { ExportFilters } from './types';

/** SQL expressions for the parts of a node id held in column/expression `id` (namespace NULL when cluster-scoped). */
export function idParts(id: Prisma.Sql) {
  return {
    provider: Prisma.sql`kg_id_provider(${id})`,
    realm: Prisma.sql`kg_id_realm(${id})`,
    namespace: Prisma.sql`kg_id_namespace(${id})`,
    kind: Prisma.sql`kg_id_kind(${id})`,
  };
}

/** A node kind filter: `Secret` (any provider) or `k8s:Secret` (a provider of lib/graph/model.ts PROVIDERS before the
 * first `:`). */
export function splitKind(kind: string): { provider?: string; kind: string } {
  const i = kind.indexOf(':');
  const provider = i > 0 ? kind.slice(0, i) : '';
  return i > 0 && i < kind.length - 1 && isProvider(provider)
    ? { provider, kind: kind.slice(i + 1) }
    : { kind };
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
