/**
 * Live GCP IAM collector: for each project, lists service accounts, their keys and their IAM policies through the
 * IAM API v1 (`@googleapis/iam`), and last-authentication activities through the Policy Analyzer API v1, then maps
 * them with mapper.ts. One {@link CollectionResult} per project. Never touches the database.
 *
 * Credentials: Application Default Credentials by default (`GOOGLE_APPLICATION_CREDENTIALS`, gcloud
 * `application-default login`, the metadata server / GKE Workload Identity), scope `cloud-platform`, via
 * google-auth-library's `GoogleAuth` (re-exported by `@googleapis/iam` as `auth.GoogleAuth`). Tests pass an
 * `OAuth2Client` holding a fixed access token.
 *
 * REST calls (root `https://iam.googleapis.com` / `https://policyanalyzer.googleapis.com`, overridable):
 * - `GET  /v1/projects/P/serviceAccounts?pageSize=100&pageToken=T` (`projects.serviceAccounts.list`), all pages;
 * - per account `GET /v1/projects/P/serviceAccounts/EMAIL/keys` (`keys.list`, no `keyTypes`: USER_MANAGED and
 *   SYSTEM_MANAGED keys);
 * - per account `POST /v1/projects/P/serviceAccounts/EMAIL:getIamPolicy?options.requestedPolicyVersion=3`
 *   (version 3 so conditional bindings are returned whole);
 * - `POST cloudresourcemanager /v1/projects/P:getIamPolicy` with `options.requestedPolicyVersion: 3` (the project IAM
 *   policy, `@googleapis/cloudresourcemanager` v1) → the `gcp:Project` node;
 * - `GET cloudresourcemanager /v1/projects/P` (`projects.get`) for the project number (Secret Manager names
 *   resources by number); a failure leaves it unknown, silently (it only helps files of other sources meet);
 * - `GET /v1/projects/P/roles?view=FULL&pageToken=T` (`projects.roles.list`, custom roles with their
 *   `includedPermissions`), all pages; a failure is a note (their grants stay "unknown role");
 * - `GET /v1/projects/P/locations/global/activityTypes/{serviceAccountKeyLastAuthentication,
 *   serviceAccountLastAuthentication}/activities:query?pageSize=1000&pageToken=T`, all pages, through the auth
 *   client's `request()` (there is no Node client package for Policy Analyzer).
 * Required permissions: `iam.serviceAccounts.list`, `iam.serviceAccountKeys.list`, `iam.serviceAccounts.getIamPolicy`,
 * `resourcemanager.projects.getIamPolicy`, `iam.roles.list` (all in roles/iam.securityReviewer), and optionally `policyanalyzer.serviceAccount{,Key}LastAuthenticationActivities.query`
 * (roles/policyanalyzer.activityAnalysisViewer).
 */
import { auth as googleAuth, iam, type iam_v1 } from '@googleapis/iam';
import { cloudresourcemanager, type cloudresourcemanager_v1 } from '@googleapis/cloudresourcemanager';
import { NODE_KINDS, type NodeKindKey } from '../../lib/graph/model';
import type { CollectionError, CollectionResult, KindCoverage } from '../../lib/graph/records';
import { backoffMs, DEFAULT_RETRY, parseRetryAfter, sleep, type RetryPolicy } from '../http';
import { ACTIVITY_TYPES, createGcpIamMapper, isObject, type GcpIamMapper } from './mapper';

/** Credentials accepted: a `GoogleAuth`, an `OAuth2Client` (or any google-auth-library `AuthClient` the IAM client accepts). */
export type GcpAuth = Exclude<iam_v1.Options['auth'], string | undefined>;

/** Progress events of {@link collectGcpLive}. */
export type GcpProgress =
  | { project: string; step: 'serviceAccounts'; listed: number }
  | { project: string; step: 'keysAndPolicies'; done: number; total: number }
  | { project: string; step: 'activities'; activityType: string; listed: number }
  /** Something worth telling the user that is not an error (e.g. Policy Analyzer not permitted). */
  | { project: string; step: 'note'; message: string };

/** Options of {@link collectGcpLive}. */
export interface GcpLiveOptions {
  /** Project ids to collect (one result each, in this order). */
  projects: string[];
  /** Credentials. Default: Application Default Credentials with scope cloud-platform. */
  auth?: GcpAuth;
  /** IAM API root, e.g. `http://127.0.0.1:PORT/` of a fake server. Default `https://iam.googleapis.com/`. */
  rootUrl?: string;
  /** Cloud Resource Manager API root. Default `https://cloudresourcemanager.googleapis.com/` (or `rootUrl`). */
  resourceManagerRootUrl?: string;
  /** Policy Analyzer API root. Default `https://policyanalyzer.googleapis.com/` (or `rootUrl` when that is set). */
  policyAnalyzerRootUrl?: string;
  /** Query Policy Analyzer for last authentication times; default true. */
  activities?: boolean;
  /** Retries of one request on 429 (honouring `Retry-After`), 5xx, network errors, timeouts and malformed bodies.
   * Default `{retries: 5, baseDelayMs: 500, maxDelayMs: 10000}` (collectors/http.ts). */
  retry?: RetryPolicy;
  /** Time limit of one request, in ms; default 30000. */
  requestTimeoutMs?: number;
  /** Service accounts whose keys and policy are fetched in parallel; default 4. */
  concurrency?: number;
  onProgress?: (p: GcpProgress) => void;
}

/** The collection of one project. */
export interface GcpProjectCollection {
  project: string;
  result: CollectionResult;
  /** Informational notes that are not errors (Policy Analyzer not permitted / failed: last use unknown). */
  notes: string[];
}

const DEFAULT_IAM_ROOT = 'https://iam.googleapis.com/';
const DEFAULT_POLICY_ANALYZER_ROOT = 'https://policyanalyzer.googleapis.com/';
const DEFAULT_RESOURCE_MANAGER_ROOT = 'https://cloudresourcemanager.googleapis.com/';
const SA_PAGE_SIZE = 100;
const ACTIVITY_PAGE_SIZE = 1000;
const MAX_PAGES = 10_000;

/**
 * Collects each project in `opts.projects`, sequentially.
 *
 * Coverage per project (`result.coverage`):
 * - `gcp:ServiceAccount`: complete when every page of the list was read. 401/403/404 (e.g. no permission, unknown
 *   project) → `{complete: false, count: 0, error}`; 429/5xx/network/timeout/malformed JSON are retried, and when
 *   retries run out → `{complete: false, count: <accounts listed before>, error}`. Accounts listed before a failure
 *   are still mapped (and their keys/policies fetched). When the list is incomplete, `gcp:ServiceAccountKey` is
 *   incomplete too (keys of unlisted accounts were not asked for).
 * - `gcp:ServiceAccountKey`: complete only when the account list was complete and every account's `keys.list`
 *   succeeded. A failure for one account (403, 404 — e.g. deleted meanwhile —, retries exhausted) makes the kind
 *   incomplete with an error naming the account(s), so no key is marked gone; the other accounts go on.
 * - A failed `getIamPolicy` leaves that account's `iamBindings` / `workloadIdentityMembers` absent (unknown) and
 *   sets `iamPolicyError`; it is reported in `errors` (the run is partial) but does not change coverage.
 * - `gcp:Project`: complete (count 1) when the project IAM policy was read; 401/403/404 or retries exhausted →
 *   `{complete: false, count: 0, error}` and an error (the stored project policy is kept).
 * - Policy Analyzer: success (all pages) → `lastUseCovered: true` on the nodes of that activity type; any failure
 *   (403 when not permitted or the API is disabled, or retries exhausted) → `lastUseCovered: false` and a note in
 *   `notes` / `onProgress`, never an error: the inventory itself is complete.
 *
 * Error messages (`errors[].message`, `coverage[…].error`, notes) name the request (method and resource path) and
 * give the HTTP status, the Google status and the error's `message` only: never a response body, header or token.
 *
 * Throws (nothing collected) when credentials cannot be obtained (no ADC, unusable key file, token endpoint
 * refusing): the message is the auth library's first line.
 */
export async function collectGcpLive(opts: GcpLiveOptions): Promise<GcpProjectCollection[]> {
  const authClient: GcpAuth = opts.auth ?? new googleAuth.GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
  try {
    await authClient.getAccessToken();
  } catch (e) {
    throw new Error(`GCP credentials unavailable: ${firstLine(e)}`);
  }
  const rootUrl = opts.rootUrl ?? DEFAULT_IAM_ROOT;
  const api = iam({ version: 'v1', auth: authClient, rootUrl });
  const crm = cloudresourcemanager({ version: 'v1', auth: authClient, rootUrl: opts.resourceManagerRootUrl ?? opts.rootUrl ?? DEFAULT_RESOURCE_MANAGER_ROOT });
  const client = new GcpClient(opts.retry ?? DEFAULT_RETRY, opts.requestTimeoutMs ?? 30_000);
  const paRoot = (opts.policyAnalyzerRootUrl ?? (opts.rootUrl ? opts.rootUrl : DEFAULT_POLICY_ANALYZER_ROOT)).replace(/\/+$/, '');
  const out: GcpProjectCollection[] = [];
  for (const project of opts.projects) {
    out.push(await collectProject(project, api, crm, authClient, client, paRoot, opts));
  }
  return out;
}

async function collectProject(
  project: string,
  api: iam_v1.Iam,
  crm: cloudresourcemanager_v1.Cloudresourcemanager,
  authClient: GcpAuth,
  client: GcpClient,
  paRoot: string,
  opts: GcpLiveOptions,
): Promise<GcpProjectCollection> {
  const errors: CollectionError[] = [];
  const notes: string[] = [];
  let warnWhere = `projects/${project}/serviceAccounts`;
  const mapper = createGcpIamMapper({ project, onWarning: (message) => errors.push({ where: warnWhere, message }) });
  const progress = opts.onProgress ?? (() => {});
  const mo = client.methodOptions();

  // 1. Service accounts, every page.
  const emails: string[] = [];
  const seen = new Set<string>();
  let saFailure: string | null = null;
  let saForbidden = false;
  let pageToken: string | undefined;
  const listPath = `projects/${project}/serviceAccounts`;
  for (let page = 1; page <= MAX_PAGES; page++) {
    const r = await client.call(`GET ${listPath}${page > 1 ? ` (page ${page})` : ''}`, () =>
      api.projects.serviceAccounts.list({ name: `projects/${project}`, pageSize: SA_PAGE_SIZE, pageToken }, mo),
      (d) => d.accounts === undefined || Array.isArray(d.accounts),
    );
    if (!r.ok) {
      saFailure = r.message;
      saForbidden = r.forbidden;
      errors.push({ where: listPath, message: r.message });
      break;
    }
    for (const sa of (r.data.accounts as unknown[] | undefined) ?? []) {
      const id = mapper.addServiceAccount(sa);
      const email = id ? id.slice(id.lastIndexOf('/') + 1) : null;
      if (email && !seen.has(email)) {
        seen.add(email);
        emails.push(email);
      }
    }
    progress({ project, step: 'serviceAccounts', listed: emails.length });
    const next = r.data.nextPageToken;
    if (typeof next !== 'string' || next === '') break;
    if (next === pageToken) {
      saFailure = `GET ${listPath}: the API returned the same page token twice; listing stopped`;
      errors.push({ where: listPath, message: saFailure });
      break;
    }
    pageToken = next;
  }

  // 2. Keys and policies per account, a few accounts at a time.
  const keyFailures: Array<{ email: string; message: string }> = [];
  let done = 0;
  await pool(emails, Math.max(1, opts.concurrency ?? 4), async (email) => {
    const name = `projects/${project}/serviceAccounts/${email}`;
    const keys = await client.call(`GET ${name}/keys`, () => api.projects.serviceAccounts.keys.list({ name }, mo), (d) =>
      d.keys === undefined || Array.isArray(d.keys),
    );
    if (keys.ok) {
      warnWhere = `${name}/keys`;
      for (const k of (keys.data.keys as unknown[] | undefined) ?? []) mapper.addKey(k, email);
      mapper.markKeysListed(project, email);
    } else {
      keyFailures.push({ email, message: keys.message });
      errors.push({ where: `${name}/keys`, message: keys.message });
    }
    const policy = await client.call(
      `POST ${name}:getIamPolicy`,
      () => api.projects.serviceAccounts.getIamPolicy({ resource: name, 'options.requestedPolicyVersion': 3 }, mo),
      (d) => d.bindings === undefined || Array.isArray(d.bindings),
    );
    if (policy.ok) mapper.setPolicy(project, email, policy.data);
    else {
      mapper.setPolicyError(project, email, policy.message);
      errors.push({ where: `${name}:getIamPolicy`, message: policy.message });
    }
    done++;
    progress({ project, step: 'keysAndPolicies', done, total: emails.length });
  });

  // 3. The project IAM policy, and custom roles (their failure is a note: grants of those roles stay unknown).
  const projectWhere = `projects/${project}:getIamPolicy`;
  const projectPolicy = await client.call(
    `POST ${projectWhere}`,
    () => crm.projects.getIamPolicy({ resource: project, requestBody: { options: { requestedPolicyVersion: 3 } } }, mo),
    (d) => d.bindings === undefined || Array.isArray(d.bindings),
  );
  if (projectPolicy.ok) mapper.setProjectPolicy(project, projectPolicy.data);
  else {
    mapper.setProjectPolicyError(project, projectPolicy.message);
    errors.push({ where: projectWhere, message: projectPolicy.message });
  }
  const described = await client.call(`GET projects/${project}`, () => crm.projects.get({ projectId: project }, mo), (d) => d.projectNumber === undefined || typeof d.projectNumber === 'string');
  if (described.ok && typeof described.data.projectNumber === 'string') mapper.setProjectNumber(project, described.data.projectNumber);
  let rolesToken: string | undefined;
  for (let page = 1; page <= MAX_PAGES; page++) {
    const r = await client.call(
      `GET projects/${project}/roles${page > 1 ? ` (page ${page})` : ''}`,
      () => api.projects.roles.list({ parent: `projects/${project}`, view: 'FULL', pageSize: 1000, pageToken: rolesToken }, mo),
      (d) => d.roles === undefined || Array.isArray(d.roles),
    );
    if (!r.ok) {
      const note = `custom roles of ${project} not listed (${r.message}); grants of its custom roles are shown as unknown roles`;
      notes.push(note);
      progress({ project, step: 'note', message: note });
      break;
    }
    for (const role of (r.data.roles as unknown[] | undefined) ?? []) mapper.addCustomRole(role);
    const next = r.data.nextPageToken;
    if (typeof next !== 'string' || next === '' || next === rolesToken) break;
    rolesToken = next;
  }

  // 4. Policy Analyzer (optional; failures are notes, not errors).
  for (const [type, activityType] of [
    ['key', ACTIVITY_TYPES.key],
    ['serviceAccount', ACTIVITY_TYPES.serviceAccount],
  ] as const) {
    if (opts.activities === false) break;
    const r = await queryActivities(client, authClient, paRoot, project, activityType, mapper, (listed) =>
      progress({ project, step: 'activities', activityType, listed }),
    );
    mapper.setLastUseCovered(project, type, r.ok);
    if (!r.ok) {
      const note = `Policy Analyzer ${activityType} not available for ${project} (${r.message}); last use of ${
        type === 'key' ? 'keys' : 'service accounts'
      } is unknown`;
      notes.push(note);
      progress({ project, step: 'note', message: note });
    }
  }

  const { nodes, edges } = mapper.finish(project);
  const count = (k: NodeKindKey) => nodes.filter((n) => `${n.provider}:${n.kind}` === k).length;
  const coverage: Partial<Record<NodeKindKey, KindCoverage>> = {};
  coverage['gcp:ServiceAccount'] = saFailure
    ? { complete: false, count: saForbidden ? 0 : count('gcp:ServiceAccount'), error: saFailure }
    : { complete: true, count: count('gcp:ServiceAccount') };
  coverage['gcp:Project'] = projectPolicy.ok ? { complete: true, count: 1 } : { complete: false, count: 0, error: projectPolicy.message };
  if (saFailure) {
    coverage['gcp:ServiceAccountKey'] = {
      complete: false,
      count: count('gcp:ServiceAccountKey'),
      error: `not listed completely: the ${NODE_KINDS['gcp:ServiceAccount'].plural} list failed`,
    };
  } else if (keyFailures.length) {
    const names = keyFailures.slice(0, 5).map((f) => `${f.email} (${f.message})`);
    const more = keyFailures.length > 5 ? ` and ${keyFailures.length - 5} more` : '';
    coverage['gcp:ServiceAccountKey'] = {
      complete: false,
      count: count('gcp:ServiceAccountKey'),
      error: `keys of ${keyFailures.length} service account(s) not listed: ${names.join('; ')}${more}`,
    };
  } else {
    coverage['gcp:ServiceAccountKey'] = { complete: true, count: count('gcp:ServiceAccountKey') };
  }
  return { project, result: { nodes, edges, coverage, errors }, notes };
}

/** Queries every page of one activity type into the mapper. */
async function queryActivities(
  client: GcpClient,
  authClient: GcpAuth,
  root: string,
  project: string,
  activityType: string,
  mapper: GcpIamMapper,
  onPage: (listed: number) => void,
): Promise<{ ok: true } | { ok: false; message: string }> {
  const path = `projects/${project}/locations/global/activityTypes/${activityType}/activities:query`;
  let pageToken: string | undefined;
  let listed = 0;
  for (let page = 1; page <= MAX_PAGES; page++) {
    const params: Record<string, string | number> = { pageSize: ACTIVITY_PAGE_SIZE };
    if (pageToken) params.pageToken = pageToken;
    const r = await client.call(
      `GET ${path}${page > 1 ? ` (page ${page})` : ''}`,
      () => authClient.request({ url: `${root}/v1/${path}`, method: 'GET', params, ...client.methodOptions() }),
      (d) => d.activities === undefined || Array.isArray(d.activities),
    );
    if (!r.ok) return { ok: false, message: r.message };
    for (const a of (r.data.activities as unknown[] | undefined) ?? []) if (mapper.addActivity(a)) listed++;
    onPage(listed);
    const next = r.data.nextPageToken;
    if (typeof next !== 'string' || next === '') return { ok: true };
    if (next === pageToken) return { ok: false, message: 'the API returned the same page token twice' };
    pageToken = next;
  }
  return { ok: false, message: `more than ${MAX_PAGES} pages` };
}

type CallResult = { ok: true; data: Record<string, unknown> } | { ok: false; message: string; forbidden: boolean };

/** Runs requests with timeouts, retries and error classification. Never puts a body, header or token in a message. */
class GcpClient {
  constructor(
    private readonly retry: RetryPolicy,
    private readonly timeoutMs: number,
  ) {}

  /** Per-request options for googleapis / gaxios: our own retries only, and a time limit. */
  methodOptions(): { retry: false; timeout: number; responseType: 'json' } {
    return { retry: false, timeout: this.timeoutMs, responseType: 'json' };
  }

  /**
   * Calls `fn` until it succeeds, fails for good, or retries run out. `valid` checks the parsed body's shape (a
   * body that is not a JSON object, e.g. truncated, is retried). Messages: `WHAT: STATUS GOOGLE_STATUS: message`.
   */
  async call(what: string, fn: () => Promise<{ data: unknown }>, valid: (d: Record<string, unknown>) => boolean): Promise<CallResult> {
    let lastError = '';
    let retryAfter: number | undefined;
    for (let attempt = 0; attempt <= this.retry.retries; attempt++) {
      if (attempt > 0) await sleep(backoffMs(this.retry, attempt, retryAfter));
      retryAfter = undefined;
      let data: unknown;
      try {
        data = (await fn()).data;
      } catch (e) {
        const c = classify(e, this.timeoutMs);
        const msg = `${what}: ${c.message}`;
        if (c.retry) {
          lastError = msg;
          retryAfter = c.retryAfterMs;
          continue;
        }
        return { ok: false, message: msg, forbidden: c.forbidden };
      }
      if (!isObject(data)) {
        lastError = `${what}: malformed JSON response (${typeof data === 'string' ? `${data.length} characters` : typeof data})`;
        continue;
      }
      if (!valid(data)) {
        lastError = `${what}: unexpected response shape`;
        continue;
      }
      return { ok: true, data };
    }
    return { ok: false, message: `gave up after ${this.retry.retries + 1} attempts: ${lastError}`, forbidden: false };
  }
}

/** How an error from gaxios / google-auth-library is handled. */
function classify(e: unknown, timeoutMs: number): { retry: boolean; forbidden: boolean; message: string; retryAfterMs?: number } {
  const err = e as {
    name?: string;
    code?: unknown;
    status?: unknown;
    response?: { status?: number; headers?: { get?: (h: string) => string | null }; data?: unknown };
    cause?: { name?: string; code?: unknown };
  };
  const status = typeof err.response?.status === 'number' ? err.response.status : undefined;
  if (status !== undefined) {
    const g = googleErrorInfo(err.response?.data);
    const detail = `${status}${g.status ? ` ${g.status}` : ''}${g.message ? `: ${g.message}` : ''}`;
    if (status === 429 || status >= 500) {
      const h = err.response?.headers?.get?.('retry-after');
      return { retry: true, forbidden: false, message: detail, retryAfterMs: status === 429 || status === 503 ? parseRetryAfter(h) : undefined };
    }
    if (status === 403) return { retry: false, forbidden: true, message: `forbidden: ${detail}` };
    if (status === 401) return { retry: false, forbidden: true, message: `unauthorized: ${detail}` };
    if (status === 404) return { retry: false, forbidden: true, message: `not found: ${detail}` };
    if (status === 408) return { retry: true, forbidden: false, message: detail };
    return { retry: false, forbidden: false, message: `failed: ${detail}` };
  }
  const name = err.name ?? err.cause?.name;
  if (name === 'AbortError' || name === 'TimeoutError' || err.cause?.name === 'AbortError' || err.cause?.name === 'TimeoutError') {
    return { retry: true, forbidden: false, message: `timed out after ${timeoutMs} ms` };
  }
  const code = typeof err.code === 'string' ? err.code : typeof err.cause?.code === 'string' ? err.cause.code : undefined;
  if (code && /^E[A-Z_]+$/.test(code)) return { retry: true, forbidden: false, message: `network error ${code}` };
  // Anything else without an HTTP response (DNS, TLS, socket closed mid-body, auth refresh failure): retry.
  return { retry: true, forbidden: false, message: `request failed (${firstLine(e).slice(0, 120).replace(/https?:\/\/\S+/g, '<url>')})` };
}

/** `error.status` and `error.message` of a Google JSON error body; nothing else of the body is used. */
function googleErrorInfo(data: unknown): { status?: string; message?: string } {
  let d = data;
  if (typeof d === 'string') {
    try {
      d = JSON.parse(d);
    } catch {
      return {};
    }
  }
  const e = isObject(d) && isObject(d.error) ? d.error : null;
  if (!e) return {};
  return {
    status: typeof e.status === 'string' ? e.status.slice(0, 64) : undefined,
    message: typeof e.message === 'string' ? e.message.slice(0, 500) : undefined,
  };
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return (m.split('\n')[0] ?? '').slice(0, 300);
}

/** Runs `fn` over `items` with at most `n` in flight. */
async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}
