/**
 * Read models for the GCP sections of the node page (app/node/GcpServiceAccount.tsx, app/node/GcpKey.tsx): a GCP
 * service account with its keys, the Kubernetes ServiceAccounts acting as it (both Workload Identity halves) and the
 * workloads reached through them or through Secrets holding its keys; a key with its holder Secrets, their consumers
 * and pods. Built from lib/store/read.ts (getEdges, bestNodesSql), current or as of `opts.asOf`, a handful of
 * small queries per page (keys and holders of one account are few). No secret value is read: there is none in the
 * store.
 *
 * Last use (`lastUse`): `{state: 'used', at}` when Policy Analyzer reported an authentication; `{state: 'none'}` when
 * the project's activities were read completely (`lastUseCovered`) and reported none in the observation window;
 * `{state: 'unknown'}` otherwise. Only `none` may be shown as "unused".
 */
import { Prisma } from '../generated/prisma/client';
import type { Database } from '../db';
import { bestNodesSql, getEdges, live, summary, type EdgeView, type NodeSummary, type NodeSummaryRow, type NodeView, type ReadOptions } from './read';
import { parseId } from '../graph/ids';
import { NODE_KINDS, WORKLOAD_DISPLAY_ORDER } from '../graph/model';

/** A node with its (best current/as-of) properties; `properties` is `{}` for an id no source knows. */
export interface NodeWithProps extends NodeSummary {
  properties: Record<string, unknown>;
}

/** Last use of a key or service account, see the module doc. */
export type LastUse = { state: 'used'; at: string; covered: boolean } | { state: 'none' } | { state: 'unknown' };

/** A consumer of a holder Secret: a workload or pod referencing it (USES_SECRET), with how. */
export interface SecretConsumer {
  node: NodeSummary;
  /** `via` of each reference (env, volume, csi…). */
  vias: string[];
  /** Pod phase when the consumer is a Pod. */
  phase?: string;
}

/** A Secret holding a key file of the key (HOLDS_KEY), and who reads that Secret. */
export interface KeyHolder {
  secret: NodeSummary;
  /** Data key holding the key file, and the `client_email` it names. */
  dataKey?: string;
  clientEmail?: string;
  /** Workloads (anything but pods) referencing the Secret. */
  workloads: SecretConsumer[];
  /** Pods referencing the Secret, with their phase. */
  pods: SecretConsumer[];
}

/** A GCP service-account key as the UI shows it. */
export interface KeyView {
  key: NodeWithProps;
  userManaged: boolean;
  keyType?: string;
  validAfter?: string;
  validBefore?: string;
  /** `validBeforeTime` in year 9999: a user-managed key without expiry. */
  neverExpires: boolean;
  disabled: boolean;
  /** Days since `validAfterTime` at the time shown (undefined when unknown). */
  ageDays?: number;
  lastUse: LastUse;
  /** For a key GCP no longer lists: when the last collection that listed it was superseded. */
  lastListedUntil?: string;
  holders: KeyHolder[];
}

/** A Kubernetes ServiceAccount acting as the GCP service account (ACTS_AS), with both halves. */
export interface IdentityView {
  ksa: NodeSummary;
  /** `iam.gke.io/gcp-service-account` annotation on the KSA names this account. */
  annotation: boolean;
  /** `roles/iam.workloadIdentityUser` for the KSA on this account: true/false, or null when the policy was not read. */
  binding: boolean | null;
  member?: string;
  /** Workloads and pods running as the KSA (RUNS_AS inbound). */
  workloads: SecretConsumer[];
  pods: SecretConsumer[];
}

/** The service account page model. */
export interface ServiceAccountView {
  /** True when the account's IAM policy was read (`workloadIdentityMembers` present). */
  policyKnown: boolean;
  lastUse: LastUse;
  keys: KeyView[];
  identities: IdentityView[];
  /** workloadIdentityUser members with no matching Kubernetes ServiceAccount in any collected cluster. */
  unmatchedMembers: { member: string; namespace: string; ksa: string }[];
}

/** Consumer workloads are listed top-level first (lib/graph/model.ts WORKLOAD_DISPLAY_ORDER), by API kind. */
const WORKLOAD_PRIORITY: string[] = WORKLOAD_DISPLAY_ORDER.map((k) => NODE_KINDS[k].kind);

/** Best current/as-of properties of several nodes (one query). */
export async function nodesWithProps(database: Database, ids: string[], opts: ReadOptions = {}): Promise<Map<string, NodeWithProps>> {
  const out = new Map<string, NodeWithProps>();
  if (!ids.length) return out;
  const rows = await database.prisma.$queryRaw<(NodeSummaryRow & { properties: Record<string, unknown> | null })[]>(
    bestNodesSql(Prisma.sql`v.node_id = ANY(${[...new Set(ids)]}::text[]) AND ${live('v', opts.asOf)}`),
  );
  for (const r of rows) out.set(r.node_id, { ...summary(r), properties: r.properties ?? {} });
  return out;
}

/** Last use from `lastAuthenticatedAt` / `lastUseCovered` properties (collectors/gcp-iam/mapper.ts). */
export function lastUseOf(p: Record<string, unknown>): LastUse {
  const covered = p.lastUseCovered === true;
  if (typeof p.lastAuthenticatedAt === 'string' && p.lastAuthenticatedAt) return { state: 'used', at: p.lastAuthenticatedAt, covered };
  return covered ? { state: 'none' } : { state: 'unknown' };
}

/** Whole days from `from` to `now`, or undefined when `from` does not parse. */
export function daysSince(from: unknown, now: Date): number | undefined {
  if (typeof from !== 'string') return undefined;
  const t = Date.parse(from);
  return Number.isNaN(t) ? undefined : Math.floor((now.getTime() - t) / 86400e3);
}

const viasOf = (edges: EdgeView[]) => [...new Set(edges.map((e) => (typeof e.properties.via === 'string' ? e.properties.via : e.kind)))];

/** Splits inbound reference edges into workloads and pods (pods with their phase), one row per referrer. */
async function consumers(database: Database, edges: EdgeView[], opts: ReadOptions): Promise<{ workloads: SecretConsumer[]; pods: SecretConsumer[] }> {
  const byOther = new Map<string, EdgeView[]>();
  for (const e of edges) byOther.set(e.other.id, [...(byOther.get(e.other.id) ?? []), e]);
  const podIds = [...byOther.values()].map((es) => es[0]!.other).filter((o) => o.kind === 'Pod').map((o) => o.id);
  const pods = await nodesWithProps(database, podIds, opts);
  const workloads: SecretConsumer[] = [];
  const podRows: SecretConsumer[] = [];
  for (const es of byOther.values()) {
    const node = es[0]!.other;
    const row: SecretConsumer = { node, vias: viasOf(es) };
    if (node.kind === 'Pod') {
      const phase = pods.get(node.id)?.properties.phase;
      if (typeof phase === 'string') row.phase = phase;
      podRows.push(row);
    } else workloads.push(row);
  }
  const rank = (k: string) => {
    const i = WORKLOAD_PRIORITY.indexOf(k);
    return i < 0 ? WORKLOAD_PRIORITY.length : i;
  };
  workloads.sort((a, b) => rank(a.node.kind) - rank(b.node.kind) || a.node.id.localeCompare(b.node.id));
  podRows.sort((a, b) => Number(b.phase === 'Running') - Number(a.phase === 'Running') || a.node.id.localeCompare(b.node.id));
  return { workloads, pods: podRows };
}

/** Holder Secrets of a key (HOLDS_KEY inbound) with their consumers (USES_SECRET inbound of each Secret). */
export async function keyHolders(database: Database, keyId: string, opts: ReadOptions = {}): Promise<KeyHolder[]> {
  const holds = (await getEdges(database, keyId, 'in', opts)).filter((e) => e.kind === 'HOLDS_KEY');
  return Promise.all(
    holds.map(async (h) => {
      const uses = (await getEdges(database, h.other.id, 'in', opts)).filter((e) => e.kind === 'USES_SECRET');
      const c = await consumers(database, uses, opts);
      return {
        secret: h.other,
        dataKey: typeof h.properties.dataKey === 'string' ? h.properties.dataKey : undefined,
        clientEmail: typeof h.properties.clientEmail === 'string' ? h.properties.clientEmail : undefined,
        ...c,
      };
    }),
  );
}

/**
 * The latest observed (non-placeholder) version of a node at or before `opts.asOf` (or now) and when it ended: what
 * GCP last said about a key it no longer lists. Null when it was never observed.
 */
export async function lastObserved(database: Database, id: string, opts: ReadOptions = {}): Promise<{ properties: Record<string, unknown>; until: Date | null } | null> {
  const at = opts.asOf ?? null;
  const rows = await database.prisma.$queryRaw<{ properties: Record<string, unknown>; valid_to: Date | null }[]>(Prisma.sql`
    SELECT properties, valid_to FROM node_versions
    WHERE node_id = ${id} AND NOT missing AND (${at}::timestamptz IS NULL OR valid_from <= ${at}::timestamptz)
    ORDER BY valid_from DESC LIMIT 1`);
  return rows[0] ? { properties: rows[0].properties ?? {}, until: rows[0].valid_to } : null;
}

/**
 * The key page model for a key node. For a key GCP no longer lists (missing), the properties are those of its last
 * observed version (`lastListedUntil` says when it stopped being listed). `now` is the time shown (age).
 */
export async function keyView(database: Database, key: NodeWithProps | NodeView, now: Date, opts: ReadOptions = {}): Promise<KeyView> {
  let p = key.properties ?? {};
  let lastListedUntil: string | undefined;
  if (key.missing) {
    const prev = await lastObserved(database, key.id, opts);
    if (prev) {
      p = prev.properties;
      lastListedUntil = prev.until ? prev.until.toISOString() : undefined;
    }
  }
  const keyType = typeof p.keyType === 'string' ? p.keyType : undefined;
  const validBefore = typeof p.validBeforeTime === 'string' ? p.validBeforeTime : undefined;
  return {
    key: { id: key.id, provider: key.provider, kind: key.kind, realm: key.realm, namespace: key.namespace, name: key.name, missing: key.missing, properties: p },
    userManaged: keyType === 'USER_MANAGED',
    keyType,
    validAfter: typeof p.validAfterTime === 'string' ? p.validAfterTime : undefined,
    validBefore,
    neverExpires: !!validBefore && validBefore.startsWith('9999-'),
    disabled: p.disabled === true,
    ageDays: daysSince(p.validAfterTime, now),
    lastUse: lastUseOf(p),
    lastListedUntil,
    holders: await keyHolders(database, key.id, opts),
  };
}

/**
 * The service account page model: its keys (HAS_KEY outbound, plus keys GCP no longer lists that a Secret still
 * holds a key file of, matched by the file's `client_email`) with holders, the KSAs acting as it (ACTS_AS
 * inbound, merged halves) with the workloads running as them, and binding members no KSA matches.
 */
export async function serviceAccountView(
  database: Database,
  gsa: NodeView,
  edges: { inbound: EdgeView[]; outbound: EdgeView[] },
  now: Date,
  opts: ReadOptions = {},
): Promise<ServiceAccountView> {
  const p = gsa.properties ?? {};
  const policyKnown = Array.isArray(p.workloadIdentityMembers);
  const keyEdges = edges.outbound.filter((e) => e.kind === 'HAS_KEY');
  // Keys GCP no longer lists (no HAS_KEY) whose key files Secrets still hold, found by the file's client_email.
  const listed = new Set(keyEdges.map((e) => e.other.id));
  const heldOnly = (
    await database.prisma.$queryRaw<{ to_id: string }[]>(Prisma.sql`
      SELECT DISTINCT v.to_id FROM edge_versions v
      WHERE v.kind = 'HOLDS_KEY' AND lower(v.properties->>'clientEmail') = ${gsa.name.toLowerCase()}
        AND kg_id_realm(v.to_id) = ${gsa.realm} AND ${live('v', opts.asOf)}`)
  )
    .map((r) => r.to_id)
    .filter((id) => !listed.has(id));
  const keyIds = [...listed, ...heldOnly];
  const keyNodes = await nodesWithProps(database, keyIds, opts);
  const keys = await Promise.all(
    keyIds.map((id) => {
      const parsed = parseId(id);
      const fallback: NodeWithProps = { id, provider: 'gcp', kind: 'ServiceAccountKey', realm: gsa.realm, namespace: null, name: parsed?.name ?? id, missing: true, properties: {} };
      return keyView(database, keyNodes.get(id) ?? fallback, now, opts);
    }),
  );
  // User-managed first, then newest first.
  keys.sort((a, b) => Number(b.userManaged) - Number(a.userManaged) || (b.validAfter ?? '').localeCompare(a.validAfter ?? ''));

  const acts = new Map<string, EdgeView[]>();
  for (const e of edges.inbound.filter((x) => x.kind === 'ACTS_AS')) acts.set(e.other.id, [...(acts.get(e.other.id) ?? []), e]);
  const identities = await Promise.all(
    [...acts.values()].map(async (es): Promise<IdentityView> => {
      const ksa = es[0]!.other;
      const annotation = es.some((e) => e.properties.annotation === true);
      const bound = es.some((e) => e.properties.binding === true);
      const member = es.map((e) => e.properties.member).find((m): m is string => typeof m === 'string');
      const runs = (await getEdges(database, ksa.id, 'in', opts)).filter((e) => e.kind === 'RUNS_AS');
      return { ksa, annotation, binding: bound ? true : policyKnown ? false : null, member, ...(await consumers(database, runs, opts)) };
    }),
  );
  identities.sort((a, b) => a.ksa.id.localeCompare(b.ksa.id));

  const unmatchedMembers: ServiceAccountView['unmatchedMembers'] = [];
  if (policyKnown) {
    // Stored parsed by the GCP collector (collectors/gcp-iam/mapper.ts policyProperties): {pool, namespace, ksa, member}.
    for (const m of p.workloadIdentityMembers as unknown[]) {
      const o = typeof m === 'object' && m !== null ? (m as Record<string, unknown>) : {};
      const raw = typeof o.member === 'string' ? o.member : null;
      const parsed = typeof o.namespace === 'string' && typeof o.ksa === 'string' ? { namespace: o.namespace, ksa: o.ksa } : null;
      if (!raw || !parsed) continue;
      if (identities.some((i) => i.ksa.namespace === parsed.namespace && i.ksa.name === parsed.ksa && i.binding)) continue;
      unmatchedMembers.push({ member: raw, namespace: parsed.namespace, ksa: parsed.ksa });
    }
  }
  return { policyKnown, lastUse: lastUseOf(p), keys, identities, unmatchedMembers };
}
