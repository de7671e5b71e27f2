/**
 * Live Kubernetes collector: lists the kinds keygraph maps from a cluster's API server, page by page, and feeds
 * every object to the Kubernetes mapper as soon as its page arrives (secret values are read there and dropped,
 * so they never accumulate here). Never touches the database.
 *
 * Transport: `KubeConfig` from @kubernetes/client-node does configuration and authentication (kubeconfig file,
 * `KUBECONFIG`, `~/.kube/config`, in-cluster service account; bearer tokens, client certificates, exec / OIDC
 * plugins, CA bundles, `insecure-skip-tls-verify`, `tls-server-name`, proxies) through
 * `kc.applyToHTTPSOptions()`, which yields the headers and a TLS/proxy agent. The requests themselves are plain
 * paginated `GET`s over `node:http(s)` rather than the typed `CoreV1Api`/`CustomObjectsApi` clients, because one
 * generic path builder handles core, grouped and CRD kinds alike, lets us send the
 * `PartialObjectMetadataList` Accept header, and gives direct access to the HTTP status, `Retry-After` and the
 * `Status` body that the 410/429/403 handling needs (the generated clients wrap them in `ApiException` with the
 * body as an unparsed string). Global `fetch` is not used because undici cannot use the agent KubeConfig builds
 * (client certificates, custom CA, proxy).
 *
 * API paths requested (`?limit=N[&continue=TOKEN]`; cluster-wide, or per namespace with `namespaces`):
 * - `/api/v1/secrets`, `/api/v1/serviceaccounts`, `/api/v1/pods`, `/api/v1/replicationcontrollers` (or
 *   `/api/v1/namespaces/NS/…`)
 * - `/apis/apps/v1/{deployments,statefulsets,daemonsets,replicasets}`
 * - `/apis/batch/v1/{jobs,cronjobs}`, `/apis/networking.k8s.io/v1/ingresses`
 * - `/apis/rbac.authorization.k8s.io/v1/{roles,rolebindings}`, and `…/v1/{clusterroles,clusterrolebindings}` (cluster-scoped:
 *   always listed cluster-wide, also with `namespaces`)
 * - CRDs / optional APIs: `/apis/cert-manager.io/v1/certificates`, `/apis/external-secrets.io/v1/externalsecrets`
 *   (then `v1beta1` on 404), `/apis/bitnami.com/v1alpha1/sealedsecrets`, OpenShift
 *   `/apis/apps.openshift.io/v1/deploymentconfigs` (404 on clusters that are not OpenShift: complete, 0 objects)
 * - `/api/v1/configmaps`
 * - the kinds of the custom-resource reference table (references.ts `REFERENCE_APIS`: Gateway API, Istio, Traefik,
 *   cert-manager issuers, External Secrets stores, prometheus-operator, Flux), only where served: discovery
 *   (`GET /apis`, an APIGroupList) says which groups and versions the server serves
 */
import http from 'node:http';
import https from 'node:https';
import { createGunzip } from 'node:zlib';
import { KubeConfig } from '@kubernetes/client-node';
import type { CollectionError, CollectionResult, CollectionSkip, KindCoverage } from '../../lib/graph/records';
import { NODE_KIND_KEYS, NODE_KINDS, type NodeKindKey, type NodeKindSpec } from '../../lib/graph/model';
import type { Fingerprinter } from '../../lib/secrets/fingerprint';
import { createKubernetesMapper } from './mapper';
import { REFERENCE_APIS } from './references';
import { backoffMs, DEFAULT_RETRY, networkMessage, parseRetryAfter, sleep, type RetryPolicy } from '../http';

/** Options of {@link collectKubernetesLive}. */
export interface LiveCollectOptions {
  /** Kubeconfig file path. Default: `KUBECONFIG` (first file; others merged), `~/.kube/config`, then in-cluster
   * service account config (`KubeConfig.loadFromDefault`). */
  kubeconfig?: string;
  /** Kubeconfig context to use; default the kubeconfig's current context. Error if it does not exist. */
  context?: string;
  /** Cluster name used in node ids. Default: `context`, else the current context's name, else `in-cluster` when
   * running with the in-cluster service account. */
  cluster?: string;
  /** List only these namespaces (`/api/v1/namespaces/NS/secrets`…). Default: cluster-wide lists. */
  namespaces?: string[];
  /** List Secrets as `PartialObjectMetadataList` (metadata only: no `data`, no `type`), for users who do not want
   * secret values sent to the collector. Secret nodes then carry no key names and no fingerprints. RBAC still
   * needs `list` on secrets (see rbac.yaml). Other kinds are listed normally. */
  metadataOnlySecrets?: boolean;
  /** `limit` per page; default 500 (as kubectl). Lower it for clusters with large Secrets (Helm releases). */
  pageSize?: number;
  /** Fingerprints secret values (HMAC under the installation key). */
  fingerprint: Fingerprinter;
  /** Called after every page with the API kind (`Secret`…) and the number of objects listed so far for it. */
  onProgress?: (e: { kind: string; listed: number }) => void;
  /** Retries of one request on 429, 5xx, network errors, timeouts, resets and malformed bodies. Delay: exponential
   * from `baseDelayMs` with jitter, at most `maxDelayMs`; a 429's `Retry-After` seconds are honoured instead
   * (capped at 120 s). Default `{retries: 5, baseDelayMs: 500, maxDelayMs: 10000}`. */
  retry?: RetryPolicy;
  /** Time limit of one request (connect to last body byte), in ms; default 30000. */
  requestTimeoutMs?: number;
}

/** One kind the collector lists. */
export interface LiveKind {
  /** A model kind key, or (reference-table kinds) the generic kind key `k8s:KIND`. */
  kindKey: NodeKindKey | (string & {});
  /** API kind. */
  kind: string;
  /** API group, `''` for core. */
  group: string;
  /** Versions to try in order; the next one is tried when a version answers 404 (CRDs only). */
  versions: string[];
  /** Plural resource name in the path. */
  resource: string;
  /** Custom resource (or an optional API such as OpenShift's): a 404 for every version means "not installed", i.e.
   * complete with 0 objects. */
  crd: boolean;
  /** Cluster-scoped resource: listed cluster-wide even when `namespaces` is given (no `/namespaces/NS/` path). */
  clusterScoped?: true;
  /** Listed only where discovery (`GET /apis`) says the group serves one of `versions` (reference-table kinds). */
  discovered?: true;
}

/** The kinds listed, in the model's order: every Kubernetes kind of lib/graph/model.ts that declares its `api`. */
export const LIVE_KINDS: readonly LiveKind[] = NODE_KIND_KEYS.flatMap((kindKey): LiveKind[] => {
  const spec: NodeKindSpec = NODE_KINDS[kindKey];
  if (spec.provider !== 'k8s' || !spec.api) return [];
  const { group, versions, resource, optional } = spec.api;
  return [{ kindKey, kind: spec.kind, group, versions: [...versions], resource, crd: optional === true, ...(!spec.namespaced && { clusterScoped: true as const }) }];
});

/**
 * The kinds of the custom-resource reference table (references.ts `REFERENCE_APIS`), listed where discovery says the
 * API server serves them. One entry per group: `Gateway` is listed from Gateway API and from Istio, under one kind
 * key `k8s:Gateway` (its coverage is complete only when both listings are).
 */
export const REFERENCE_LIVE_KINDS: readonly LiveKind[] = REFERENCE_APIS.map((a) => ({
  kindKey: `k8s:${a.kind}`, kind: a.kind, group: a.group, versions: [...a.versions], resource: a.resource, crd: true, discovered: true,
  ...(a.clusterScoped && { clusterScoped: true as const }),
}));

/** Accept header of metadata-only Secret lists. */
export const METADATA_ONLY_ACCEPT = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';

/** How many times one kind's list restarts from the first page after 410 Gone (expired continue token). */
export const MAX_LIST_RESTARTS = 3;

const USER_AGENT = 'keygraph-collector';

/**
 * Collects one cluster (one kubeconfig context). Lists every kind in {@link LIVE_KINDS}, paginated, and returns
 * the mapper's nodes and edges plus per-kind coverage and errors.
 *
 * Per kind (`coverage[kindKey]`):
 * - all pages listed → `{complete: true, count}`; a CRD whose group/version answers 404 (not installed) →
 *   `{complete: true, count: 0}`.
 * - 403 / 401 → `{complete: false, count: 0, error: 'forbidden: …' | 'unauthorized: …'}`; the other kinds go on.
 * - 429 (honouring `Retry-After`), 5xx, network errors, resets, timeouts and malformed / truncated JSON are
 *   retried with backoff; when retries run out → `{complete: false, count: <objects listed before>, error}`.
 * - 410 Gone (expired continue token) restarts that kind's list (that namespace's, with `namespaces`) from the
 *   first page, at most {@link MAX_LIST_RESTARTS} times. Objects already fed to the mapper in the expired pass are
 *   not fed again (dedup by namespace/name), so the result has no duplicates and loses nothing; an object deleted
 *   between the passes may still appear (it existed during the collection).
 * - other 4xx (including a 404 for a built-in kind) → incomplete with error, no retry.
 * Objects of an incomplete kind that were listed before the failure are still in `nodes` (they were observed);
 * the store keeps the previous state of that kind because its coverage is incomplete.
 *
 * Errors (`errors[]`, also in `coverage[…].error`) name the API path (without query) and the HTTP status and
 * `Status.message`; they never contain a response body.
 *
 * `skipped`: objects the mapper did not map (invalid namespace or name, duplicate id), with the API path as `where`.
 *
 * Throws (nothing collected) when the configuration cannot be used: unreadable kubeconfig, unknown `context`,
 * no kubeconfig and not in a cluster, or an authentication plugin failure.
 */
export async function collectKubernetesLive(opts: LiveCollectOptions): Promise<CollectionResult & { cluster: string }> {
  const { kc, cluster } = loadKubeConfig(opts);
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error(`kubeconfig context "${kc.getCurrentContext()}" has no cluster server`);
  const client = new ApiClient(kc, server, opts);
  const skipped: CollectionSkip[] = [];
  let where = '';
  const mapper = createKubernetesMapper({
    cluster, fingerprint: opts.fingerprint,
    onSkipped: (s) => skipped.push({ where, kind: s.kind, ...(s.name !== undefined && { name: s.name }), ...(s.namespace !== undefined && { namespace: s.namespace }), reason: s.reason, message: s.message }),
  });
  const coverage: Partial<Record<string, KindCoverage>> = {};
  const errors: CollectionError[] = [];
  const pageSize = Math.max(1, Math.floor(opts.pageSize ?? 500));
  const served = await discoverGroups(client);
  /** Coverage of a kind key listed from several groups (`k8s:Gateway`): complete only when every listing is. */
  const cover = (key: string, c: KindCoverage) => {
    const prev = coverage[key];
    if (!prev) {
      coverage[key] = c;
      return;
    }
    const error = [prev.error, c.error].filter(Boolean).join('; ');
    coverage[key] = { complete: prev.complete && c.complete, count: prev.count + c.count, ...(error && { error }) };
  };

  for (const k of [...LIVE_KINDS, ...REFERENCE_LIVE_KINDS]) {
    let versions = k.versions;
    if (k.discovered && served) {
      const have = served.get(k.group);
      if (!have) {
        cover(k.kindKey, { complete: true, count: 0 }); // the group is not served: the CRD is not installed
        continue;
      }
      versions = k.versions.filter((v) => have.includes(v));
      if (!versions.length) {
        const message = `not listed: ${k.group} serves ${have.join(', ')}, keygraph reads ${k.kind} in ${k.versions.join(', ')}`;
        cover(k.kindKey, { complete: false, count: 0, error: message });
        errors.push({ where: `/apis/${k.group}`, message });
        continue;
      }
    }
    const metadataOnly = k.kind === 'Secret' && opts.metadataOnlySecrets === true;
    const seen = new Set<string>();
    let listed = 0;
    const feed = (item: unknown, apiVersion: string) => {
      const obj = metadataOnly ? metadataOnlySecret(item) : withTypeMeta(item, apiVersion, k.kind);
      if (!obj) return;
      const key = objectKey(obj);
      if (seen.has(key)) return;
      seen.add(key);
      listed++;
      mapper.add(obj, k.kind);
    };
    const targets: Array<string | null> = opts.namespaces?.length && !k.clusterScoped ? [...new Set(opts.namespaces)] : [null];
    let failure: { where: string; message: string; forbidden: boolean } | null = null;
    let version: string | null = null; // resolved on the first target
    let absent = false;
    for (const ns of targets) {
      const candidates: readonly string[] = version ? [version] : versions;
      let outcome: ListOutcome | null = null;
      for (const v of candidates) {
        where = apiPath(k, v, ns);
        outcome = await listAll(client, apiPath(k, v, ns), pageSize, metadataOnly, (item) => feed(item, groupVersion(k, v)), () =>
          opts.onProgress?.({ kind: k.kind, listed }),
        );
        if (outcome.kind === 'notFound' && k.crd && !version) continue; // try the next version
        version = v;
        break;
      }
      if (!outcome) continue;
      if (outcome.kind === 'notFound' && k.crd && !version) {
        // Every version 404 on the first target: the CRD is not installed, nothing to list. (A 404 after a version
        // answered, e.g. the CRD removed mid-run, is an error below.)
        absent = true;
        break;
      }
      if (outcome.kind === 'notFound' || outcome.kind === 'error') {
        failure = { where: outcome.where, message: outcome.message, forbidden: outcome.forbidden };
        break;
      }
    }
    if (failure) {
      const message = failure.message;
      cover(k.kindKey, { complete: false, count: failure.forbidden ? 0 : listed, error: message });
      errors.push({ where: failure.where, message });
    } else {
      cover(k.kindKey, { complete: true, count: absent ? 0 : listed });
    }
  }

  const { nodes, edges } = mapper.finish();
  return { cluster, nodes, edges, coverage, errors, ...(skipped.length ? { skipped } : {}) };
}

/**
 * Loads the kubeconfig and picks the context. Exported for the CLI (e.g. to list contexts); throws on an unknown
 * context or when no configuration is found.
 */
export function loadKubeConfig(opts: Pick<LiveCollectOptions, 'kubeconfig' | 'context' | 'cluster'>): {
  kc: KubeConfig;
  cluster: string;
} {
  const kc = new KubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else kc.loadFromDefault();
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new Error(`kubeconfig context "${opts.context}" not found (known: ${known.join(', ') || 'none'})`);
    }
    kc.setCurrentContext(opts.context);
  }
  const current = kc.getCurrentContext();
  const c = kc.getCurrentCluster();
  // loadFromDefault's last resort when nothing is configured: an unauthenticated http://localhost:8080.
  if (!opts.kubeconfig && current === 'loaded-context' && c?.server === 'http://localhost:8080') {
    throw new Error('no Kubernetes configuration found: set KUBECONFIG, create ~/.kube/config, or run in a cluster');
  }
  if (!c) throw new Error(`kubeconfig context "${current}" has no cluster`);
  const cluster = opts.cluster ?? opts.context ?? (current === 'inClusterContext' || !current ? 'in-cluster' : current);
  return { kc, cluster };
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * The API groups the server serves, with their versions, from discovery (`GET /apis`, an APIGroupList:
 * `groups[].name`, `groups[].versions[].version`). Null when discovery cannot be read (403, an error, a body that is
 * not an APIGroupList): the reference-table kinds are then tried version by version, a 404 meaning not installed.
 */
async function discoverGroups(client: ApiClient): Promise<Map<string, string[]> | null> {
  const r = await client.getJson('/apis');
  if (!r || typeof r !== 'object' || (r as { kind?: unknown }).kind !== 'APIGroupList') return null;
  const groups = (r as { groups?: unknown }).groups;
  if (!Array.isArray(groups)) return null;
  const out = new Map<string, string[]>();
  for (const g of groups) {
    if (!g || typeof g !== 'object') continue;
    const name = (g as { name?: unknown }).name;
    const versions = (g as { versions?: unknown }).versions;
    if (typeof name !== 'string' || !Array.isArray(versions)) continue;
    out.set(name, versions.map((v) => (v && typeof v === 'object' ? (v as { version?: unknown }).version : undefined)).filter((v): v is string => typeof v === 'string'));
  }
  return out;
}

type ListOutcome =
  | { kind: 'ok' }
  | { kind: 'notFound'; where: string; message: string; forbidden: false }
  | { kind: 'error'; where: string; message: string; forbidden: boolean };

function groupVersion(k: LiveKind, v: string): string {
  return k.group ? `${k.group}/${v}` : v;
}

/** `/api/v1[/namespaces/NS]/RESOURCE` or `/apis/GROUP/VERSION[/namespaces/NS]/RESOURCE`. */
export function apiPath(k: Pick<LiveKind, 'group' | 'resource'>, version: string, namespace: string | null): string {
  const base = k.group ? `/apis/${k.group}/${version}` : `/api/${version}`;
  return namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${k.resource}` : `${base}/${k.resource}`;
}

/** Lists every page of one path, calling `onItem` per object and `onPage` after each page. */
async function listAll(
  client: ApiClient,
  path: string,
  pageSize: number,
  metadataOnly: boolean,
  onItem: (item: unknown) => void,
  onPage: () => void,
): Promise<ListOutcome> {
  let restarts = 0;
  let token: string | undefined;
  let page = 1;
  for (;;) {
    const query = `?limit=${pageSize}${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
    const r = await client.getList(path, query, page, metadataOnly);
    if (r.kind === 'ok') {
      for (const item of r.items) onItem(item);
      onPage();
      if (!r.continueToken) return { kind: 'ok' };
      token = r.continueToken;
      page++;
      continue;
    }
    if (r.kind === 'gone' && token && restarts < MAX_LIST_RESTARTS) {
      restarts++;
      token = undefined;
      page = 1;
      continue;
    }
    if (r.kind === 'gone') {
      return { kind: 'error', where: path, message: `${r.message} (list restarted ${restarts} times)`, forbidden: false };
    }
    if (r.kind === 'notFound') return { kind: 'notFound', where: path, message: r.message, forbidden: false };
    return { kind: 'error', where: path, message: r.message, forbidden: r.kind === 'forbidden' };
  }
}

type PageResult =
  | { kind: 'ok'; items: unknown[]; continueToken: string | undefined }
  | { kind: 'gone' | 'notFound' | 'forbidden' | 'failed'; message: string };

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

class RetryableError extends Error {
  constructor(message: string, readonly retryAfterMs?: number) {
    super(message);
  }
}

/** Does HTTP for one cluster: auth via KubeConfig, timeouts, retries, error classification. */
class ApiClient {
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly base: string;

  constructor(private readonly kc: KubeConfig, server: string, opts: LiveCollectOptions) {
    this.retry = opts.retry ?? DEFAULT_RETRY;
    this.timeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.base = server.replace(/\/+$/, '');
  }

  /** GETs one page with retries. Messages: `GET PATH (page N): STATUS reason: Status.message`. */
  async getList(path: string, query: string, page: number, metadataOnly: boolean): Promise<PageResult> {
    const what = `GET ${path}${page > 1 ? ` (page ${page})` : ''}`;
    const r = await this.getWithRetries(what, path + query, metadataOnly ? METADATA_ONLY_ACCEPT : 'application/json', parseList);
    if (r.kind === 'ok') return { kind: 'ok', items: r.value.items, continueToken: r.value.continueToken };
    if (r.kind === 'failed') return { kind: 'failed', message: `gave up after ${this.retry.retries + 1} attempts: ${r.message}` };
    const { status } = r.res;
    const detail = statusDetail(what, r.res);
    if (status === 410) return { kind: 'gone', message: `expired: ${detail}` };
    if (status === 403) return { kind: 'forbidden', message: `forbidden: ${detail}` };
    if (status === 401) return { kind: 'forbidden', message: `unauthorized: ${detail}` };
    if (status === 404) return { kind: 'notFound', message: `not found: ${detail}` };
    return { kind: 'failed', message: `failed: ${detail}` };
  }

  /** GETs a JSON document (discovery) with the list retries; null when it cannot be had (any 4xx, retries out). */
  async getJson(path: string): Promise<unknown> {
    const r = await this.getWithRetries(`GET ${path}`, path, 'application/json', (body) => {
      try {
        return { json: JSON.parse(body) as unknown };
      } catch {
        return 'malformed JSON body';
      }
    });
    return r.kind === 'ok' ? r.value.json : null;
  }

  /**
   * One GET retried on network errors, timeouts, 429 and 5xx (a 429's or 503's `Retry-After` honoured) and on a 2xx
   * body that `parse` rejects (it returns a message). `ok` with the parsed value; `status` with another response
   * (4xx, not retried); `failed` with the last error when the retries ran out. Kubeconfig errors are thrown.
   */
  private async getWithRetries<T>(
    what: string, pathAndQuery: string, accept: string, parse: (body: string) => T | string,
  ): Promise<{ kind: 'ok'; value: T } | { kind: 'status'; res: RawResponse } | { kind: 'failed'; message: string }> {
    let lastError = '';
    let retryAfter: number | undefined;
    for (let attempt = 0; attempt <= this.retry.retries; attempt++) {
      if (attempt > 0) await sleep(backoffMs(this.retry, attempt, retryAfter));
      retryAfter = undefined;
      let res: RawResponse;
      try {
        res = await this.get(pathAndQuery, accept);
      } catch (e) {
        if (e instanceof AuthConfigError) throw e;
        lastError = `${what}: ${e instanceof Error ? e.message : String(e)}`;
        continue;
      }
      const { status } = res;
      if (status >= 200 && status < 300) {
        const parsed = parse(res.body);
        if (typeof parsed === 'string') {
          lastError = `${what}: ${parsed}`;
          continue;
        }
        return { kind: 'ok', value: parsed };
      }
      if (status === 429 || status >= 500) {
        retryAfter = status === 429 || status === 503 ? parseRetryAfter(res.headers['retry-after']) : undefined;
        lastError = statusDetail(what, res);
        continue;
      }
      return { kind: 'status', res };
    }
    return { kind: 'failed', message: lastError };
  }

  /** One GET, no retries. Rejects on network errors, timeouts and body decoding errors. */
  private async get(pathAndQuery: string, accept: string): Promise<RawResponse> {
    const url = new URL(this.base + pathAndQuery);
    const o: https.RequestOptions = {};
    try {
      await this.kc.applyToHTTPSOptions(o);
    } catch (e) {
      throw new AuthConfigError(`kubeconfig authentication failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    const headers: Record<string, string | string[] | number> = {};
    for (const [k, v] of Object.entries(o.headers ?? {})) if (v !== undefined) headers[k] = v;
    headers.Accept = accept;
    headers['Accept-Encoding'] = 'gzip';
    headers['User-Agent'] = USER_AGENT;
    const mod = url.protocol === 'http:' ? http : https;
    return await new Promise<RawResponse>((resolve, reject) => {
      let settled = false;
      const done = (err: Error | null, r?: RawResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(r!);
      };
      const req = mod.request(url, { ...o, method: 'GET', headers }, (res) => {
        const chunks: Buffer[] = [];
        const enc = String(res.headers['content-encoding'] ?? '').toLowerCase();
        const stream = enc === 'gzip' ? res.pipe(createGunzip()) : res;
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () =>
          done(null, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        stream.on('error', (e) => done(new Error(`response: ${networkMessage(e)}`)));
        res.on('aborted', () => done(new Error('response aborted')));
        res.on('error', (e) => done(new Error(`response: ${networkMessage(e)}`)));
      });
      const timer = setTimeout(() => {
        done(new Error(`timed out after ${this.timeoutMs} ms`));
        req.destroy();
      }, this.timeoutMs);
      req.on('error', (e) => done(new Error(networkMessage(e))));
      req.end();
    });
  }
}

class AuthConfigError extends Error {}

/** Parses a list body; returns an error message (never body content) when it is not a usable list. */
function parseList(body: string): { kind: string; items: unknown[]; continueToken: string | undefined } | string {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return `malformed JSON response (${body.length} bytes)`;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'response is not a JSON object';
  const o = v as { kind?: unknown; items?: unknown; metadata?: { continue?: unknown } };
  const kind = typeof o.kind === 'string' ? o.kind : '';
  if (!kind.endsWith('List')) return `response is not a list (kind ${kind || 'unknown'})`;
  // An empty list may come with `items: null` (Go nil slice) or without items.
  if (o.items !== null && o.items !== undefined && !Array.isArray(o.items)) return 'response items is not an array';
  const cont = o.metadata?.continue;
  return {
    kind,
    items: Array.isArray(o.items) ? o.items : [],
    continueToken: typeof cont === 'string' && cont !== '' ? cont : undefined,
  };
}

/** Reason and message of a `Status` body; nothing else of the body is ever used. */
/** `WHAT: STATUS reason: Status.message` of a non-2xx response (the `Status` body the API server sends). */
function statusDetail(what: string, res: RawResponse): string {
  const st = statusInfo(res.body);
  return `${what}: ${res.status}${st.reason ? ` ${st.reason}` : ''}${st.message ? `: ${st.message}` : ''}`;
}

function statusInfo(body: string): { reason?: string; message?: string } {
  try {
    const v = JSON.parse(body) as { kind?: unknown; reason?: unknown; message?: unknown };
    if (v && v.kind === 'Status') {
      return {
        reason: typeof v.reason === 'string' ? v.reason : undefined,
        message: typeof v.message === 'string' ? v.message.slice(0, 500) : undefined,
      };
    }
  } catch {
    /* not a Status */
  }
  return {};
}

/** Items of a list lack `apiVersion`/`kind` in some servers' responses (and in protobuf-converted ones): set them. */
function withTypeMeta(item: unknown, apiVersion: string, kind: string): Record<string, unknown> | null {
  if (!item || typeof item !== 'object') return null;
  const o = item as Record<string, unknown>;
  if (o.kind === kind && typeof o.apiVersion === 'string') return o;
  return { ...o, apiVersion: typeof o.apiVersion === 'string' ? o.apiVersion : apiVersion, kind };
}

/**
 * A metadata-only Secret as the mapper gets it (with `add(obj, 'Secret')`, the mapper's convention for
 * metadata-only listings): `{apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata}`, no `data`
 * and no `type`; the mapper marks the node `metadataOnly` with unknown data keys. Also applied if a server ignored
 * the Accept header and sent full Secrets: their values are dropped before anything reads them.
 */
function metadataOnlySecret(item: unknown): Record<string, unknown> | null {
  if (!item || typeof item !== 'object') return null;
  const meta = (item as { metadata?: unknown }).metadata;
  if (!meta || typeof meta !== 'object') return null;
  return { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: meta };
}

function objectKey(o: Record<string, unknown>): string {
  const m = (o.metadata ?? {}) as { namespace?: unknown; name?: unknown; uid?: unknown };
  return `${String(m.namespace ?? '')}/${String(m.name ?? m.uid ?? '')}`;
}
