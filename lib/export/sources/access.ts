/**
 * `--what access`: one row per access grant, as of the export's time.
 * - Kubernetes (lib/analysis/access.ts secretGrants): a subject (ServiceAccount, User, Group) that a RoleBinding or
 *   ClusterRoleBinding lets get/list/watch Secrets: scope `cluster` / `namespace`, `resourceNames` when narrowed,
 *   the binding and role.
 * - GCP (lib/analysis/gcp-access.ts allGcpGrants): a policy member that a service account's, a secret's or a
 *   project's IAM policy grants permissions of interest (act as / tokens / keys on service accounts,
 *   `secretmanager.versions.access` on secrets) or an unknown role: scope `resource` / `project` (a project grant
 *   reaches every service account and secret of the project), the role, the policy resource, the condition, and the
 *   Kubernetes ServiceAccounts a Workload Identity member resolves to (`direct`: it holds the permission itself).
 *
 * Filters: realm (cluster or project), namespace (Kubernetes grants that reach Secrets of that namespace: its
 * RoleBindings and the cluster-wide ones; GCP grants to Workload Identity principals of that namespace). Computed in
 * the application (RBAC and roles are evaluated, not queried), so loaded whole: bounded by the number of bindings.
 */
import { rbacNodes, secretGrants, type SecretGrant } from '../../analysis/access';
import { allGcpGrants, type GcpPolicyGrants } from '../../analysis/gcp-access';
import { Prisma } from '../../generated/prisma/client';
import { k8sId } from '../../graph/ids';
import { live } from '../../store/read';
import type { RowSource } from '../types';
import { json, list } from './common';

/** One grant as exported. */
export interface AccessItem {
  provider: 'k8s' | 'gcp';
  /** Cluster or project of the RBAC object / policy. */
  realm: string;
  /** Kubernetes `ServiceAccount` / `User` / `Group`; GCP principal type (lib/analysis/gcp-access.ts GcpPrincipalType). */
  principalType: string;
  /** `NAMESPACE/NAME` of a Kubernetes ServiceAccount, a user or group name, a GCP member's email / domain / subject. */
  principal: string;
  /** The policy member as written (GCP only). */
  member: string | null;
  /** Node id of the principal when it is in the graph (Kubernetes or GCP service account). */
  principalId: string | null;
  /** `cluster`, `namespace` (Kubernetes); `resource`, `project` (GCP). */
  scope: 'cluster' | 'namespace' | 'resource' | 'project';
  /** Namespace of a Kubernetes `namespace` grant. */
  namespace: string | null;
  /** Kubernetes: the Secret ids of a `resourceNames` rule (else every Secret in scope). GCP: the policy's node. */
  targets: string[];
  /** Kubernetes read verbs, or GCP permissions ([] for an unknown role). */
  permissions: string[];
  role: string;
  /** False for a GCP role whose permissions keygraph does not know. */
  roleKnown: boolean;
  /** The RoleBinding / ClusterRoleBinding id, or the GCP policy resource (`projects/P/secrets/S`). */
  via: string;
  /** GCP IAM condition of the binding (title, expression), or null. */
  condition: { title?: string; expression?: string } | null;
  /** GCP: a Workload Identity principal holding secret access itself (no GCP service account). */
  direct: boolean;
  /** GCP Workload Identity members: the Kubernetes ServiceAccount ids they resolve to. */
  kubernetesServiceAccounts: string[];
}

function k8sItem(realm: string, g: SecretGrant): AccessItem {
  return {
    provider: 'k8s', realm, principalType: g.subject.kind,
    principal: g.subject.namespace ? `${g.subject.namespace}/${g.subject.name}` : g.subject.name, member: null,
    principalId: g.subject.id ?? null, scope: g.scope, namespace: g.namespace ?? null,
    targets: g.namespace && g.resourceNames ? g.resourceNames.map((n) => k8sId(realm, g.namespace!, 'Secret', n)) : [],
    permissions: g.verbs, role: g.role, roleKnown: true, via: g.binding, condition: null, direct: false, kubernetesServiceAccounts: [],
  };
}

function gcpItem({ target, grant: g }: GcpPolicyGrants): AccessItem {
  return {
    provider: 'gcp', realm: target.slice(4, target.indexOf('/')), principalType: g.principal.type, principal: g.principal.name, member: g.member,
    principalId: g.principal.id ?? (g.principal.kubernetes?.serviceAccounts.length === 1 ? g.principal.kubernetes.serviceAccounts[0]! : null),
    scope: g.policy, namespace: null, targets: [target], permissions: g.permissions, role: g.role, roleKnown: g.roleKnown,
    via: g.policyResource, condition: g.condition ?? null, direct: g.direct === true, kubernetesServiceAccounts: g.principal.kubernetes?.serviceAccounts ?? [],
  };
}

export const accessSource: RowSource<AccessItem> = {
  what: 'access',
  description: 'who can read Secrets (Kubernetes RBAC) and act as GCP service accounts or read Secret Manager secrets (IAM policies)',
  filters: ['realm', 'namespace'],
  async load(database, ctx) {
    const { realm, namespace } = ctx.filters;
    const realms = await database.prisma.$queryRaw<{ realm: string }[]>(Prisma.sql`SELECT DISTINCT v.realm FROM node_versions v
      WHERE v.provider = 'k8s' AND v.kind IN ('RoleBinding', 'ClusterRoleBinding') AND NOT v.missing AND ${live('v', ctx.asOf)}
      ${realm !== undefined ? Prisma.sql`AND v.realm = ${realm}` : Prisma.empty} ORDER BY v.realm`);
    const items: AccessItem[] = [];
    for (const r of realms) {
      for (const g of secretGrants(await rbacNodes(database, r.realm, { asOf: ctx.asOf }))) {
        if (namespace !== undefined && g.scope === 'namespace' && g.namespace !== namespace) continue;
        items.push(k8sItem(r.realm, g));
      }
    }
    for (const g of await allGcpGrants(database, { asOf: ctx.asOf, realm })) {
      if (namespace !== undefined && g.grant.principal.kubernetes?.namespace !== namespace) continue;
      items.push(gcpItem(g));
    }
    return items;
  },
  item: (row) => row as AccessItem,
  columns: ['provider', 'realm', 'principal_type', 'principal', 'principal_id', 'scope', 'namespace', 'targets', 'permissions', 'role', 'role_known', 'via', 'condition', 'direct', 'kubernetes_service_accounts'],
  csv: (a) => [
    a.provider, a.realm, a.principalType, a.principal, a.principalId, a.scope, a.namespace, list(a.targets), list(a.permissions), a.role, a.roleKnown,
    a.via, a.condition ? json(a.condition) : '', a.direct, list(a.kubernetesServiceAccounts),
  ],
};
