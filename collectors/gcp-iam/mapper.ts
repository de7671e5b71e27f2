/**
 * Pure mapping of GCP IAM REST shapes to keygraph records (no I/O). Used by the live collector (live.ts) and by the
 * file collector (files.ts).
 *
 * Inputs (IAM API v1 and Policy Analyzer v1 REST resources, as JSON):
 * - ServiceAccount (`GET /v1/projects/P/serviceAccounts` → `accounts[]`): `{name: 'projects/P/serviceAccounts/EMAIL',
 *   projectId, uniqueId, email, displayName, description, disabled, oauth2ClientId, etag}`
 *   → node `gcp:ServiceAccount`, id `gcp:P/ServiceAccount/EMAIL` (ids.gcpServiceAccountId).
 * - ServiceAccountKey (`GET /v1/projects/P/serviceAccounts/EMAIL/keys` → `keys[]`):
 *   `{name: 'projects/P/serviceAccounts/EMAIL/keys/KEYID', keyType, keyOrigin, keyAlgorithm, validAfterTime,
 *   validBeforeTime, disabled}` → node `gcp:ServiceAccountKey`, id `gcp:P/ServiceAccountKey/KEYID`
 *   (ids.gcpKeyId), plus an edge `HAS_KEY` service account → key. `privateKeyData` / `publicKeyData` (present in a
 *   `keys.create` / `keys.get?publicKeyType=…` response or an asset export) are never read or copied: only the
 *   fields listed here are.
 * - Policy (`POST /v1/projects/P/serviceAccounts/EMAIL:getIamPolicy`): `{version, etag, bindings: [{role,
 *   members[], condition?}]}` → properties `iamBindings` and `workloadIdentityMembers` on the service account node.
 *   No `ACTS_AS` edge is made here: the pool `P.svc.id.goog` does not name a cluster, so a cross-source linker joins
 *   `workloadIdentityMembers` with Kubernetes ServiceAccount nodes (see {@link parseWorkloadIdentityMember}).
 * - Project IAM policy (`POST cloudresourcemanager /v1/projects/P:getIamPolicy`, `gcloud projects get-iam-policy P`):
 *   the same policy shape → node `gcp:Project` (id `gcp:P/Project/P`, ids.gcpProjectId) with `iamBindings`.
 * - Custom roles (`GET /v1/projects/P/roles?view=FULL` → `roles[]`, `gcloud iam roles list --project P`):
 *   `{name: 'projects/P/roles/R', title, includedPermissions[], deleted?}` → `customRoles` on the project node, only
 *   the permissions lib/analysis/gcp-roles.ts reasons about (other permissions are not kept).
 * - Policy Analyzer activities (`GET /v1/projects/P/locations/global/activityTypes/TYPE/activities:query` →
 *   `activities[]`): `{activityType, fullResourceName, activity: {lastAuthenticatedTime, serviceAccount |
 *   serviceAccountKey: {fullResourceName, projectNumber, serviceAccountId}}, observationPeriod}` with TYPE
 *   `serviceAccountKeyLastAuthentication` (fullResourceName
 *   `//iam.googleapis.com/projects/P/serviceAccounts/UNIQUEID_OR_EMAIL/keys/KEYID`) or
 *   `serviceAccountLastAuthentication` (`//iam.googleapis.com/projects/P/serviceAccounts/UNIQUEID_OR_EMAIL`)
 *   → `lastAuthenticatedAt` on the key / service account node.
 *
 * Node properties:
 * - `gcp:ServiceAccount`: `{displayName?, description?, disabled, uniqueId?, userManaged, iamBindings?,
 *   workloadIdentityMembers?, iamPolicyError?, lastAuthenticatedAt?, lastUseCovered}`. `iamBindings` /
 *   `workloadIdentityMembers` are absent when the policy was not read (unknown), `[]` when it was read and is empty;
 *   `iamPolicyError` says why it could not be read.
 * - `gcp:Project`: `{iamBindings?, iamPolicyError?, customRoles?: [{name, title?, permissions, deleted?}],
 *   projectNumber?}`; `iamBindings` absent: the project policy was not read.
 * - `gcp:ServiceAccountKey`: `{serviceAccount, keyType?, keyOrigin?, keyAlgorithm?, validAfterTime?,
 *   validBeforeTime?, disabled, lastAuthenticatedAt?, lastUseCovered}`.
 * - `lastUseCovered` is true only when the Policy Analyzer query of that activity type succeeded for the project
 *   (all pages). Then a node without `lastAuthenticatedAt` had no authentication in the observation window
 *   ("unused"); when false, last use is unknown (the UI must say "unknown", never "unused").
 * Timestamps are normalised to ISO 8601 UTC (`Date#toISOString`).
 */
import { parseCustomRole, type CustomRole } from '../../lib/analysis/gcp-roles';
import { gcpKeyId, gcpProjectId, gcpServiceAccountId } from '../../lib/graph/ids';
import type { EdgeRecord, NodeRecord } from '../../lib/graph/records';

/** IAM `projects.serviceAccounts` resource (the fields keygraph reads). */
export interface GcpServiceAccount {
  /** `projects/PROJECT_ID/serviceAccounts/EMAIL` (`projects/-/…` is not returned by the API). */
  name?: string;
  projectId?: string;
  uniqueId?: string;
  email?: string;
  displayName?: string;
  description?: string;
  disabled?: boolean;
  oauth2ClientId?: string;
  etag?: string;
}

/** IAM `projects.serviceAccounts.keys` resource (the fields keygraph reads; key material never is). */
export interface GcpServiceAccountKey {
  /** `projects/PROJECT_ID/serviceAccounts/EMAIL/keys/KEY_ID`. */
  name?: string;
  /** `USER_MANAGED` | `SYSTEM_MANAGED`. */
  keyType?: string;
  /** `USER_PROVIDED` | `GOOGLE_PROVIDED`. */
  keyOrigin?: string;
  /** `KEY_ALG_RSA_1024` | `KEY_ALG_RSA_2048` | … */
  keyAlgorithm?: string;
  validAfterTime?: string;
  validBeforeTime?: string;
  disabled?: boolean;
}

/** An IAM policy binding (`Policy.bindings[]`). */
export interface GcpIamBinding {
  role?: string;
  members?: string[];
  condition?: { title?: string; description?: string; expression?: string };
}

/** An IAM policy (`getIamPolicy` response). */
export interface GcpIamPolicy {
  version?: number;
  etag?: string;
  bindings?: GcpIamBinding[];
}

/** A binding as kept on the service account node. `condition` only for conditional bindings (policy version 3). */
export interface IamBindingProperty {
  role: string;
  members: string[];
  condition?: { title?: string; expression?: string };
}

/** A Workload Identity grant read from a `roles/iam.workloadIdentityUser` binding of a service account. */
export interface WorkloadIdentityMemberProperty {
  /** Workload identity pool, `PROJECT_ID.svc.id.goog`. */
  pool: string;
  /** Kubernetes namespace. */
  namespace: string;
  /** Kubernetes ServiceAccount name. */
  ksa: string;
  /** The member string as written in the policy. */
  member: string;
  /** True when the binding has a condition (it may not apply to every request). */
  conditional?: boolean;
}

/** Result of {@link parseWorkloadIdentityMember}. */
export interface ParsedWorkloadIdentityMember {
  /** `PROJECT_ID.svc.id.goog` (the project that hosts the pool: the cluster's, or the fleet host project). */
  pool: string;
  /** The pool's project id (`pool` without `.svc.id.goog`). */
  project: string;
  namespace: string;
  ksa: string;
}

/** Policy Analyzer activity types keygraph queries. */
export const ACTIVITY_TYPES = {
  key: 'serviceAccountKeyLastAuthentication',
  serviceAccount: 'serviceAccountLastAuthentication',
} as const;

/** The role that lets a Kubernetes ServiceAccount act as a GCP service account (GKE Workload Identity). */
export const WORKLOAD_IDENTITY_USER_ROLE = 'roles/iam.workloadIdentityUser';

/** A Policy Analyzer activity, parsed by {@link parseActivity}. */
export type ParsedActivity =
  | { type: 'key'; project: string; account: string; keyId: string; lastAuthenticatedAt: string }
  | { type: 'serviceAccount'; project: string; account: string; lastAuthenticatedAt: string };

const SA_NAME = /^projects\/([^/]+)\/serviceAccounts\/([^/]+)$/;
const KEY_NAME = /^projects\/([^/]+)\/serviceAccounts\/([^/]+)\/keys\/([^/]+)$/;
const IAM_FULL = '//iam.googleapis.com/';

/**
 * Parses `projects/P/serviceAccounts/ACCOUNT` (ACCOUNT is an email or a unique id). Also accepts the full resource
 * name form `//iam.googleapis.com/projects/P/serviceAccounts/ACCOUNT`. Null for anything else (including
 * `projects/-/…`, whose project is unknown).
 */
export function parseServiceAccountName(name: unknown): { project: string; account: string } | null {
  if (typeof name !== 'string') return null;
  const m = SA_NAME.exec(name.startsWith(IAM_FULL) ? name.slice(IAM_FULL.length) : name);
  if (!m || m[1] === '-' || !validSegment(m[1]!) || !validSegment(m[2]!)) return null;
  return { project: m[1]!, account: m[2]! };
}

/**
 * Parses `projects/P/serviceAccounts/ACCOUNT/keys/KEY_ID` (or the `//iam.googleapis.com/…` full resource name).
 * Null for anything else.
 */
export function parseKeyName(name: unknown): { project: string; account: string; keyId: string } | null {
  if (typeof name !== 'string') return null;
  const m = KEY_NAME.exec(name.startsWith(IAM_FULL) ? name.slice(IAM_FULL.length) : name);
  if (!m || m[1] === '-' || ![m[1]!, m[2]!, m[3]!].every(validSegment)) return null;
  return { project: m[1]!, account: m[2]!, keyId: m[3]! };
}

/**
 * The project of a service account: from `name` (`projects/P/…`), else the `projectId` field, else the email's
 * domain when it is `ACCOUNT@P.iam.gserviceaccount.com`. Null when none says (e.g. a default compute service
 * account `N-compute@developer.gserviceaccount.com` with neither name nor projectId).
 */
export function serviceAccountProject(sa: GcpServiceAccount): string | null {
  const fromName = parseServiceAccountName(sa.name)?.project;
  if (fromName) return fromName;
  if (typeof sa.projectId === 'string' && validSegment(sa.projectId)) return sa.projectId;
  const m = typeof sa.email === 'string' ? /^[^@]+@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/i.exec(sa.email) : null;
  return m ? m[1]!.toLowerCase() : null;
}

/** Email domains of Google-managed service agents that do not start with `gcp-sa-`. */
const SERVICE_AGENT_DOMAINS = new Set([
  'cloudservices.gserviceaccount.com',
  'cloudbuild.gserviceaccount.com',
  'compute-system.iam.gserviceaccount.com',
  'container-engine-robot.iam.gserviceaccount.com',
  'containerregistry.iam.gserviceaccount.com',
  'serverless-robot-prod.iam.gserviceaccount.com',
  'dataflow-service-producer-prod.iam.gserviceaccount.com',
  'dataproc-accounts.iam.gserviceaccount.com',
  'cloudcomposer-accounts.iam.gserviceaccount.com',
  'container-analysis.iam.gserviceaccount.com',
  'cloud-ml.google.com.iam.gserviceaccount.com',
  'gae-api-prod.google.com.iam.gserviceaccount.com',
  'firebase-rules.iam.gserviceaccount.com',
  'sourcerepo-service-accounts.iam.gserviceaccount.com',
  'cloud-redis.iam.gserviceaccount.com',
  'cloud-tpu.iam.gserviceaccount.com',
  'remotebuildexecution.iam.gserviceaccount.com',
]);

/**
 * Whether a service account is user-managed (created by a user, or a default service account users manage such as
 * the Compute Engine default `N-compute@developer.gserviceaccount.com` and the App Engine default
 * `P@appspot.gserviceaccount.com`) rather than a Google-managed service agent (`…@gcp-sa-*.iam.gserviceaccount.com`,
 * `service-N@…`, `N@cloudservices.gserviceaccount.com`, `N@cloudbuild.gserviceaccount.com`, …).
 * An email in the project's own domain (`…@P.iam.gserviceaccount.com`) is always user-managed.
 */
export function isUserManagedServiceAccount(email: string, project?: string | null): boolean {
  const at = email.lastIndexOf('@');
  if (at < 0) return true;
  const local = email.slice(0, at).toLowerCase();
  const domain = email.slice(at + 1).toLowerCase();
  if (project && domain === `${project.toLowerCase()}.iam.gserviceaccount.com`) return true;
  if (domain === 'developer.gserviceaccount.com' || domain === 'appspot.gserviceaccount.com') return true;
  if (/^gcp-sa-[a-z0-9-]+\.iam\.gserviceaccount\.com$/.test(domain)) return false;
  if (SERVICE_AGENT_DOMAINS.has(domain)) return false;
  // User-created account ids start with a letter; `N@…` and `service-N@…` / `service-org-N@…` are agents.
  if (domain.endsWith('.gserviceaccount.com') && /^(?:\d+|service-(?:org-)?\d+)$/.test(local)) return false;
  return true;
}

/**
 * Parses a GKE Workload Identity member:
 * - `serviceAccount:PROJECT_ID.svc.id.goog[NAMESPACE/KSA]` (the form `roles/iam.workloadIdentityUser` bindings use);
 * - `principal://iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/PROJECT_ID.svc.id.goog/subject/ns/NAMESPACE/sa/KSA`
 *   (Workload Identity Federation for GKE principal identifiers).
 * Returns `{pool, project, namespace, ksa}` or null for anything else (users, groups, other service accounts,
 * non-GKE workload identity pools such as GitHub ones, `deleted:` members, malformed strings).
 * The pool names the project, not a cluster: every cluster of the project (or fleet) shares it.
 */
export function parseWorkloadIdentityMember(member: string): ParsedWorkloadIdentityMember | null {
  if (typeof member !== 'string' || member.length > 1024) return null;
  let m = /^serviceAccount:([^[\]\s/]+\.svc\.id\.goog)\[([^[\]\s/]+)\/([^[\]\s/]+)\]$/.exec(member);
  if (!m) {
    m = /^principal:\/\/iam\.googleapis\.com\/projects\/[^/\s]+\/locations\/global\/workloadIdentityPools\/([^/\s]+\.svc\.id\.goog)\/subject\/ns\/([^/\s]+)\/sa\/([^/\s]+)$/.exec(
      member,
    );
  }
  if (!m) return null;
  const pool = m[1]!;
  const project = pool.slice(0, -'.svc.id.goog'.length);
  const namespace = m[2]!;
  const ksa = m[3]!;
  if (!project || !isDnsName(namespace) || !isDnsName(ksa)) return null;
  return { pool, project, namespace, ksa };
}

/**
 * Node properties from a service account's IAM policy: every binding as `iamBindings: [{role, members,
 * condition?}]` (who may act as / administer it), and the GKE Workload Identity grants of
 * `roles/iam.workloadIdentityUser` as `workloadIdentityMembers: [{pool, namespace, ksa, member, conditional?}]`.
 * Only `role`, `members` and the condition's `title`/`expression` are read.
 */
export function policyProperties(policy: unknown): {
  iamBindings: IamBindingProperty[];
  workloadIdentityMembers: WorkloadIdentityMemberProperty[];
} {
  const iamBindings: IamBindingProperty[] = [];
  const workloadIdentityMembers: WorkloadIdentityMemberProperty[] = [];
  const bindings = isObject(policy) && Array.isArray(policy.bindings) ? policy.bindings : [];
  for (const b of bindings) {
    if (!isObject(b) || typeof b.role !== 'string') continue;
    const members = Array.isArray(b.members) ? b.members.filter((x): x is string => typeof x === 'string') : [];
    const binding: IamBindingProperty = { role: b.role, members };
    const cond = isObject(b.condition) ? b.condition : null;
    if (cond) {
      binding.condition = {};
      if (typeof cond.title === 'string') binding.condition.title = cond.title;
      if (typeof cond.expression === 'string') binding.condition.expression = cond.expression;
    }
    iamBindings.push(binding);
    if (b.role !== WORKLOAD_IDENTITY_USER_ROLE) continue;
    for (const member of members) {
      const p = parseWorkloadIdentityMember(member);
      if (!p) continue;
      const w: WorkloadIdentityMemberProperty = { pool: p.pool, namespace: p.namespace, ksa: p.ksa, member };
      if (cond) w.conditional = true;
      workloadIdentityMembers.push(w);
    }
  }
  return { iamBindings, workloadIdentityMembers };
}

/**
 * Parses one Policy Analyzer activity (`activities[]` of an `activities:query` response, or one element of
 * `gcloud policy-intelligence query-activity --format=json`). The type comes from `activityType`, else from the
 * shape of `fullResourceName`; the time from `activity.lastAuthenticatedTime`. Null when it is neither type or has
 * no valid time.
 */
export function parseActivity(a: unknown): ParsedActivity | null {
  if (!isObject(a)) return null;
  const inner = isObject(a.activity) ? a.activity : {};
  const time = isoTime(inner.lastAuthenticatedTime);
  if (!time) return null;
  const keyRef = isObject(inner.serviceAccountKey) ? inner.serviceAccountKey.fullResourceName : undefined;
  const saRef = isObject(inner.serviceAccount) ? inner.serviceAccount.fullResourceName : undefined;
  const type = a.activityType;
  if (type === ACTIVITY_TYPES.key || (type === undefined && parseKeyName(a.fullResourceName ?? keyRef))) {
    const k = parseKeyName(a.fullResourceName) ?? parseKeyName(keyRef);
    return k ? { type: 'key', project: k.project, account: k.account, keyId: k.keyId, lastAuthenticatedAt: time } : null;
  }
  if (type === ACTIVITY_TYPES.serviceAccount || (type === undefined && parseServiceAccountName(a.fullResourceName ?? saRef))) {
    const s = parseServiceAccountName(a.fullResourceName) ?? parseServiceAccountName(saRef);
    return s ? { type: 'serviceAccount', project: s.project, account: s.account, lastAuthenticatedAt: time } : null;
  }
  return null;
}

/** Options of {@link createGcpIamMapper}. */
export interface GcpIamMapperOptions {
  /** Project used when an object does not say (a key whose `name` lacks it never happens with the REST API). */
  project?: string;
  /** Called for objects that cannot be mapped (no email, malformed name…). Never given object content. */
  onWarning?: (message: string) => void;
}

/** Accumulates the IAM objects of one project (or several) and builds records. See {@link createGcpIamMapper}. */
export interface GcpIamMapper {
  /** Adds a service account. Returns its node id, or null (with a warning) when it has no usable email/project. */
  addServiceAccount(sa: unknown): string | null;
  /**
   * Adds a key. `serviceAccountEmail` (the account whose `keys.list` returned it) wins over the account segment of
   * the key's `name`. Returns the key node id or null. Key material fields are ignored.
   */
  addKey(key: unknown, serviceAccountEmail?: string): string | null;
  /** Records that the keys of this service account (email or unique id) were listed completely (possibly none). */
  markKeysListed(project: string, account: string): void;
  /** Sets the IAM policy of a service account (email or unique id, in `project`). Applied in `finish` (the account
   * may be added later); a policy whose account never is gets a warning there and is dropped. */
  setPolicy(project: string, account: string, policy: unknown): boolean;
  /** Records that a service account's policy could not be read (`iamPolicyError`; bindings stay unknown). */
  setPolicyError(project: string, account: string, message: string): void;
  /** Sets the IAM policy of project `project` (id or number, as the caller names it). */
  setProjectPolicy(project: string, policy: unknown): void;
  /** Records that a project's IAM policy could not be read (`iamPolicyError` on the project node). */
  setProjectPolicyError(project: string, message: string): void;
  /** Adds a custom role (`roles.list` element). Returns its project, or null when it is not a project custom role. */
  addCustomRole(role: unknown): string | null;
  /** Records a project's number (`projects.get` / `gcloud projects describe` `projectNumber`, CAI asset name). */
  setProjectNumber(project: string, projectNumber: string): void;
  /** Projects whose IAM policy was set (read successfully). */
  projectPolicies(): string[];
  /** Projects with custom roles or a number but neither a policy nor a policy error. */
  projectsWithoutPolicy(): string[];
  /** Adds a Policy Analyzer activity (raw). False when it is not a usable activity. */
  addActivity(activity: unknown): boolean;
  /** Sets `lastUseCovered` per activity type for a project (default false). */
  setLastUseCovered(project: string, type: 'key' | 'serviceAccount', covered: boolean): void;
  /** Whether a service account (email or unique id) of `project` has been added. */
  hasAccount(project: string, account: string): boolean;
  /** Projects seen so far (of service accounts and keys). */
  projects(): string[];
  /** Service account emails (lower-case) of a project, and which of them had their keys listed. */
  keyListing(project: string): { accounts: string[]; listed: Set<string> };
  /** Nodes and edges, optionally only of one project. */
  finish(project?: string): { nodes: NodeRecord[]; edges: EdgeRecord[] };
}

interface SaEntry {
  project: string;
  email: string;
  uniqueId?: string;
  props: Record<string, unknown>;
  policy?: { iamBindings: IamBindingProperty[]; workloadIdentityMembers: WorkloadIdentityMemberProperty[] };
  policyError?: string;
  lastAuthenticatedAt?: string;
}

interface KeyEntry {
  project: string;
  keyId: string;
  /** Email, or unique id until resolved at finish. */
  account: string;
  props: Record<string, unknown>;
  lastAuthenticatedAt?: string;
}

/**
 * Creates a mapper. Objects may arrive in any order (keys before their account, activities before either); the
 * joins (unique id → email, activity → node) happen in `finish`. Service accounts and keys are de-duplicated by id
 * (the last one added wins).
 */
export function createGcpIamMapper(opts: GcpIamMapperOptions = {}): GcpIamMapper {
  const warn = opts.onWarning ?? (() => {});
  const accounts = new Map<string, SaEntry>(); // `${project}/${email}`
  const byUniqueId = new Map<string, SaEntry>(); // `${project}/${uniqueId}`
  const keys = new Map<string, KeyEntry>(); // `${project}/${keyId}`
  const keysListed = new Map<string, Set<string>>(); // project → account refs (email or unique id, lower-case)
  const pendingPolicies: Array<{ project: string; account: string; policy?: unknown; error?: string }> = [];
  const activities: ParsedActivity[] = [];
  const covered = new Map<string, boolean>(); // `${project}|key` → covered
  const projectSet = new Set<string>();
  const projectNodes = new Map<string, { policy?: IamBindingProperty[]; error?: string; number?: string; roles: Map<string, CustomRole> }>();
  const projectEntry = (p: string) => {
    let e = projectNodes.get(p);
    if (!e) projectNodes.set(p, (e = { roles: new Map() }));
    return e;
  };

  const findAccount = (project: string, account: string): SaEntry | undefined => {
    const a = account.toLowerCase();
    return accounts.get(`${project}/${a}`) ?? byUniqueId.get(`${project}/${a}`);
  };

  const mapper: GcpIamMapper = {
    addServiceAccount(raw) {
      if (!isObject(raw)) return null;
      const sa = raw as GcpServiceAccount;
      const email =
        typeof sa.email === 'string' && sa.email.includes('@')
          ? sa.email.toLowerCase()
          : (() => {
              const acc = parseServiceAccountName(sa.name)?.account;
              return acc && acc.includes('@') ? acc.toLowerCase() : null;
            })();
      const project = serviceAccountProject(sa) ?? opts.project ?? null;
      if (!email || !validSegment(email)) {
        warn('service account without a usable email; skipped');
        return null;
      }
      if (!project) {
        warn(`service account ${email}: project unknown (no name, projectId or project email domain); skipped`);
        return null;
      }
      const props: Record<string, unknown> = {};
      if (typeof sa.displayName === 'string') props.displayName = sa.displayName;
      if (typeof sa.description === 'string') props.description = sa.description;
      props.disabled = sa.disabled === true;
      if (typeof sa.uniqueId === 'string' && sa.uniqueId) props.uniqueId = sa.uniqueId;
      props.userManaged = isUserManagedServiceAccount(email, project);
      const entry: SaEntry = { project, email, uniqueId: props.uniqueId as string | undefined, props };
      const prev = accounts.get(`${project}/${email}`);
      if (prev) {
        entry.policy = prev.policy;
        entry.policyError = prev.policyError;
      }
      accounts.set(`${project}/${email}`, entry);
      if (entry.uniqueId) byUniqueId.set(`${project}/${entry.uniqueId}`, entry);
      projectSet.add(project);
      return gcpServiceAccountId(project, email);
    },

    addKey(raw, serviceAccountEmail) {
      if (!isObject(raw)) return null;
      const k = raw as GcpServiceAccountKey;
      const parsed = parseKeyName(k.name);
      if (!parsed) {
        warn('service account key without a valid name (projects/P/serviceAccounts/A/keys/ID); skipped');
        return null;
      }
      const project = parsed.project;
      const account = (serviceAccountEmail ?? parsed.account).toLowerCase();
      const props: Record<string, unknown> = {};
      if (typeof k.keyType === 'string') props.keyType = k.keyType;
      if (typeof k.keyOrigin === 'string') props.keyOrigin = k.keyOrigin;
      if (typeof k.keyAlgorithm === 'string') props.keyAlgorithm = k.keyAlgorithm;
      const after = isoTime(k.validAfterTime);
      if (after) props.validAfterTime = after;
      const before = isoTime(k.validBeforeTime);
      if (before) props.validBeforeTime = before;
      props.disabled = k.disabled === true;
      const keyId = parsed.keyId.toLowerCase();
      keys.set(`${project}/${keyId}`, { project, keyId: parsed.keyId, account, props });
      projectSet.add(project);
      return gcpKeyId(project, keyId);
    },

    markKeysListed(project, account) {
      let s = keysListed.get(project);
      if (!s) keysListed.set(project, (s = new Set()));
      s.add(account.toLowerCase());
    },

    setPolicy(project, account, policy) {
      pendingPolicies.push({ project, account: account.toLowerCase(), policy });
      return true;
    },

    setPolicyError(project, account, message) {
      pendingPolicies.push({ project, account: account.toLowerCase(), error: message });
    },

    setProjectPolicy(project, policy) {
      projectSet.add(project);
      const e = projectEntry(project);
      e.policy = policyProperties(policy).iamBindings;
      e.error = undefined;
    },

    setProjectPolicyError(project, message) {
      const e = projectEntry(project);
      e.policy = undefined;
      e.error = message;
    },

    addCustomRole(raw) {
      const r = parseCustomRole(raw);
      if (!r?.project || !validSegment(r.project)) return null;
      const { project, ...role } = r;
      projectSet.add(project);
      projectEntry(project).roles.set(role.name, role);
      return project;
    },

    setProjectNumber(project, projectNumber) {
      if (!/^\d{1,20}$/.test(projectNumber) || projectNumber === project) return;
      projectSet.add(project);
      projectEntry(project).number = projectNumber;
    },

    projectsWithoutPolicy: () => [...projectNodes].filter(([, e]) => e.policy === undefined && e.error === undefined).map(([p]) => p),

    projectPolicies: () => [...projectNodes].filter(([, e]) => e.policy !== undefined).map(([p]) => p),

    addActivity(raw) {
      const a = parseActivity(raw);
      if (!a) return false;
      activities.push(a);
      return true;
    },

    setLastUseCovered(project, type, value) {
      covered.set(`${project}|${type}`, value);
    },

    hasAccount: (project, account) => findAccount(project, account) !== undefined,

    projects: () => [...projectSet],

    keyListing(project) {
      const listed = new Set<string>();
      const refs = keysListed.get(project) ?? new Set<string>();
      for (const k of keys.values()) if (k.project === project) refs.add(k.account);
      const emails: string[] = [];
      for (const sa of accounts.values()) {
        if (sa.project !== project) continue;
        emails.push(sa.email);
        if (refs.has(sa.email) || (sa.uniqueId && refs.has(sa.uniqueId.toLowerCase()))) listed.add(sa.email);
      }
      return { accounts: emails, listed };
    },

    finish(only) {
      // Policies (applied late so that they may arrive before their account).
      for (const p of pendingPolicies) {
        const sa = findAccount(p.project, p.account);
        if (!sa) {
          warn(`IAM policy of service account ${p.account} in ${p.project}: the service account is not in the input; skipped`);
          continue;
        }
        if (p.error !== undefined) {
          sa.policyError = p.error;
          sa.policy = undefined;
        } else {
          sa.policy = policyProperties(p.policy);
          sa.policyError = undefined;
        }
      }
      pendingPolicies.length = 0;
      // Activities: latest time per node.
      const lastKey = new Map<string, string>();
      for (const a of activities) {
        if (a.type === 'key') {
          const id = `${a.project}/${a.keyId.toLowerCase()}`;
          if ((lastKey.get(id) ?? '') < a.lastAuthenticatedAt) lastKey.set(id, a.lastAuthenticatedAt);
        } else {
          const sa = findAccount(a.project, a.account);
          if (sa && (sa.lastAuthenticatedAt ?? '') < a.lastAuthenticatedAt) sa.lastAuthenticatedAt = a.lastAuthenticatedAt;
        }
      }

      const nodes: NodeRecord[] = [];
      const edges: EdgeRecord[] = [];
      for (const sa of accounts.values()) {
        if (only !== undefined && sa.project !== only) continue;
        const properties: Record<string, unknown> = { ...sa.props };
        if (sa.policy) {
          properties.iamBindings = sa.policy.iamBindings;
          properties.workloadIdentityMembers = sa.policy.workloadIdentityMembers;
        }
        if (sa.policyError !== undefined) properties.iamPolicyError = sa.policyError;
        if (sa.lastAuthenticatedAt) properties.lastAuthenticatedAt = sa.lastAuthenticatedAt;
        properties.lastUseCovered = covered.get(`${sa.project}|serviceAccount`) === true;
        nodes.push({
          id: gcpServiceAccountId(sa.project, sa.email),
          provider: 'gcp',
          kind: 'ServiceAccount',
          realm: sa.project,
          namespace: null,
          name: sa.email,
          properties,
        });
      }
      for (const k of keys.values()) {
        if (only !== undefined && k.project !== only) continue;
        const id = gcpKeyId(k.project, k.keyId);
        const owner = k.account.includes('@') ? k.account : findAccount(k.project, k.account)?.email;
        const properties: Record<string, unknown> = { serviceAccount: owner ?? k.account, ...k.props };
        const last = lastKey.get(`${k.project}/${k.keyId.toLowerCase()}`);
        if (last) properties.lastAuthenticatedAt = last;
        properties.lastUseCovered = covered.get(`${k.project}|key`) === true;
        nodes.push({ id, provider: 'gcp', kind: 'ServiceAccountKey', realm: k.project, namespace: null, name: k.keyId, properties });
        if (owner) {
          edges.push({
            kind: 'HAS_KEY',
            from: gcpServiceAccountId(k.project, owner),
            to: id,
            originKind: 'gcp:ServiceAccountKey',
            properties: {},
          });
        } else {
          warn(`key ${k.keyId}: service account ${k.account} (unique id) is not in the input; no HAS_KEY edge`);
        }
      }
      for (const [project, e] of projectNodes) {
        if (only !== undefined && project !== only) continue;
        const properties: Record<string, unknown> = {};
        if (e.policy) properties.iamBindings = e.policy;
        if (e.error !== undefined) properties.iamPolicyError = e.error;
        if (e.number) properties.projectNumber = e.number;
        if (e.roles.size) properties.customRoles = [...e.roles.values()].sort((a, b) => a.name.localeCompare(b.name));
        nodes.push({ id: gcpProjectId(project), provider: 'gcp', kind: 'Project', realm: project, namespace: null, name: project, properties });
      }
      return { nodes, edges };
    },
  };
  return mapper;
}

// ---------------------------------------------------------------------------------------------------------------

/** True for a plain object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** ISO 8601 UTC of an RFC 3339 timestamp string, or undefined when it is not one. */
export function isoTime(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length > 64 || !/^\d{4}-\d{2}-\d{2}T/.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** A string usable as one segment of a keygraph id (see lib/graph/ids.ts). */
function validSegment(s: string): boolean {
  return /^[^/\s\u0000-\u001f]{1,320}$/.test(s) && s !== '.' && s !== '..';
}

function isDnsName(s: string): boolean {
  return /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(s);
}
