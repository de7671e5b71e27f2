/**
 * `--what edges`: every edge (one per edge, properties merged over the sources asserting it), ordered by from, kind,
 * to. Filters: kind (edge kind, `USES_SECRET`…); realm and namespace match when either end is in that
 * cluster/project and namespace. GraphML: those edges and all their endpoints.
 */
import { Prisma } from '../../generated/prisma/client';
import { EDGE_KIND_KEYS, isEdgeKind } from '../../graph/model';
import { edgeMatches } from '../sql';
import type { RowSource } from '../types';
import { edgeItem, edgesSql, graphSql, json, list, type EdgeItem } from './common';

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export const edgesSource: RowSource<EdgeItem> = {
  what: 'edges',
  description: 'Every relation (uses secret, runs as, owns, produces, acts as, has key, holds key, token for)',
  filters: ['realm', 'namespace', 'kind'],
  checkKind: (kind) => (isEdgeKind(kind) ? null : `unknown edge kind ${JSON.stringify(kind)} (one of ${EDGE_KIND_KEYS.join(', ')})`),
  query: (ctx) => edgesSql(ctx, edgeMatches(ctx.filters)),
  item: (row) => edgeItem(row),
  columns: ['kind', 'from', 'to', 'via', 'container', 'envVar', 'volume', 'keys', 'optional', 'properties', 'asserted_by', 'since'],
  csv(e) {
    const p = e.properties;
    return [
      e.kind, e.from, e.to, str(p.via), str(p.container), str(p.envVar), str(p.volume),
      Array.isArray(p.keys) ? list(p.keys.map(String)) : null, typeof p.optional === 'boolean' ? p.optional : null,
      json(p), list(e.assertedBy), e.since,
    ];
  },
  graph: (ctx) => graphSql(ctx, Prisma.sql`FALSE`, edgeMatches(ctx.filters)),
};
