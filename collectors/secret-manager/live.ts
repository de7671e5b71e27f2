/**
 * Live Secret Manager collector (`keygraph collect secretmanager --project P`) through `@googleapis/secretmanager`
 * (REST v1) and Application Default Credentials (scope cloud-platform), as collectors/gcp-iam/live.ts. Per project:
 * - `GET /v1/projects/P/secrets?pageSize=250&pageToken=T` (`projects.secrets.list`), every page;
 * - per secret `GET /v1/projects/P/secrets/S/versions?pageSize=250&pageToken=T` (`versions.list`), every page;
 * - per secret `GET /v1/projects/P/secrets/S:getIamPolicy?options.requestedPolicyVersion=3`.
 * `versions.access` is never called: no payload reaches keygraph. Required: `secretmanager.secrets.list`,
 * `secretmanager.versions.list`, `secretmanager.secrets.getIamPolicy` (roles/secretmanager.viewer + securityReviewer).
 * The realm is the project id asked for (the API answers names with the project number).
 *
 * 429 / 5xx / network errors are retried with backoff (collectors/http.ts). Coverage: `gcp:Secret` complete when every page was read; 401/403/404 or any other failure → incomplete with the
 * error (secrets of pages read are still mapped). `gcp:SecretVersion` complete only when secrets are complete and
 * every secret's versions were listed; a 403/404 on one secret makes it incomplete, naming the secret. A failed
 * getIamPolicy leaves `iamBindings` absent and is an error (the run is partial). Messages give the method, resource,
 * HTTP status and Google's `error.status` / `error.message` only: never a body, header or token.
 */
import { auth as googleAuth, secretmanager, type secretmanager_v1 } from '@googleapis/secretmanager';
import type { CollectionError, CollectionResult } from '../../lib/graph/records';
import { backoffMs, DEFAULT_RETRY, sleep, type RetryPolicy } from '../http';
import { createSecretManagerMapper, parseSecretName } from './mapper';

export type SecretManagerAuth = Exclude<secretmanager_v1.Options['auth'], string | undefined>;

export interface SecretManagerLiveOptions {
  project: string;
  /** Default: Application Default Credentials, scope cloud-platform. */
  auth?: SecretManagerAuth;
  /** API root; default `https://secretmanager.googleapis.com/` (a fake server's URL in tests). */
  rootUrl?: string;
  /** Page size of both lists; default 250. */
  pageSize?: number;
  /** Retries of one request on 429, 5xx and network errors (collectors/http.ts); default DEFAULT_RETRY. */
  retry?: RetryPolicy;
  onProgress?: (line: string) => void;
}

const MAX_PAGES = 10_000;

/** Why a call failed, without any body beyond Google's error status and message. */
function failure(what: string, e: unknown): string {
  const r = (e as { response?: { status?: number; data?: unknown } }).response;
  if (typeof r?.status !== 'number') return `${what}: request failed (${String((e as Error)?.message ?? e).split('\n')[0]!.slice(0, 120).replace(/https?:\/\/\S+/g, '<url>')})`;
  const err = typeof r.data === 'object' && r.data !== null ? (r.data as { error?: { status?: unknown; message?: unknown } }).error : undefined;
  const g = `${typeof err?.status === 'string' ? ` ${err.status.slice(0, 64)}` : ''}${typeof err?.message === 'string' ? `: ${err.message.slice(0, 300)}` : ''}`;
  const label = r.status === 403 ? 'forbidden: ' : r.status === 404 ? 'not found: ' : r.status === 401 ? 'unauthorized: ' : 'failed: ';
  return `${what}: ${label}${r.status}${g}`;
}

/** Calls `fn`, retrying 429 / 5xx / network errors with backoff; 4xx other than 429 fail at once. */
async function withRetry<T>(policy: RetryPolicy, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const status = (e as { response?: { status?: number } }).response?.status;
      const retriable = status === undefined || status === 429 || status >= 500;
      if (!retriable || attempt >= policy.retries) throw e;
      await sleep(backoffMs(policy, attempt + 1));
    }
  }
}

/** Lists every page of `call`; returns the items and the error that cut the listing, if any. */
async function allPages<T>(what: string, policy: RetryPolicy, call: (pageToken?: string) => Promise<{ items?: T[]; next?: string | null }>): Promise<{ items: T[]; error?: string }> {
  const items: T[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    try {
      const t = token;
      const r = await withRetry(policy, () => call(t));
      items.push(...(r.items ?? []));
      if (!r.next) return { items };
      token = r.next;
    } catch (e) {
      return { items, error: failure(what, e) };
    }
  }
  return { items, error: `${what}: more than ${MAX_PAGES} pages` };
}

/** Collects one project (see the module doc). Throws when credentials cannot be obtained. */
export async function collectSecretManagerLive(opts: SecretManagerLiveOptions): Promise<CollectionResult> {
  const auth: SecretManagerAuth = opts.auth ?? new googleAuth.GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
  try {
    await auth.getAccessToken();
  } catch (e) {
    throw new Error(`GCP credentials unavailable: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
  }
  const api = secretmanager({ version: 'v1', auth, rootUrl: opts.rootUrl ?? 'https://secretmanager.googleapis.com/', retry: false } as secretmanager_v1.Options);
  const { project } = opts;
  const pageSize = opts.pageSize ?? 250;
  const policy = opts.retry ?? DEFAULT_RETRY;
  const mapper = createSecretManagerMapper();
  const errors: CollectionError[] = [];

  const secrets = await allPages(`secrets.list projects/${project}`, policy, async (pageToken) => {
    const r = await api.projects.secrets.list({ parent: `projects/${project}`, pageSize, pageToken });
    return { items: r.data.secrets, next: r.data.nextPageToken };
  });
  if (secrets.error) errors.push({ where: `projects/${project}/secrets`, message: secrets.error });
  const names: string[] = [];
  for (const s of secrets.items) {
    const ref = parseSecretName(s.name);
    if (ref && mapper.addSecret(s, project)) names.push(ref.secret);
  }
  opts.onProgress?.(`${project}: listed ${names.length} secrets`);

  const versionErrors: string[] = [];
  let done = 0;
  for (const secret of names) {
    const parent = `projects/${project}/secrets/${secret}`;
    const versions = await allPages(`versions.list ${parent}`, policy, async (pageToken) => {
      const r = await api.projects.secrets.versions.list({ parent, pageSize, pageToken });
      return { items: r.data.versions, next: r.data.nextPageToken };
    });
    for (const v of versions.items) mapper.addVersion(v, project);
    if (versions.error) versionErrors.push(versions.error);
    try {
      const p = await withRetry(policy, () => api.projects.secrets.getIamPolicy({ resource: parent, 'options.requestedPolicyVersion': 3 }));
      mapper.setPolicy(project, secret, p.data);
    } catch (e) {
      errors.push({ where: parent, message: failure(`getIamPolicy ${parent}`, e) });
    }
    opts.onProgress?.(`${project}: versions and policies ${++done}/${names.length}`);
  }
  for (const m of versionErrors) errors.push({ where: `projects/${project}/secrets`, message: m });
  const { nodes, edges, warnings } = mapper.finish();
  errors.push(...warnings);
  const nSecrets = nodes.filter((n) => n.kind === 'Secret').length;
  const secretsOk = !secrets.error;
  const versionsOk = secretsOk && !versionErrors.length;
  return {
    nodes, edges, errors,
    coverage: {
      'gcp:Secret': { complete: secretsOk, count: nSecrets, ...(secrets.error && { error: secrets.error }) },
      'gcp:SecretVersion': {
        complete: versionsOk, count: nodes.length - nSecrets,
        ...(!versionsOk && { error: secrets.error ? 'secrets not listed completely' : versionErrors.join('; ').slice(0, 2000) }),
      },
    },
  };
}
