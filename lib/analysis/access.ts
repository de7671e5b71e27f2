/**
 * Who can read a Kubernetes Secret, derived from stored RBAC objects (Role, ClusterRole, RoleBinding,
 * ClusterRoleBinding; properties written by collectors/kubernetes/mapper.ts: `rules`, `aggregationRule`, `labels`,
 * `roleRef`, `subjects`). The one place that evaluates RBAC rules for Secrets.
 *
 * A grant is a subject bound (RoleBinding: in its namespace, to a Role of that namespace or a ClusterRole;
 * ClusterRoleBinding: cluster-wide, to a ClusterRole) to a rule of API group `''` or `*`, resource `secrets` or `*`,
 * with a read verb (`get`, `list`, `watch`, `*`). `resourceNames` narrow a rule to the named Secrets. Aggregated
 * ClusterRoles (`aggregationRule.clusterRoleSelectors[].matchLabels`) take the rules of every ClusterRole whose
 * labels match, transitively (as the API server's aggregation controller does; stored rules are kept too).
 * `matchExpressions` selectors are not read. Group subjects (`system:serviceaccounts`, `system:authenticated`…) are
 * reported as groups, not expanded.
 */
import type { Database } from '../db';
import { Prisma } from '../generated/prisma/client';
import { k8sId, parseId } from '../graph/ids';
import { bestNodesSql, live, type ReadOptions } from '../store/read';
import { gcpAccess, type GcpAccess } from './gcp-access';

/** Verbs that read a Secret's data. */
export const SECRET_READ_VERBS = ['get', 'list', 'watch'] as const;

/** An RBAC object as stored: a node of kind Role, ClusterRole, RoleBinding or ClusterRoleBinding. */
export interface RbacNode {
  id: string;
  kind: string;
  realm: string;
  namespace: string | null;
  name: string;
  properties: Record<string, unknown>;
}

/** A binding subject (`subjects[]` of a binding). `id` for ServiceAccounts (`k8s:CLUSTER/NS/ServiceAccount/NAME`). */
export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  namespace?: string;
  id?: string;
}

/**
 * One subject's read access to Secrets through one binding. `scope`: `cluster` (every namespace), `namespace`
 * (`namespace` only); `resourceNames`: only these Secrets (absent: every Secret in scope).
 */
export interface SecretGrant {
  subject: Subject;
  /** Read verbs granted (subset of get/list/watch; `*` expanded). */
  verbs: string[];
  scope: 'cluster' | 'namespace';
  /** Namespace of a `namespace` grant. */
  namespace?: string;
  resourceNames?: string[];
  /** The RoleBinding / ClusterRoleBinding id. */
  binding: string;
  /** The Role / ClusterRole the binding names. */
  role: string;
  /** The ClusterRole holding the rule when it reached `role` by aggregation. */
  aggregatedFrom?: string;
}

interface Rule { apiGroups?: string[]; resources?: string[]; verbs?: string[]; resourceNames?: string[] }

const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Read verbs a rule grants on Secrets, with its resourceNames (empty list: all), or null when none. */
function secretRead(r: Rule): { verbs: string[]; names: string[] } | null {
  const groups = strs(r.apiGroups);
  const resources = strs(r.resources);
  const verbs = strs(r.verbs);
  if (!groups.includes('') && !groups.includes('*')) return null;
  if (!resources.includes('secrets') && !resources.includes('*')) return null;
  const read = verbs.includes('*') ? [...SECRET_READ_VERBS] : SECRET_READ_VERBS.filter((v) => verbs.includes(v));
  return read.length ? { verbs: read, names: strs(r.resourceNames) } : null;
}

const labelsOf = (n: RbacNode): Record<string, string> => (n.properties.labels ?? {}) as Record<string, string>;

/** Rules of a role with the role they come from: its own, plus (ClusterRole) those of the ClusterRoles it aggregates. */
function effectiveRules(role: RbacNode, clusterRoles: RbacNode[]): { rule: Rule; from: RbacNode }[] {
  const out: { rule: Rule; from: RbacNode }[] = [];
  const seen = new Set<string>();
  const visit = (r: RbacNode) => {
    if (seen.has(r.id)) return;
    seen.add(r.id);
    for (const rule of (Array.isArray(r.properties.rules) ? r.properties.rules : []) as Rule[]) out.push({ rule, from: r });
    const agg = r.properties.aggregationRule as { clusterRoleSelectors?: { matchLabels?: Record<string, string> }[] } | undefined;
    for (const sel of agg?.clusterRoleSelectors ?? []) {
      const want = Object.entries(sel.matchLabels ?? {});
      if (!want.length) continue;
      for (const c of clusterRoles) if (want.every(([k, v]) => labelsOf(c)[k] === v)) visit(c);
    }
  };
  visit(role);
  return out;
}

/**
 * Every Secret read grant of one cluster's RBAC objects (`nodes`: all Roles, ClusterRoles and bindings of the
 * realm). Bindings whose role is absent grant nothing (the API server does the same). Sorted by subject, binding.
 */
export function secretGrants(nodes: RbacNode[]): SecretGrant[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const clusterRoles = nodes.filter((n) => n.kind === 'ClusterRole');
  const out: SecretGrant[] = [];
  for (const b of nodes) {
    if (b.kind !== 'RoleBinding' && b.kind !== 'ClusterRoleBinding') continue;
    const ref = b.properties.roleRef as { kind?: string; name?: string } | undefined;
    if (!ref?.name || (ref.kind !== 'Role' && ref.kind !== 'ClusterRole')) continue;
    if (ref.kind === 'Role' && (b.kind !== 'RoleBinding' || !b.namespace)) continue;
    const roleId = k8sId(b.realm, ref.kind === 'Role' ? b.namespace : null, ref.kind, ref.name);
    const role = byId.get(roleId);
    if (!role) continue;
    const subjects = ((Array.isArray(b.properties.subjects) ? b.properties.subjects : []) as Subject[]).map((s) => ({
      kind: s.kind, name: s.name, ...(s.namespace && { namespace: s.namespace }),
      ...(s.kind === 'ServiceAccount' && s.namespace && { id: k8sId(b.realm, s.namespace, 'ServiceAccount', s.name) }),
    }));
    for (const { rule, from } of effectiveRules(role, clusterRoles)) {
      const read = secretRead(rule);
      if (!read) continue;
      for (const subject of subjects) {
        out.push({
          subject, verbs: read.verbs,
          ...(b.kind === 'ClusterRoleBinding' ? { scope: 'cluster' as const } : { scope: 'namespace' as const, namespace: b.namespace! }),
          ...(read.names.length && { resourceNames: read.names }),
          binding: b.id, role: roleId, ...(from.id !== roleId && { aggregatedFrom: from.id }),
        });
      }
    }
  }
  const key = (g: SecretGrant) => `${g.subject.kind}\u0000${g.subject.namespace ?? ''}\u0000${g.subject.name}\u0000${g.binding}\u0000${g.aggregatedFrom ?? ''}`;
  return out.sort((a, b) => key(a).localeCompare(key(b)));
}

/** Whether grant `g` lets its subject read Secret `name` of `namespace`. */
export function grantCovers(g: SecretGrant, namespace: string, name: string): boolean {
  if (g.scope === 'namespace' && g.namespace !== namespace) return false;
  return !g.resourceNames || g.resourceNames.includes(name);
}

/** The grants of {@link secretGrants} that reach Secret `name` of `namespace`. */
export function secretReaders(nodes: RbacNode[], namespace: string, name: string): SecretGrant[] {
  return secretGrants(nodes).filter((g) => grantCovers(g, namespace, name));
}

/** Who can read a Secret: the grants, and how many RBAC objects of its cluster were considered. */
export interface SecretAccess {
  secret: string;
  readers: SecretGrant[];
  /** Roles, ClusterRoles and bindings stored for the Secret's cluster. 0: RBAC was not collected, nothing is known. */
  rbacObjects: number;
}

/** Every stored (observed) RBAC object of cluster `realm`, as of now or `opts.asOf`. */
export async function rbacNodes(database: Database, realm: string, opts: ReadOptions = {}): Promise<RbacNode[]> {
  const rows = await database.prisma.$queryRaw<{ node_id: string; kind: string; realm: string; namespace: string | null; name: string; missing: boolean; properties: Record<string, unknown> }[]>(
    bestNodesSql(Prisma.sql`v.provider = 'k8s' AND v.realm = ${realm} AND v.kind IN ('Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding') AND ${live('v', opts.asOf)}`),
  );
  return rows.filter((r) => !r.missing).map((r) => ({ id: r.node_id, kind: r.kind, realm: r.realm, namespace: r.namespace, name: r.name, properties: r.properties ?? {} }));
}

/**
 * Who can read Secret `id` (`k8s:CLUSTER/NS/Secret/NAME`) according to the stored RBAC of its cluster. Null when the
 * id is not a Kubernetes Secret id. Errors: database errors propagate.
 */
export async function secretAccess(database: Database, id: string, opts: ReadOptions = {}): Promise<SecretAccess | null> {
  const p = parseId(id);
  if (!p || p.provider !== 'k8s' || p.kind !== 'Secret' || !p.namespace) return null;
  const nodes = await rbacNodes(database, p.realm, opts);
  return { secret: id, readers: secretReaders(nodes, p.namespace, p.name), rbacObjects: nodes.length };
}

/** One line for a grant: `ServiceAccount payments/api: get (Secret db-credentials only) via RoleBinding payments/x → Role payments/y`. */
export function describeGrant(g: SecretGrant): string {
  const who = `${g.subject.kind} ${g.subject.namespace ? `${g.subject.namespace}/` : ''}${g.subject.name}`;
  const what = g.resourceNames ? `only ${g.resourceNames.join(', ')}` : g.scope === 'cluster' ? 'every Secret in the cluster' : `every Secret in namespace ${g.namespace}`;
  const short = (id: string) => { const p = parseId(id); return p ? `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}` : id; };
  return `${who}: ${g.verbs.join(', ')} (${what}) via ${short(g.binding)} → ${short(g.role)}${g.aggregatedFrom ? ` (aggregated from ${short(g.aggregatedFrom)})` : ''}`;
}

/** The access answer of any node: {@link SecretAccess} for a Kubernetes Secret, {@link GcpAccess} (lib/analysis/gcp-access.ts)
 * for a GCP service account or Secret Manager secret / version; null for other nodes. */
export type NodeAccess = SecretAccess | GcpAccess;

/** Who can read / act as node `id` (see {@link NodeAccess}). Errors: database errors propagate. */
export async function nodeAccess(database: Database, id: string, opts: ReadOptions = {}): Promise<NodeAccess | null> {
  return (await secretAccess(database, id, opts)) ?? (await gcpAccess(database, id, opts));
}

/** True for a GCP answer of {@link nodeAccess}. */
export const isGcpAccess = (a: NodeAccess): a is GcpAccess => 'provider' in a && a.provider === 'gcp';
