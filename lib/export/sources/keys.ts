/**
 * `--what keys`: the key audit. Every user-managed GCP service account key (node `gcp:ServiceAccountKey` whose
 * `keyType` is not `SYSTEM_MANAGED`; keys referenced by a Secret but unknown to GCP are included as missing), with
 * its service account, age, validity, disabled flag, last use, the Secrets holding it (HOLDS_KEY), the workloads and
 * pods reading those Secrets (USES_SECRET) and, among them, the pods that are running (observed, phase not
 * Succeeded/Failed). Ordered by key id.
 *
 * Filters: realm = the key's project, or a cluster where a Secret holds it; namespace = a namespace where a Secret
 * holds it (within realm when both are given). No kind filter.
 */
import type { Database } from '../../db';
import { Prisma } from '../../generated/prisma/client';
import { bestNodesSql, live } from '../../store/read';
import { idParts, nodeIdMatches } from '../sql';
import type { QueryContext, RowSource } from '../types';
import { iso, json, list } from './common';

/** One key of the audit. Times are ISO 8601 strings as GCP reports them. */
export interface KeyItem {
  id: string;
  project: string;
  keyId: string;
  /** Email of the service account the key belongs to. */
  serviceAccount: string | null;
  /** Node ids of the service account(s) with a HAS_KEY edge to it. */
  serviceAccountIds: string[];
  keyType: string | null;
  /** Referenced by a Secret but not observed in GCP. */
  missing: boolean;
  validAfterTime: string | null;
  validBeforeTime: string | null;
  /** Whole days since validAfterTime at the as-of time. */
  ageDays: number | null;
  /** `valid`, `expired`, `not-yet-valid`, `disabled` or `missing`, at the as-of time. */
  validity: 'valid' | 'expired' | 'not-yet-valid' | 'disabled' | 'missing';
  disabled: boolean | null;
  lastAuthenticatedAt: string | null;
  /** True when last-use data covered this key's project (then no lastAuthenticatedAt means unused in the window). */
  lastUseCovered: boolean | null;
  holderSecrets: string[];
  /** Workloads, pods, ServiceAccounts… reading a holder Secret. */
  consumers: string[];
  runningPods: string[];
  firstSeen: string | null;
  properties: Record<string, unknown>;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
const DAY = 86_400_000;

/** Validity of a key at `at`. */
export function keyValidity(k: Pick<KeyItem, 'missing' | 'disabled' | 'validAfterTime' | 'validBeforeTime'>, at: Date): KeyItem['validity'] {
  if (k.missing) return 'missing';
  if (k.disabled) return 'disabled';
  const before = k.validBeforeTime ? Date.parse(k.validBeforeTime) : NaN;
  const after = k.validAfterTime ? Date.parse(k.validAfterTime) : NaN;
  if (before <= at.getTime()) return 'expired';
  if (after > at.getTime()) return 'not-yet-valid';
  return 'valid';
}

function keysSql(ctx: QueryContext): Prisma.Sql {
  const { asOf, filters: f } = ctx;
  const holderMatch = (cond: Prisma.Sql) => Prisma.sql`EXISTS (SELECT 1 FROM unnest(coalesce(h.ids, '{}'::text[])) AS hid WHERE ${cond})`;
  const conds: Prisma.Sql[] = [Prisma.sql`coalesce(k.properties->>'keyType', '') <> 'SYSTEM_MANAGED'`];
  if (f.namespace) {
    conds.push(holderMatch(nodeIdMatches(Prisma.sql`hid`, { realm: f.realm, namespace: f.namespace })));
  } else if (f.realm) {
    conds.push(Prisma.sql`(k.realm = ${f.realm} OR ${holderMatch(Prisma.sql`${idParts(Prisma.sql`hid`).realm} = ${f.realm}`)})`);
  }
  const inbound = (kind: string, to: Prisma.Sql) => Prisma.sql`SELECT array_agg(DISTINCT e.from_id) AS ids FROM edge_versions e
    WHERE e.to_id ${to} AND e.kind = ${kind} AND ${live('e', asOf)}`;
  return Prisma.sql`
    WITH k AS (${bestNodesSql(Prisma.sql`${live('v', asOf)} AND v.provider = 'gcp' AND v.kind = 'ServiceAccountKey'`)})
    SELECT k.node_id, k.realm, k.name, k.missing, k.properties,
      (SELECT min(f.valid_from) FROM node_versions f WHERE f.node_id = k.node_id) AS first_seen,
      sa.ids AS sa_ids, h.ids AS holders, c.ids AS consumers, p.ids AS pods
    FROM k
    LEFT JOIN LATERAL (${inbound('HAS_KEY', Prisma.sql`= k.node_id`)}) sa ON true
    LEFT JOIN LATERAL (${inbound('HOLDS_KEY', Prisma.sql`= k.node_id`)}) h ON true
    LEFT JOIN LATERAL (${inbound('USES_SECRET', Prisma.sql`= ANY(coalesce(h.ids, '{}'::text[]))`)}) c ON true
    LEFT JOIN LATERAL (
      SELECT array_agg(pod.node_id ORDER BY pod.node_id) AS ids
      FROM (${bestNodesSql(Prisma.sql`${live('v', asOf)} AND v.node_id = ANY(coalesce(c.ids, '{}'::text[])) AND v.provider = 'k8s' AND v.kind = 'Pod'`)}) pod
      WHERE NOT pod.missing AND coalesce(pod.properties->>'phase', '') NOT IN ('Succeeded', 'Failed')) p ON true
    WHERE ${Prisma.join(conds, ' AND ')}
    ORDER BY k.node_id`;
}

export const keysSource: RowSource<KeyItem> = {
  what: 'keys',
  description: 'Key audit: every user-managed service account key with age, validity, last use, holder Secrets, consumers and running pods',
  filters: ['realm', 'namespace'],
  query: keysSql,
  item(r, ctx) {
    const p = (r.properties ?? {}) as Record<string, unknown>;
    const saIds: string[] = r.sa_ids ?? [];
    const validAfterTime = str(p.validAfterTime);
    const created = validAfterTime ? Date.parse(validAfterTime) : NaN;
    const item: KeyItem = {
      id: r.node_id,
      project: r.realm,
      keyId: r.name,
      serviceAccount: str(p.serviceAccount) ?? (saIds[0] ? saIds[0].slice(saIds[0].lastIndexOf('/') + 1) : null),
      serviceAccountIds: saIds,
      keyType: str(p.keyType),
      missing: r.missing,
      validAfterTime,
      validBeforeTime: str(p.validBeforeTime),
      ageDays: Number.isFinite(created) ? Math.max(0, Math.floor((ctx.at.getTime() - created) / DAY)) : null,
      validity: 'valid',
      disabled: bool(p.disabled),
      lastAuthenticatedAt: str(p.lastAuthenticatedAt),
      lastUseCovered: bool(p.lastUseCovered),
      holderSecrets: r.holders ?? [],
      consumers: r.consumers ?? [],
      runningPods: r.pods ?? [],
      firstSeen: iso(r.first_seen),
      properties: p,
    };
    item.validity = keyValidity(item, ctx.at);
    return item;
  },
  columns: [
    'id', 'project', 'key_id', 'service_account', 'key_type', 'missing', 'valid_after', 'valid_before', 'age_days', 'validity',
    'disabled', 'last_used', 'last_use_covered', 'holder_secrets', 'consumers', 'running_pods', 'running_pod_count', 'first_seen',
    'properties',
  ],
  csv: (k) => [
    k.id, k.project, k.keyId, k.serviceAccount, k.keyType, k.missing, k.validAfterTime, k.validBeforeTime, k.ageDays, k.validity,
    k.disabled, k.lastAuthenticatedAt, k.lastUseCovered, list(k.holderSecrets), list(k.consumers), list(k.runningPods),
    k.runningPods.length, k.firstSeen, json(k.properties),
  ],
};

/**
 * The key audit as a list, for the Keys page: the rows of {@link keysSource} (same query, same items), as of `asOf`
 * (default now; ages are computed at that instant). Bounded by the number of user-managed keys. Errors: database
 * errors propagate.
 */
export async function listKeys(database: Database, filters: QueryContext['filters'] = {}, asOf?: Date): Promise<KeyItem[]> {
  const ctx: QueryContext = { filters, asOf, at: asOf ?? new Date() };
  const rows = await database.prisma.$queryRaw<Record<string, any>[]>(keysSql(ctx));
  return rows.map((r) => keysSource.item(r, ctx));
}
