/**
 * Who can act as a GCP service account, and who can read a Secret Manager secret, from stored IAM policies: the
 * resource's own policy (`iamBindings` of the `gcp:ServiceAccount` / `gcp:Secret` node) and its project's policy
 * (`iamBindings` of the `gcp:Project` node), roles expanded by lib/analysis/gcp-roles.ts (predefined table, the
 * project's collected `customRoles`). Written by collectors/gcp-iam and collectors/secret-manager.
 *
 * Members (IAM "principal identifiers"): `user:`, `group:`, `serviceAccount:`, `domain:`, `allUsers`,
 * `allAuthenticatedUsers`, `deleted:…`, `principal://…`, `principalSet://…`, `projectOwner:`/`projectEditor:`/
 * `projectViewer:` (convenience values). GKE Workload Identity members (`serviceAccount:P.svc.id.goog[NS/KSA]` and
 * `principal://iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/P.svc.id.goog/subject/ns/NS/sa/KSA`)
 * are resolved to the Kubernetes ServiceAccounts of that namespace and name in the graph (the pool names a project,
 * not a cluster: every cluster of it matches) and the workloads running as them. On a secret's or project's policy
 * they are *direct* grants: the Kubernetes ServiceAccount itself holds the permission, no GCP service account.
 *
 * Organisation and folder policies are not collected: a grant there is not seen (the answer says which policies
 * were read). Deny policies and Principal Access Boundaries are not read.
 */
import type { Database } from '../db';
import { Prisma } from '../generated/prisma/client';
import { gcpProjectId, gcpServiceAccountId, parseId } from '../graph/ids';
import { bestNodesSql, live, mergedEdgesSql, type ReadOptions } from '../store/read';
import {
  expandRole, GCP_ACCESS_PERMISSIONS, SECRET_PERMISSIONS, SERVICE_ACCOUNT_PERMISSIONS,
  type CustomRole, type GcpAccessPermission,
} from './gcp-roles';

/** What kind of principal a member names. */
export type GcpPrincipalType =
  | 'user' | 'group' | 'serviceAccount' | 'domain' | 'allUsers' | 'allAuthenticatedUsers' | 'deleted'
  | 'kubernetesServiceAccount' | 'kubernetesNamespace' | 'principal' | 'principalSet' | 'projectRole' | 'unknown';

/** A GKE Workload Identity principal, resolved against the graph. */
export interface KubernetesPrincipal {
  /** `PROJECT.svc.id.goog`. */
  pool: string;
  namespace: string;
  /** The Kubernetes ServiceAccount name; absent for a whole namespace (`principalSet://…/namespace/NS`). */
  name?: string;
  /** Ids of the matching Kubernetes ServiceAccount nodes (any cluster), sorted. */
  serviceAccounts: string[];
  /** Ids of the workloads and pods running as them (RUNS_AS), sorted. */
  workloads: string[];
}

/** A policy member, parsed. */
export interface GcpPrincipal {
  type: GcpPrincipalType;
  /** Email, domain, subject or the member itself. */
  name: string;
  /** The GCP service account node id (`serviceAccount:` members whose account is in the graph). */
  id?: string;
  kubernetes?: KubernetesPrincipal;
}

/** Where a binding was read. */
export type GcpPolicyLevel = 'resource' | 'project';

/** One member's access through one binding of one policy. */
export interface GcpGrant {
  /** The member as written in the policy. */
  member: string;
  principal: GcpPrincipal;
  /** The permissions of interest the role grants on this target ([] when the role is unknown). */
  permissions: GcpAccessPermission[];
  role: string;
  /** False: keygraph does not know the role's permissions ("unknown role (permissions not known)"). */
  roleKnown: boolean;
  /** True for a collected custom role. */
  customRole?: true;
  policy: GcpPolicyLevel;
  /** `projects/P/serviceAccounts/E`, `projects/P/secrets/S` or `projects/P`. */
  policyResource: string;
  /** The node holding the policy. */
  policyNode: string;
  /** The binding's condition (IAM Conditions): the grant applies only when it holds. */
  condition?: { title?: string; expression?: string };
  /** A Workload Identity principal on a secret's or project's policy read through Secret Manager: the Kubernetes
   * ServiceAccount holds the permission itself (no GCP service account). */
  direct?: true;
}

/** A policy considered for an answer, and whether it was known. */
export interface GcpPolicyRead {
  policy: GcpPolicyLevel;
  resource: string;
  node: string;
  /** False when the policy was not collected (or could not be read: `error`): grants in it are unknown. */
  known: boolean;
  error?: string;
}

/** Who can act as a GCP service account / read a Secret Manager secret. */
export interface GcpAccess {
  provider: 'gcp';
  /** The node asked about (a SecretVersion answers with its secret's policies). */
  target: string;
  /** `serviceAccount` (act as / tokens / keys) or `secret` (read versions). */
  about: 'serviceAccount' | 'secret';
  grants: GcpGrant[];
  policies: GcpPolicyRead[];
}

/** A binding as stored (service account / project: `condition: {title, expression}`; secret: `condition: title`). */
interface StoredBinding { role?: unknown; members?: unknown; condition?: unknown }

const WI_SA = /^serviceAccount:([^[\]\s/]+\.svc\.id\.goog)\[([^[\]\s/]+)\/([^[\]\s/]+)\]$/;
const WI_PRINCIPAL = /^principal:\/\/iam\.googleapis\.com\/projects\/[^/\s]+\/locations\/global\/workloadIdentityPools\/([^/\s]+\.svc\.id\.goog)\/subject\/ns\/([^/\s]+)\/sa\/([^/\s]+)$/;
const WI_NAMESPACE = /^principalSet:\/\/iam\.googleapis\.com\/projects\/[^/\s]+\/locations\/global\/workloadIdentityPools\/([^/\s]+\.svc\.id\.goog)\/namespace\/([^/\s]+)$/;

/** Parses a policy member (no graph lookups: `id` and `kubernetes.serviceAccounts` are filled by {@link resolvePrincipals}). */
export function parseMember(member: string): GcpPrincipal {
  if (member === 'allUsers' || member === 'allAuthenticatedUsers') return { type: member, name: member };
  let m = WI_SA.exec(member) ?? WI_PRINCIPAL.exec(member);
  if (m) return { type: 'kubernetesServiceAccount', name: `${m[2]}/${m[3]}`, kubernetes: { pool: m[1]!, namespace: m[2]!, name: m[3]!, serviceAccounts: [], workloads: [] } };
  m = WI_NAMESPACE.exec(member);
  if (m) return { type: 'kubernetesNamespace', name: m[2]!, kubernetes: { pool: m[1]!, namespace: m[2]!, serviceAccounts: [], workloads: [] } };
  if (member.startsWith('deleted:')) return { type: 'deleted', name: member.slice('deleted:'.length) };
  if (member.startsWith('principal://')) return { type: 'principal', name: member };
  if (member.startsWith('principalSet://')) return { type: 'principalSet', name: member };
  const i = member.indexOf(':');
  const prefix = i > 0 ? member.slice(0, i) : '';
  const rest = member.slice(i + 1);
  if (prefix === 'user' || prefix === 'group' || prefix === 'domain') return { type: prefix, name: rest };
  if (prefix === 'serviceAccount') return { type: 'serviceAccount', name: rest.toLowerCase() };
  if (prefix === 'projectOwner' || prefix === 'projectEditor' || prefix === 'projectViewer') return { type: 'projectRole', name: member };
  return { type: 'unknown', name: member };
}

const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function conditionOf(c: unknown): GcpGrant['condition'] | undefined {
  if (typeof c === 'string') return { title: c };
  if (typeof c !== 'object' || c === null) return undefined;
  const o = c as Record<string, unknown>;
  return { ...(typeof o.title === 'string' && { title: o.title }), ...(typeof o.expression === 'string' && { expression: o.expression }) };
}

/** Where a policy was read, for {@link policyGrants}. */
export interface PolicySource {
  policy: GcpPolicyLevel;
  policyResource: string;
  policyNode: string;
  /** The permissions of interest on the target (e.g. {@link SERVICE_ACCOUNT_PERMISSIONS}). */
  permissions: readonly GcpAccessPermission[];
  customRoles?: readonly CustomRole[];
  /** Mark Workload Identity principals `direct` (secret reads: the Kubernetes ServiceAccount holds the permission). */
  directWorkloadIdentity?: boolean;
}

/**
 * The grants of one stored policy (`bindings`: `iamBindings` as stored): one per member and binding whose role
 * grants one of `src.permissions`, or whose role is unknown (reported with `permissions: []`, `roleKnown: false`).
 * Pure; principals are parsed, not resolved.
 */
export function policyGrants(bindings: unknown, src: PolicySource): GcpGrant[] {
  const out: GcpGrant[] = [];
  for (const b of (Array.isArray(bindings) ? bindings : []) as StoredBinding[]) {
    if (typeof b?.role !== 'string') continue;
    const exp = expandRole(b.role, src.customRoles);
    const permissions = exp.known ? exp.permissions.filter((p) => src.permissions.includes(p)) : [];
    if (exp.known && !permissions.length) continue;
    const condition = conditionOf(b.condition);
    for (const member of strs(b.members)) {
      const principal = parseMember(member);
      out.push({
        member, principal, permissions, role: b.role, roleKnown: exp.known, ...(exp.known && exp.custom && { customRole: true as const }),
        policy: src.policy, policyResource: src.policyResource, policyNode: src.policyNode,
        ...(condition && { condition }),
        ...(src.directWorkloadIdentity && principal.kubernetes && { direct: true as const }),
      });
    }
  }
  return out;
}

interface NodeRow { node_id: string; kind: string; realm: string; namespace: string | null; name: string; missing: boolean; properties: Record<string, unknown> }

async function nodesById(database: Database, ids: string[], opts: ReadOptions): Promise<Map<string, NodeRow>> {
  if (!ids.length) return new Map();
  const rows = await database.prisma.$queryRaw<NodeRow[]>(bestNodesSql(Prisma.sql`v.node_id IN (${Prisma.join(ids)}) AND ${live('v', opts.asOf)}`));
  return new Map(rows.filter((r) => !r.missing).map((r) => [r.node_id, r]));
}

/** The project node whose `projectNumber` is `number` (null when `number` is not a number or none is stored). */
async function projectByNumber(database: Database, number: string, opts: ReadOptions): Promise<NodeRow | undefined> {
  if (!/^\d{1,20}$/.test(number)) return undefined;
  const rows = await database.prisma.$queryRaw<NodeRow[]>(
    bestNodesSql(Prisma.sql`v.provider = 'gcp' AND v.kind = 'Project' AND v.properties->>'projectNumber' = ${number} AND ${live('v', opts.asOf)}`),
  );
  return rows.find((r) => !r.missing);
}

const customRolesOf = (project: NodeRow | undefined): CustomRole[] => (Array.isArray(project?.properties.customRoles) ? (project!.properties.customRoles as CustomRole[]) : []);

function policyRead(policy: GcpPolicyLevel, resource: string, node: string, row: NodeRow | undefined): GcpPolicyRead {
  const known = Array.isArray(row?.properties.iamBindings);
  const error = typeof row?.properties.iamPolicyError === 'string' ? row.properties.iamPolicyError : undefined;
  return { policy, resource, node, known, ...(error && { error }) };
}

/**
 * Fills `principal.id` (GCP service accounts in the graph) and `principal.kubernetes.serviceAccounts` / `workloads`
 * (Kubernetes ServiceAccounts matching a Workload Identity principal, and what runs as them) in place.
 */
export async function resolvePrincipals(database: Database, grants: GcpGrant[], opts: ReadOptions = {}): Promise<void> {
  const saIds = new Map<string, string>();
  for (const g of grants) {
    if (g.principal.type !== 'serviceAccount') continue;
    const m = /^[^@]+@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/.exec(g.principal.name);
    if (m) saIds.set(g.principal.name, gcpServiceAccountId(m[1]!, g.principal.name));
  }
  const found = await nodesById(database, [...new Set(saIds.values())], opts);
  for (const g of grants) {
    const id = saIds.get(g.principal.name);
    if (g.principal.type === 'serviceAccount' && id && found.has(id)) g.principal.id = id;
  }
  const wanted = grants.filter((g) => g.principal.kubernetes);
  if (!wanted.length) return;
  const namespaces = [...new Set(wanted.map((g) => g.principal.kubernetes!.namespace))];
  const ksas = await database.prisma.$queryRaw<NodeRow[]>(
    bestNodesSql(Prisma.sql`v.provider = 'k8s' AND v.kind = 'ServiceAccount' AND v.namespace IN (${Prisma.join(namespaces)}) AND ${live('v', opts.asOf)}`),
  );
  const present = ksas.filter((k) => !k.missing);
  const byNs = new Map<string, string[]>();
  for (const k of present) byNs.set(k.namespace ?? '', [...(byNs.get(k.namespace ?? '') ?? []), k.node_id]);
  const allKsa = present.map((k) => k.node_id);
  const runs = allKsa.length
    ? await database.prisma.$queryRaw<{ from_id: string; to_id: string }[]>(
        mergedEdgesSql(Prisma.sql`v.kind = 'RUNS_AS' AND v.to_id IN (${Prisma.join(allKsa)}) AND ${live('v', opts.asOf)}`),
      )
    : [];
  for (const g of wanted) {
    const k = g.principal.kubernetes!;
    const sas = (byNs.get(k.namespace) ?? []).filter((id) => k.name === undefined || parseId(id)?.name === k.name).sort();
    k.serviceAccounts = sas;
    k.workloads = [...new Set(runs.filter((r) => sas.includes(r.to_id)).map((r) => r.from_id))].sort();
  }
}

const grantKey = (g: GcpGrant) => `${g.policy === 'resource' ? 0 : 1}\u0000${g.principal.type}\u0000${g.member}\u0000${g.role}`;

/**
 * Who can act as GCP service account `id` (`gcp:P/ServiceAccount/EMAIL`) or read Secret Manager secret `id`
 * (`gcp:P/Secret/S`, or a version `gcp:P/SecretVersion/S@N`: IAM roles cannot be granted on a version, its secret's
 * policy applies), from the resource's and the project's stored policies. Null for any other id. Grants sorted:
 * resource policy first, then by principal type, member, role. Errors: database errors propagate.
 */
export async function gcpAccess(database: Database, id: string, opts: ReadOptions = {}): Promise<GcpAccess | null> {
  const p = parseId(id);
  if (!p || p.provider !== 'gcp') return null;
  let about: GcpAccess['about'];
  let resourceNode: string;
  let resource: (row: NodeRow | undefined) => string;
  if (p.kind === 'ServiceAccount') {
    about = 'serviceAccount';
    resourceNode = id;
    resource = () => `projects/${p.realm}/serviceAccounts/${p.name}`;
  } else if (p.kind === 'Secret' || p.kind === 'SecretVersion') {
    about = 'secret';
    const secret = p.kind === 'Secret' ? p.name : p.name.slice(0, p.name.lastIndexOf('@'));
    if (!secret) return null;
    resourceNode = `gcp:${p.realm}/Secret/${secret}`;
    resource = (row) => (typeof row?.properties.resourceName === 'string' ? row.properties.resourceName : `projects/${p.realm}/secrets/${secret}`);
  } else return null;
  const rows = await nodesById(database, [resourceNode, gcpProjectId(p.realm)], opts);
  const own = rows.get(resourceNode);
  // The project by id, else by number (Secret Manager files name the project by number).
  const project = rows.get(gcpProjectId(p.realm)) ?? (await projectByNumber(database, p.realm, opts));
  const projectNode = project?.node_id ?? gcpProjectId(p.realm);
  const projectResource = `projects/${project?.realm ?? p.realm}`;
  const permissions = about === 'serviceAccount' ? SERVICE_ACCOUNT_PERMISSIONS : SECRET_PERMISSIONS;
  const customRoles = customRolesOf(project);
  const common = { permissions, customRoles, directWorkloadIdentity: about === 'secret' };
  const grants = [
    ...policyGrants(own?.properties.iamBindings, { ...common, policy: 'resource', policyResource: resource(own), policyNode: resourceNode }),
    ...policyGrants(project?.properties.iamBindings, { ...common, policy: 'project', policyResource: projectResource, policyNode: projectNode }),
  ].sort((a, b) => grantKey(a).localeCompare(grantKey(b)));
  await resolvePrincipals(database, grants, opts);
  return {
    provider: 'gcp', target: id, about, grants,
    policies: [policyRead('resource', resource(own), resourceNode, own), policyRead('project', projectResource, projectNode, project)],
  };
}

/** Every GCP grant of every stored policy (service accounts, secrets, projects), for the `access` export. */
export interface GcpPolicyGrants {
  /** The node the policy is on (a project's grants apply to every service account and secret of it). */
  target: string;
  grant: GcpGrant;
}

/**
 * Every grant of the stored service account, secret and project policies (optionally of one project), principals
 * resolved. A project policy's grants are listed once, on the project (they reach every service account and secret
 * of it), with the permissions of both families. Sorted by target, then as {@link gcpAccess}.
 */
export async function allGcpGrants(database: Database, opts: ReadOptions & { realm?: string } = {}): Promise<GcpPolicyGrants[]> {
  const where = Prisma.sql`v.provider = 'gcp' AND v.kind IN ('ServiceAccount', 'Secret', 'Project') AND ${live('v', opts.asOf)}${opts.realm !== undefined ? Prisma.sql` AND v.realm = ${opts.realm}` : Prisma.empty}`;
  const rows = (await database.prisma.$queryRaw<NodeRow[]>(bestNodesSql(where))).filter((r) => !r.missing && Array.isArray(r.properties.iamBindings));
  const projects = new Map<string, NodeRow>();
  for (const r of rows.filter((x) => x.kind === 'Project')) {
    projects.set(r.realm, r);
    if (typeof r.properties.projectNumber === 'string') projects.set(r.properties.projectNumber, r);
  }
  const out: GcpPolicyGrants[] = [];
  for (const r of rows) {
    const customRoles = customRolesOf(projects.get(r.realm));
    const src: PolicySource =
      r.kind === 'Project'
        ? { policy: 'project', policyResource: `projects/${r.realm}`, policyNode: r.node_id, permissions: GCP_ACCESS_PERMISSIONS, customRoles }
        : r.kind === 'ServiceAccount'
          ? { policy: 'resource', policyResource: `projects/${r.realm}/serviceAccounts/${r.name}`, policyNode: r.node_id, permissions: SERVICE_ACCOUNT_PERMISSIONS, customRoles }
          : {
              policy: 'resource', policyResource: typeof r.properties.resourceName === 'string' ? r.properties.resourceName : `projects/${r.realm}/secrets/${r.name}`,
              policyNode: r.node_id, permissions: SECRET_PERMISSIONS, customRoles, directWorkloadIdentity: true,
            };
    for (const grant of policyGrants(r.properties.iamBindings, src).sort((a, b) => grantKey(a).localeCompare(grantKey(b)))) {
      // On a project policy, a Workload Identity principal holding secret access holds it directly.
      if (r.kind === 'Project' && grant.principal.kubernetes && grant.permissions.some((x) => SECRET_PERMISSIONS.includes(x))) grant.direct = true;
      out.push({ target: r.node_id, grant });
    }
  }
  await resolvePrincipals(database, out.map((o) => o.grant), opts);
  return out;
}

/** Label of a principal type, for people. */
export const PRINCIPAL_LABELS: Record<GcpPrincipalType, string> = {
  user: 'user', group: 'group', serviceAccount: 'service account', domain: 'domain', allUsers: 'anyone (allUsers)',
  allAuthenticatedUsers: 'any Google account (allAuthenticatedUsers)', deleted: 'deleted principal',
  kubernetesServiceAccount: 'Kubernetes ServiceAccount (Workload Identity)', kubernetesNamespace: 'every Kubernetes ServiceAccount of a namespace (Workload Identity)',
  principal: 'federated principal', principalSet: 'federated principal set', projectRole: 'project role holders', unknown: 'member',
};

/** One line for a GCP grant: `group deployers@acme.example: iam.serviceAccounts.actAs via roles/iam.serviceAccountUser on projects/p (conditional)`. */
export function describeGcpGrant(g: GcpGrant): string {
  const who = `${PRINCIPAL_LABELS[g.principal.type]} ${g.principal.name}`;
  const what = g.roleKnown ? g.permissions.join(', ') : 'unknown role (permissions not known)';
  const tail = [g.condition ? 'conditional' : '', g.direct ? 'granted directly to the Kubernetes ServiceAccount (no GCP service account)' : ''].filter(Boolean).join('; ');
  return `${who}: ${what} via ${g.role} on ${g.policy} policy ${g.policyResource}${tail ? ` (${tail})` : ''}`;
}
