/**
 * `--what nodes`: every node (best assertion: observed beats placeholder, then most recent), ordered by id.
 * Filters: realm (cluster/project), namespace, kind (`Secret` or `k8s:Secret`). GraphML: those nodes and the edges
 * between them.
 */
import { Prisma } from '../../generated/prisma/client';
import { NODE_KINDS } from '../../graph/model';
import { bestNodesSql, live } from '../../store/read';
import { edgeNodeIdsMatch, nodeColumnsMatch, splitKind } from '../sql';
import type { RowSource } from '../types';
import { graphSql, json, nodeItem, type NodeItem } from './common';

const KINDS = Object.values(NODE_KINDS);

export const nodesSource: RowSource<NodeItem> = {
  what: 'nodes',
  description: 'Every object (Secrets, workloads, pods, ServiceAccounts, GCP service accounts and keys), missing ones included',
  filters: ['realm', 'namespace', 'kind'],
  checkKind(kind) {
    const k = splitKind(kind);
    return KINDS.some((s) => s.kind === k.kind && (!k.provider || s.provider === k.provider))
      ? null
      : `unknown node kind ${JSON.stringify(kind)} (one of ${[...new Set(KINDS.map((s) => s.kind))].join(', ')}; prefix k8s: or gcp: to pick a provider)`;
  },
  query(ctx) {
    const where = Prisma.join([live('v', ctx.asOf), ...nodeColumnsMatch(ctx.filters)], ' AND ');
    return Prisma.sql`SELECT b.*, (SELECT min(f.valid_from) FROM node_versions f WHERE f.node_id = b.node_id) AS first_seen
      FROM (${bestNodesSql(where)}) b ORDER BY b.node_id`;
  },
  item: (row) => nodeItem(row),
  columns: ['id', 'provider', 'kind', 'realm', 'namespace', 'name', 'missing', 'first_seen', 'last_changed', 'properties'],
  csv: (n) => [n.id, n.provider, n.kind, n.realm, n.namespace, n.name, n.missing, n.firstSeen, n.lastChanged, json(n.properties)],
  graph(ctx) {
    const nodeWhere = Prisma.join([Prisma.sql`TRUE`, ...nodeColumnsMatch(ctx.filters)], ' AND ');
    return graphSql(ctx, nodeWhere, edgeNodeIdsMatch(ctx.filters));
  },
};
