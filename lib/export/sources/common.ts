/**
 * Row mapping shared by the node and edge sources and by GraphML: a `bestNodesSql` row → {@link NodeItem}, a
 * `mergedEdgesSql` row → {@link EdgeItem}, and the SQL of a drawable graph (nodes ∪ endpoints of the edges).
 */
import { Prisma } from '../../generated/prisma/client';
import { parseId } from '../../graph/ids';
import { bestNodesSql, live, mergeEdgeProperties, mergedEdgesSql, type NodeSummary } from '../../store/read';
import type { DbRow, GraphQueries, QueryContext } from '../types';

/** A node as exported (JSON/NDJSON item; CSV and GraphML flatten it). */
export interface NodeItem extends NodeSummary {
  /** Earliest assertion of this id by any source (observed or as a placeholder). Absent in GraphML. */
  firstSeen?: string | null;
  /** When the version shown began (the node's last change as far as the best assertion goes). */
  lastChanged: string | null;
  properties: Record<string, unknown>;
}

/** An edge as exported: one per edge, properties merged over the sources that assert it. */
export interface EdgeItem {
  kind: string;
  from: string;
  to: string;
  properties: Record<string, unknown>;
  /** `source/scope` of each assertion, oldest first. */
  assertedBy: string[];
  /** When the most recent assertion began. */
  since: string;
}

/** ISO text of a timestamp column (null stays null). */
export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** A bestNodesSql row (optionally with first_seen) as an item; a row without provider is an id with no row at all. */
export function nodeItem(r: DbRow): NodeItem {
  if (r.provider == null) {
    const p = parseId(r.node_id);
    return {
      id: r.node_id, provider: p?.provider ?? '', kind: p?.kind ?? '', realm: p?.realm ?? '', namespace: p?.namespace ?? null,
      name: p?.name ?? r.node_id, missing: true, lastChanged: null, properties: {},
    };
  }
  const item: NodeItem = {
    id: r.node_id, provider: r.provider, kind: r.kind, realm: r.realm, namespace: r.namespace, name: r.name,
    missing: r.missing, lastChanged: iso(r.valid_from), properties: r.properties ?? {},
  };
  if ('first_seen' in r) item.firstSeen = iso(r.first_seen);
  return item;
}

/** A mergedEdgesSql row as an item. */
export function edgeItem(r: DbRow): EdgeItem {
  return {
    kind: r.kind, from: r.from_id, to: r.to_id, properties: mergeEdgeProperties(r.props_list ?? []),
    assertedBy: r.asserted_by ?? [], since: iso(r.valid_from)!,
  };
}

/** Merged edges matching `where` (which this adds the as-of condition to), ordered by from, kind, to. */
export function edgesSql(ctx: QueryContext, where: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`SELECT * FROM (${mergedEdgesSql(Prisma.sql`${live('v', ctx.asOf)} AND ${where}`)}) e
    ORDER BY e.from_id, e.kind, e.to_id, e.edge_key`;
}

/**
 * A drawable graph: the edges matching `edgeWhere`, and as nodes the nodes matching `nodeWhere` plus every endpoint
 * of those edges (best assertion; an endpoint with no row at all comes with a null provider and is drawn missing).
 * Both conditions are on `v` (node_versions for nodeWhere, edge_versions for edgeWhere); the as-of condition is added.
 */
export function graphSql(ctx: QueryContext, nodeWhere: Prisma.Sql, edgeWhere: Prisma.Sql): GraphQueries {
  const liveV = live('v', ctx.asOf);
  const nodes = Prisma.sql`
    WITH ids AS (
      SELECT v.node_id AS id FROM node_versions v WHERE ${liveV} AND ${nodeWhere}
      UNION SELECT v.from_id FROM edge_versions v WHERE ${liveV} AND ${edgeWhere}
      UNION SELECT v.to_id FROM edge_versions v WHERE ${liveV} AND ${edgeWhere})
    SELECT ids.id AS node_id, b.provider, b.kind, b.realm, b.namespace, b.name, b.missing, b.properties, b.valid_from
    FROM ids LEFT JOIN (${bestNodesSql(Prisma.sql`${liveV} AND v.node_id IN (SELECT id FROM ids)`)}) b ON b.node_id = ids.id
    ORDER BY ids.id`;
  return { nodes, edges: edgesSql(ctx, edgeWhere) };
}

/** JSON text of a value for a CSV cell. */
export const json = (v: unknown): string => JSON.stringify(v ?? {});

/** Lists in CSV cells: space-separated (ids, data key names and kinds never contain whitespace). */
export const list = (v: readonly string[] | null | undefined): string => (v ?? []).join(' ');
