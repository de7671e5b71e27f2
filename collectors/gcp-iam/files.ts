/**
 * GCP IAM inventory in files, for `keygraph collect files PATH…`: gcloud `--format=json` output, raw REST responses
 * and asset/fixture shapes, recognised by shape (none has `apiVersion`+`kind`, so nothing here competes with the
 * Kubernetes sink). One run per GCP project (source `files`, scope = project id).
 *
 * Accepted documents (a top-level JSON array arrives here element by element, see lib/input/documents.ts):
 * - ServiceAccount objects: `gcloud iam service-accounts list --format=json` elements, REST `serviceAccounts.get`
 *   responses — an object with an `email` containing `@` and a `name` `projects/P/serviceAccounts/…`, a `projectId`
 *   or a `uniqueId`.
 * - ServiceAccountKey objects: `gcloud iam service-accounts keys list --iam-account=E --format=json` elements, REST
 *   `keys.get` / `keys.create` responses — an object whose `name` is `projects/P/serviceAccounts/A/keys/K`
 *   (`privateKeyData` / `publicKeyData` are dropped unread).
 * - REST list responses: `{accounts: [...], nextPageToken?}`, `{keys: [...]}` (non-empty).
 * - Policy Analyzer: `activities:query` responses `{activities: [...], nextPageToken?}` (non-empty) and single
 *   activities (`gcloud policy-intelligence query-activity --format=json` elements), with `activityType`
 *   `serviceAccountKeyLastAuthentication` / `serviceAccountLastAuthentication` and a `fullResourceName` that names
 *   the project.
 * - Cloud Asset Inventory assets (`gcloud asset list/export --format=json` elements, or `{assets: [...]}`) of type
 *   `iam.googleapis.com/ServiceAccount` (`resource.data` = ServiceAccount; `iamPolicy` = its IAM policy, placed by the
 *   asset `name` `//iam.googleapis.com/projects/P/serviceAccounts/ID`) and `iam.googleapis.com/ServiceAccountKey`.
 *   Assets of other types are consumed and ignored; a document with no IAM asset at all is not accepted.
 * - IAM policies ONLY when the document says whose they are: `{resource | name: 'projects/P/serviceAccounts/E',
 *   policy | iamPolicy: {bindings…}}` (e.g. `gcloud iam service-accounts get-iam-policy E --format=json` wrapped
 *   with its resource name), CAI assets (above), and forseti-style maps `{"projects/P/serviceAccounts/E": policy |
 *   [keys…], …}`. Forseti-style `{PROJECT: [ServiceAccount…], …}` maps are accepted too.
 * - Project IAM policies, wrapped with their project: `{resource | name: 'projects/P', policy | iamPolicy: {...}}`
 *   (`gcloud projects get-iam-policy P --format=json` saved with its resource name) and CAI assets of type
 *   `cloudresourcemanager.googleapis.com/Project` with `iamPolicy` (project: `resource.data.projectId`, else the
 *   number in the asset `name` `//cloudresourcemanager.googleapis.com/projects/N`) → the `gcp:Project` node.
 * - `gcloud projects describe P --format=json` (`{projectId, projectNumber, lifecycleState, …}`) → `projectNumber` on
 *   the project node (Secret Manager files name the project by number: the project policy then applies to them).
 * - Custom roles: `{roles: [...]}` (IAM `roles.list?view=FULL`) and single roles (`gcloud iam roles describe R
 *   --project P --format=json`) named `projects/P/roles/R` with `includedPermissions`. A role without
 *   `includedPermissions` (plain `gcloud iam roles list`) is reported and skipped: its grants stay "unknown role".
 * Not accepted (so `collect files` reports them as unplaceable instead of guessing): a bare policy
 * (`{bindings, etag}` / `{etag}` from `get-iam-policy`: whose?), empty lists (`{}`, `{keys: []}`,
 * `{activities: []}`: which project?), and credential files (`"type": "service_account"` key files with
 * `private_key`, `authorized_user`, `external_account`…): a key file is secret material, not IAM inventory — only a
 * Kubernetes Secret holding one matters, and that is the Kubernetes collector's business. Nothing of a refused
 * document is read beyond the field names that identify it, and no message quotes it.
 *
 * Coverage (which kinds a run marks gone when absent; see collectors/files.ts), per project P:
 * - `gcp:ServiceAccount` when the input lists P's service accounts (any service-account form above), unless a REST
 *   `accounts` page of P carried a `nextPageToken` (the listing may be cut: reported as a warning, so the run is
 *   partial and nothing is marked gone).
 * - `gcp:ServiceAccountKey` only when service accounts are covered AND every listed account of P has its keys in
 *   the input (at least one key, or an explicit empty listing such as `{"projects/P/serviceAccounts/E": []}`).
 *   `gcloud … keys list` is per account and an account without keys writes `[]` (no document at all), so a folder
 *   holding the keys of some accounts — or keys only — never marks the keys of the other accounts gone. A
 *   `--managed-by=user` listing covers user-managed keys only: keep such folders consistent.
 * - Keys-only or activities-only input covers nothing: keys are added/updated, nothing is marked gone.
 * - `lastUseCovered` is true for P's keys / accounts when a Policy Analyzer result of that activity type for P was
 *   read and none of its pages had a `nextPageToken`.
 * - `gcp:Project` for P when P's project IAM policy was read. Custom roles and the project number are applied only
 *   with the policy in the same input (a project node without its policy would replace the stored one): alone,
 *   they are reported and dropped.
 * A policy for an account that is not in the input is reported (warning), not applied.
 *
 * A bare project policy (gcpdiag's `iam-policy.json`: `{bindings, etag, version}`) is refused like any bare policy:
 * whose project it is can only be guessed from neighbouring files, and a guess would put grants on the wrong
 * project. Wrap it: `{"resource": "projects/P", "policy": …}`.
 */
import type { CollectionError } from '../../lib/graph/records';
import type { NodeKindKey } from '../../lib/graph/model';
import type { FileCollector, FileSinkOutput } from '../types';
import {
  ACTIVITY_TYPES,
  createGcpIamMapper,
  isObject,
  parseActivity,
  parseKeyName,
  parseServiceAccountName,
  serviceAccountProject,
} from './mapper';

const CREDENTIAL_FIELDS = ['private_key', 'private_key_id', 'client_email', 'client_secret', 'refresh_token', 'credential_source'];
const CREDENTIAL_TYPES = new Set(['service_account', 'authorized_user', 'external_account', 'external_account_authorized_user', 'impersonated_service_account', 'gdch_service_account']);
const SA_ASSET = 'iam.googleapis.com/ServiceAccount';
const KEY_ASSET = 'iam.googleapis.com/ServiceAccountKey';
const PROJECT_ASSET = 'cloudresourcemanager.googleapis.com/Project';
const PROJECT_NAME = /^projects\/([a-z0-9][a-z0-9.:-]{0,99})$/;

/** True for a credential file (service-account key file, ADC user credentials, workload identity federation config). */
export function isCredentialFile(d: Record<string, unknown>): boolean {
  return (typeof d.type === 'string' && CREDENTIAL_TYPES.has(d.type)) || CREDENTIAL_FIELDS.some((f) => Object.hasOwn(d, f));
}

/** A REST / gcloud ServiceAccount object (see the module doc). */
export function isServiceAccountObject(d: unknown): boolean {
  if (!isObject(d) || isCredentialFile(d)) return false;
  if (typeof d.email !== 'string' || !d.email.includes('@')) return false;
  return parseServiceAccountName(d.name) !== null || typeof d.uniqueId === 'string' || typeof d.projectId === 'string';
}

/** A REST / gcloud ServiceAccountKey object: `name` is `projects/P/serviceAccounts/A/keys/K`. */
export function isKeyObject(d: unknown): boolean {
  return isObject(d) && !isCredentialFile(d) && parseKeyName(d.name) !== null;
}

function isPolicyObject(d: unknown): boolean {
  return isObject(d) && (Array.isArray(d.bindings) || typeof d.etag === 'string' || typeof d.version === 'number');
}

function isActivityObject(d: unknown): boolean {
  return (
    isObject(d) &&
    (d.activityType === ACTIVITY_TYPES.key || d.activityType === ACTIVITY_TYPES.serviceAccount) &&
    parseActivity(d) !== null
  );
}

/** The GCP IAM file collector (registered in collectors/index.ts). */
export const gcpIamFiles: FileCollector = {
  name: 'gcp-iam',
  createSink() {
    const acceptWarnings: CollectionError[] = [];
    let where = '';
    const mapper = createGcpIamMapper({ onWarning: (message) => acceptWarnings.push({ where, message }) });
    const saListed = new Set<string>(); // projects whose accounts are listed
    const saTruncated = new Set<string>();
    const activitySeen = new Map<string, boolean>(); // `${project}|key|serviceAccount` → complete (no nextPageToken)
    const policies: Array<{ project: string; account: string; where: string }> = [];
    let accepted = 0;

    const addSa = (sa: unknown) => {
      const id = mapper.addServiceAccount(sa);
      if (id) saListed.add(id.slice(4, id.indexOf('/')));
      return id !== null;
    };
    const addPolicy = (project: string, account: string, policy: unknown) => {
      mapper.setPolicy(project, account, policy);
      policies.push({ project, account, where });
    };
    const addActivities = (list: unknown[], truncated: boolean) => {
      let n = 0;
      for (const a of list) {
        const p = parseActivity(a);
        if (!p) {
          acceptWarnings.push({ where, message: 'Policy Analyzer activity without a usable fullResourceName / lastAuthenticatedTime; skipped' });
          continue;
        }
        mapper.addActivity(a);
        const k = `${p.project}|${p.type}`;
        activitySeen.set(k, (activitySeen.get(k) ?? true) && !truncated);
        n++;
      }
      return n;
    };
    const addRole = (r: unknown) => {
      if (mapper.addCustomRole(r) === null) {
        acceptWarnings.push({ where, message: 'custom role without includedPermissions (or not a project role): its grants stay "unknown role"; save `gcloud iam roles describe ROLE --project P --format=json` or roles.list with view=FULL' });
      }
    };
    /** CAI asset; returns whether it was an IAM service account / key asset. */
    const addAsset = (a: unknown): boolean => {
      if (!isObject(a) || typeof a.assetType !== 'string') return false;
      const data = isObject(a.resource) ? a.resource.data : undefined;
      if (a.assetType === SA_ASSET) {
        if (data !== undefined) addSa(data);
        const ref = parseServiceAccountName(a.name);
        if (a.iamPolicy !== undefined && ref) addPolicy(ref.project, ref.account, a.iamPolicy);
        else if (a.iamPolicy !== undefined) acceptWarnings.push({ where, message: 'IAM policy asset without a service account name; skipped' });
        return true;
      }
      if (a.assetType === PROJECT_ASSET) {
        const d = isObject(data) ? data : {};
        const fromName = typeof a.name === 'string' ? PROJECT_NAME.exec(a.name.replace(/^\/\/cloudresourcemanager\.googleapis\.com\//, '')) : null;
        const project = typeof d.projectId === 'string' && PROJECT_NAME.test(`projects/${d.projectId}`) ? d.projectId : fromName?.[1];
        const number = typeof d.projectNumber === 'string' ? d.projectNumber : /^\d+$/.test(fromName?.[1] ?? '') ? fromName![1]! : undefined;
        if (project && number) mapper.setProjectNumber(project, number);
        if (a.iamPolicy !== undefined && project) mapper.setProjectPolicy(project, a.iamPolicy);
        else if (a.iamPolicy !== undefined) acceptWarnings.push({ where, message: 'project IAM policy asset without a project id or number; skipped' });
        return true;
      }
      if (a.assetType === KEY_ASSET) {
        if (data !== undefined) mapper.addKey(data);
        return true;
      }
      return false;
    };

    const accept = (doc: unknown): boolean => {
      if (!isObject(doc)) return false;
      if (typeof doc.apiVersion === 'string' && typeof doc.kind === 'string') return false; // Kubernetes
      if (isCredentialFile(doc)) return false; // secret material, not inventory
      if (typeof doc.assetType === 'string' && typeof doc.name === 'string' && doc.name.startsWith('//')) {
        return addAsset(doc);
      }
      if (isServiceAccountObject(doc)) return addSa(doc), true;
      if (isKeyObject(doc)) return mapper.addKey(doc), true;
      if (isActivityObject(doc)) return addActivities([doc], false), true;
      if (Array.isArray(doc.accounts) && doc.accounts.length > 0) {
        const truncated = typeof doc.nextPageToken === 'string' && doc.nextPageToken !== '';
        for (const sa of doc.accounts) {
          if (!isServiceAccountObject(sa)) {
            acceptWarnings.push({ where, message: 'accounts[] element is not a service account; skipped' });
            continue;
          }
          addSa(sa);
          if (truncated) {
            const p = serviceAccountProject(sa);
            if (p) saTruncated.add(p);
          }
        }
        if (truncated) {
          acceptWarnings.push({
            where,
            message: 'service account list page has a nextPageToken: the listing may be incomplete, so no service account is marked gone (save the full list with `gcloud iam service-accounts list --format=json`)',
          });
        }
        return true;
      }
      if (Array.isArray(doc.keys) && doc.keys.length > 0) {
        for (const k of doc.keys) {
          if (!isKeyObject(k)) {
            acceptWarnings.push({ where, message: 'keys[] element is not a service account key; skipped' });
            continue;
          }
          mapper.addKey(k);
        }
        return true;
      }
      if (Array.isArray(doc.activities) && doc.activities.length > 0) {
        addActivities(doc.activities, typeof doc.nextPageToken === 'string' && doc.nextPageToken !== '');
        return true;
      }
      if (Array.isArray(doc.assets) && doc.assets.length > 0) {
        let iamAssets = 0;
        for (const a of doc.assets) if (addAsset(a)) iamAssets++;
        return iamAssets > 0;
      }
      // `{resource|name: 'projects/P/serviceAccounts/E', policy|iamPolicy: {...}}`
      const owner = parseServiceAccountName(typeof doc.resource === 'string' ? doc.resource : doc.name);
      const wrapped = doc.policy ?? doc.iamPolicy;
      if (owner && isPolicyObject(wrapped)) {
        addPolicy(owner.project, owner.account, wrapped);
        return true;
      }
      const projectRef = PROJECT_NAME.exec(typeof doc.resource === 'string' ? doc.resource : typeof doc.name === 'string' ? doc.name : '');
      if (projectRef && isPolicyObject(wrapped)) {
        mapper.setProjectPolicy(projectRef[1]!, wrapped);
        return true;
      }
      // `gcloud projects describe P --format=json`: the project number, so that Secret Manager files (which name the
      // project by number) meet the project policy.
      if (typeof doc.projectId === 'string' && typeof doc.projectNumber === 'string' && typeof doc.lifecycleState === 'string' && PROJECT_NAME.test(`projects/${doc.projectId}`) && /^\d{1,20}$/.test(doc.projectNumber)) {
        mapper.setProjectNumber(doc.projectId, doc.projectNumber);
        return true;
      }
      if (Array.isArray(doc.roles) && doc.roles.length > 0 && doc.roles.every((r) => isObject(r) && typeof r.name === 'string' && /^(projects|organizations)\/[^/]+\/roles\//.test(r.name))) {
        for (const r of doc.roles) addRole(r);
        return true;
      }
      if (typeof doc.name === 'string' && /^projects\/[^/]+\/roles\/[^/]+$/.test(doc.name) && ('includedPermissions' in doc || 'stage' in doc || 'etag' in doc)) {
        addRole(doc);
        return true;
      }
      return acceptMap(doc);
    };

    /** Forseti-style maps: `{SA_NAME: policy | keys[]}` or `{PROJECT: ServiceAccount[]}`. */
    const acceptMap = (doc: Record<string, unknown>): boolean => {
      const entries = Object.entries(doc);
      if (!entries.length) return false;
      const bySaName = entries.every(
        ([k, v]) => !k.startsWith('//') && parseServiceAccountName(k) !== null && (isPolicyObject(v) || (Array.isArray(v) && v.every(isKeyObject))),
      );
      if (bySaName) {
        for (const [k, v] of entries) {
          const ref = parseServiceAccountName(k)!;
          if (Array.isArray(v)) {
            for (const key of v) mapper.addKey(key, ref.account.includes('@') ? ref.account : undefined);
            mapper.markKeysListed(ref.project, ref.account);
          } else addPolicy(ref.project, ref.account, v);
        }
        return true;
      }
      const byProject = entries.every(([, v]) => Array.isArray(v) && v.length > 0 && v.every(isServiceAccountObject));
      if (byProject) {
        for (const [, v] of entries) for (const sa of v as unknown[]) addSa(sa);
        return true;
      }
      return false;
    };

    return {
      get accepted() {
        return accepted;
      },
      /** Warnings of accepted documents, plus policies whose service account is not in the input (known only once
       * everything is read: collectors/files.ts reads this after the last document). */
      get warnings() {
        const late = policies
          .filter((p) => !mapper.hasAccount(p.project, p.account))
          .map((p) => ({
            where: p.where,
            message: `IAM policy of projects/${p.project}/serviceAccounts/${p.account}: that service account is not in the input; not applied`,
          }));
        const orphans = mapper.projectsWithoutPolicy().map((project) => ({
          where: `projects/${project}`,
          message: `custom roles / project number of ${project} without its project IAM policy in the same input: not applied (a project node without its policy would replace the stored one); collect them with \`gcloud projects get-iam-policy ${project}\` saved as {"resource": "projects/${project}", "policy": …}`,
        }));
        return [...acceptWarnings, ...late, ...orphans];
      },
      accept(doc, at) {
        where = at;
        let ok = false;
        try {
          ok = accept(doc);
        } finally {
          where = '';
        }
        if (ok) accepted++;
        return ok;
      },
      finish() {
        const projects = new Set<string>([...mapper.projects(), ...saListed]);
        for (const k of activitySeen.keys()) projects.add(k.split('|')[0]!);
        for (const [k, complete] of activitySeen) {
          const [project, type] = k.split('|') as [string, 'key' | 'serviceAccount'];
          mapper.setLastUseCovered(project, type, complete);
        }
        const projectPolicies = new Set(mapper.projectPolicies());
        const out: FileSinkOutput[] = [];
        for (const project of [...projects].sort()) {
          const result = mapper.finish(project);
          if (!projectPolicies.has(project)) result.nodes = result.nodes.filter((n) => n.kind !== 'Project');
          const coveredKinds: NodeKindKey[] = [];
          const saCovered = saListed.has(project) && !saTruncated.has(project);
          if (saCovered) coveredKinds.push('gcp:ServiceAccount');
          if (projectPolicies.has(project)) coveredKinds.push('gcp:Project');
          const { accounts, listed } = mapper.keyListing(project);
          if (saCovered && accounts.length > 0 && accounts.every((a) => listed.has(a))) coveredKinds.push('gcp:ServiceAccountKey');
          if (!result.nodes.length && !coveredKinds.length) continue;
          out.push({ source: 'files', scope: project, result, coveredKinds });
        }
        return out;
      },
    };
  },
};
