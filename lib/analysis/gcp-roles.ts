/**
 * GCP IAM roles as data: which of the permissions keygraph reasons about (acting as a service account, minting its
 * tokens or keys, reading Secret Manager payloads) each role grants. The one place that expands a role.
 *
 * Source: Google Cloud "IAM basic and predefined roles reference" (cloud.google.com/iam/docs/roles-permissions and
 * its pages per service: iam, secretmanager; read 2026-12-04). Only the permissions in {@link GCP_ACCESS_PERMISSIONS}
 * are recorded; a role listed with `[]` is known to grant none of them (so it is not reported). Notes:
 * - roles/owner grants every permission; roles/editor grants `iam.serviceAccounts.actAs` and
 *   `iam.serviceAccountKeys.create` (and `secretmanager.versions.access`), not the token permissions
 *   (`getAccessToken`, `getOpenIdToken`, `implicitDelegation`, `signBlob`, `signJwt`: those need
 *   roles/iam.serviceAccountTokenCreator or roles/owner) and not `setIamPolicy`.
 * - roles/iam.serviceAccountAdmin does not grant `actAs`, but grants `iam.serviceAccounts.setIamPolicy`: it can give
 *   itself (or anyone) any role on the service account.
 * - roles/iam.workloadIdentityUser grants `getAccessToken` and `getOpenIdToken` (what GKE Workload Identity uses).
 *
 * A role not in the table and not a collected custom role is *unknown*: its grants are reported with
 * `permissions: []` and `roleKnown: false`, never dropped. Custom roles (`projects/P/roles/R`,
 * `organizations/O/roles/R`) are expanded from their `includedPermissions` when an IAM `roles.list` response was
 * collected (collectors/gcp-iam: project property `customRoles`).
 */

/** The permissions keygraph reports, in display order. */
export const GCP_ACCESS_PERMISSIONS = [
  'iam.serviceAccounts.actAs',
  'iam.serviceAccounts.getAccessToken',
  'iam.serviceAccounts.getOpenIdToken',
  'iam.serviceAccounts.implicitDelegation',
  'iam.serviceAccounts.signBlob',
  'iam.serviceAccounts.signJwt',
  'iam.serviceAccountKeys.create',
  'iam.serviceAccounts.setIamPolicy',
  'secretmanager.versions.access',
  'secretmanager.secrets.setIamPolicy',
] as const;
export type GcpAccessPermission = (typeof GCP_ACCESS_PERMISSIONS)[number];

/** Permissions that let a principal act as, or obtain credentials of, a GCP service account. */
export const SERVICE_ACCOUNT_PERMISSIONS: readonly GcpAccessPermission[] = GCP_ACCESS_PERMISSIONS.filter((p) => p.startsWith('iam.'));
/** Permissions that let a principal read (or grant reading of) a Secret Manager secret's versions. */
export const SECRET_PERMISSIONS: readonly GcpAccessPermission[] = ['secretmanager.versions.access', 'secretmanager.secrets.setIamPolicy'];

const ALL = GCP_ACCESS_PERMISSIONS;
const TOKEN: GcpAccessPermission[] = [
  'iam.serviceAccounts.getAccessToken', 'iam.serviceAccounts.getOpenIdToken', 'iam.serviceAccounts.implicitDelegation',
  'iam.serviceAccounts.signBlob', 'iam.serviceAccounts.signJwt',
];

/** Predefined and basic roles → the permissions of {@link GCP_ACCESS_PERMISSIONS} they include. */
export const PREDEFINED_ROLES: Readonly<Record<string, readonly GcpAccessPermission[]>> = {
  'roles/owner': ALL,
  'roles/editor': ['iam.serviceAccounts.actAs', 'iam.serviceAccountKeys.create', 'secretmanager.versions.access'],
  'roles/viewer': [],
  'roles/browser': [],
  'roles/iam.serviceAccountUser': ['iam.serviceAccounts.actAs'],
  'roles/iam.serviceAccountTokenCreator': TOKEN,
  'roles/iam.serviceAccountOpenIdTokenCreator': ['iam.serviceAccounts.getOpenIdToken'],
  'roles/iam.workloadIdentityUser': ['iam.serviceAccounts.getAccessToken', 'iam.serviceAccounts.getOpenIdToken'],
  'roles/iam.serviceAccountKeyAdmin': ['iam.serviceAccountKeys.create'],
  'roles/iam.serviceAccountAdmin': ['iam.serviceAccounts.setIamPolicy'],
  'roles/iam.securityAdmin': ['iam.serviceAccounts.setIamPolicy', 'secretmanager.secrets.setIamPolicy'],
  'roles/iam.securityReviewer': [],
  'roles/iam.serviceAccountViewer': [],
  'roles/secretmanager.secretAccessor': ['secretmanager.versions.access'],
  'roles/secretmanager.admin': ['secretmanager.versions.access', 'secretmanager.secrets.setIamPolicy'],
  'roles/secretmanager.viewer': [],
  'roles/secretmanager.secretVersionAdder': [],
  'roles/secretmanager.secretVersionManager': [],
  'roles/logging.logWriter': [],
  'roles/monitoring.metricWriter': [],
  'roles/monitoring.viewer': [],
};

/** A custom role as collected: its name and the permissions of {@link GCP_ACCESS_PERMISSIONS} it includes. */
export interface CustomRole {
  /** `projects/P/roles/R` or `organizations/O/roles/R`. */
  name: string;
  title?: string;
  permissions: GcpAccessPermission[];
  /** True when the role is deleted (`deleted: true` in `roles.list`): it grants nothing. */
  deleted?: boolean;
}

/** What a role grants: the known permissions, or `known: false` when keygraph has no data for it. */
export type RoleExpansion = { known: true; permissions: GcpAccessPermission[]; custom?: true } | { known: false };

/**
 * Expands `role` (a binding's `role`) to the permissions of {@link GCP_ACCESS_PERMISSIONS} it grants: the
 * predefined table, else `customRoles` (by name). `known: false` for anything else (a predefined role the table does
 * not list, a custom role not collected).
 */
export function expandRole(role: string, customRoles: readonly CustomRole[] = []): RoleExpansion {
  if (Object.prototype.hasOwnProperty.call(PREDEFINED_ROLES, role)) return { known: true, permissions: [...PREDEFINED_ROLES[role]!] };
  const c = customRoles.find((r) => r.name === role);
  if (c) return { known: true, permissions: c.deleted ? [] : [...c.permissions], custom: true };
  return { known: false };
}

/** The permissions of {@link GCP_ACCESS_PERMISSIONS} among `includedPermissions` (other strings ignored), in order. */
export function relevantPermissions(included: unknown): GcpAccessPermission[] {
  const set = new Set(Array.isArray(included) ? included.filter((p): p is string => typeof p === 'string') : []);
  return GCP_ACCESS_PERMISSIONS.filter((p) => set.has(p));
}

/**
 * Parses an IAM `roles.list` / `roles.get` role (`{name, title?, includedPermissions[], deleted?}`) of a custom
 * role. Null when `name` is not `projects/P/roles/R` or `organizations/O/roles/R`, or when `includedPermissions` is
 * absent (`gcloud iam roles list` without `--show-deleted`/`describe` prints no permissions: unknown, not "none").
 */
export function parseCustomRole(r: unknown): (CustomRole & { project?: string }) | null {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return null;
  const o = r as Record<string, unknown>;
  const name = typeof o.name === 'string' ? o.name : '';
  const m = /^(projects|organizations)\/([a-z0-9.:-]{1,100})\/roles\/([A-Za-z0-9_.]{1,64})$/.exec(name);
  if (!m || (!Array.isArray(o.includedPermissions) && o.deleted !== true)) return null;
  return {
    name,
    ...(typeof o.title === 'string' && { title: o.title.slice(0, 200) }),
    permissions: relevantPermissions(o.includedPermissions),
    ...(o.deleted === true && { deleted: true }),
    ...(m[1] === 'projects' && { project: m[2]! }),
  };
}
