/**
 * A fake Kubernetes API server for tests: a `node:http` server on 127.0.0.1 (random port) that answers list
 * requests the way kube-apiserver does, with programmable faults.
 *
 * What it serves (GET only):
 * - `/api/v1/{secrets,serviceaccounts,pods,replicationcontrollers}` and `/api/v1/namespaces/NS/RESOURCE`
 * - `/apis/apps/v1/{deployments,statefulsets,daemonsets,replicasets}`, `/apis/batch/v1/{jobs,cronjobs}`,
 *   `/apis/networking.k8s.io/v1/ingresses`, `/apis/rbac.authorization.k8s.io/v1/roles` (cluster-wide and
 *   `/namespaces/NS/…`); `/apis/rbac.authorization.k8s.io/v1/clusterroles` and `clusterrolebindings` (cluster-scoped: cluster-wide only; `rolebindings` as roles)
 * - CRDs, only for the group/versions passed in `crds` (default: all of `cert-manager.io/v1`,
 *   `external-secrets.io/v1`, `external-secrets.io/v1beta1`, `bitnami.com/v1alpha1`; OpenShift's
 *   `apps.openshift.io/v1` only when asked for; the custom-resource reference table's kinds, references.ts
 *   `REFERENCE_APIS`, only when asked for); any other path gets a 404
 *   `Status` ("the server could not find the requested resource"), as for a CRD that is not installed.
 *
 * Real shapes: `{apiVersion, kind: 'SecretList', metadata: {resourceVersion, continue?, remainingItemCount?},
 * items}` with items in etcd key order (namespace, name), items of built-in kinds without `apiVersion`/`kind` (as
 * kube-apiserver writes JSON lists; CRD items keep theirs); `limit` + `continue` pagination (the token is opaque
 * base64); `Status` error bodies `{kind:'Status', apiVersion:'v1', metadata:{}, status:'Failure', message, reason,
 * code}`; Secrets' `stringData` folded into base64 `data` on add, as the API server does on write; and
 * `PartialObjectMetadataList` responses (items `{kind:'PartialObjectMetadata', apiVersion:'meta.k8s.io/v1',
 * metadata}`) when the Accept header asks for `as=PartialObjectMetadataList`.
 *
 * - `/api/v1/configmaps`; discovery `/apis` (an APIGroupList of the built-in groups and of the CRD group/versions
 *   served)
 *
 * Authentication: when `token` is set, requests without `Authorization: Bearer TOKEN` get 401.
 *
 * Faults are rules matched per request path (exact string or RegExp on the pathname) and optionally per page
 * (1-based page number of that list); each fires `times` times (default: every time). See {@link FaultSpec}.
 * Every request is recorded in `requests`.
 *
 * Test helper only: not used by the product.
 */
import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { applyTransportFault, FaultRules, retryAfterHeader, sendTruncated, startLoopbackServer, type LoopbackServer } from '../../testing/http-fakes';
import { REFERENCE_APIS } from '../references';

/** A Kubernetes object as JSON. */
export type KubeObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown>;
};

/** One resource the fake server knows. */
export interface FakeResource {
  group: string;
  versions: string[];
  resource: string;
  kind: string;
  listKind: string;
  crd: boolean;
  /** Cluster-scoped: objects keep no namespace and `/namespaces/NS/…` paths are not served. */
  clusterScoped?: true;
}

/** Resources served (CRDs only when their group/version is in `crds`). */
export const FAKE_RESOURCES: FakeResource[] = [
  { group: '', versions: ['v1'], resource: 'secrets', kind: 'Secret', listKind: 'SecretList', crd: false },
  { group: '', versions: ['v1'], resource: 'serviceaccounts', kind: 'ServiceAccount', listKind: 'ServiceAccountList', crd: false },
  { group: '', versions: ['v1'], resource: 'pods', kind: 'Pod', listKind: 'PodList', crd: false },
  { group: 'apps', versions: ['v1'], resource: 'deployments', kind: 'Deployment', listKind: 'DeploymentList', crd: false },
  { group: 'apps', versions: ['v1'], resource: 'statefulsets', kind: 'StatefulSet', listKind: 'StatefulSetList', crd: false },
  { group: 'apps', versions: ['v1'], resource: 'daemonsets', kind: 'DaemonSet', listKind: 'DaemonSetList', crd: false },
  { group: 'apps', versions: ['v1'], resource: 'replicasets', kind: 'ReplicaSet', listKind: 'ReplicaSetList', crd: false },
  { group: 'batch', versions: ['v1'], resource: 'jobs', kind: 'Job', listKind: 'JobList', crd: false },
  { group: 'batch', versions: ['v1'], resource: 'cronjobs', kind: 'CronJob', listKind: 'CronJobList', crd: false },
  { group: 'networking.k8s.io', versions: ['v1'], resource: 'ingresses', kind: 'Ingress', listKind: 'IngressList', crd: false },
  { group: 'cert-manager.io', versions: ['v1'], resource: 'certificates', kind: 'Certificate', listKind: 'CertificateList', crd: true },
  { group: 'external-secrets.io', versions: ['v1', 'v1beta1'], resource: 'externalsecrets', kind: 'ExternalSecret', listKind: 'ExternalSecretList', crd: true },
  { group: 'bitnami.com', versions: ['v1alpha1'], resource: 'sealedsecrets', kind: 'SealedSecret', listKind: 'SealedSecretList', crd: true },
  { group: '', versions: ['v1'], resource: 'replicationcontrollers', kind: 'ReplicationController', listKind: 'ReplicationControllerList', crd: false },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'], resource: 'roles', kind: 'Role', listKind: 'RoleList', crd: false },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'], resource: 'clusterroles', kind: 'ClusterRole', listKind: 'ClusterRoleList', crd: false, clusterScoped: true },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'], resource: 'rolebindings', kind: 'RoleBinding', listKind: 'RoleBindingList', crd: false },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'], resource: 'clusterrolebindings', kind: 'ClusterRoleBinding', listKind: 'ClusterRoleBindingList', crd: false, clusterScoped: true },
  { group: 'apps.openshift.io', versions: ['v1'], resource: 'deploymentconfigs', kind: 'DeploymentConfig', listKind: 'DeploymentConfigList', crd: true },
  { group: '', versions: ['v1'], resource: 'configmaps', kind: 'ConfigMap', listKind: 'ConfigMapList', crd: false },
  ...REFERENCE_APIS.map((a): FakeResource => ({
    group: a.group, versions: [...a.versions], resource: a.resource, kind: a.kind, listKind: `${a.kind}List`, crd: true,
    ...(a.clusterScoped && { clusterScoped: true as const }),
  })),
];

/** Where a resource's objects are kept: by resource name, qualified by group where two groups share it (`gateways`). */
const storeKey = (r: FakeResource) => (FAKE_RESOURCES.filter((x) => x.resource === r.resource).length > 1 ? `${r.resource}.${r.group}` : r.resource);

const DEFAULT_CRDS = ['cert-manager.io/v1', 'external-secrets.io/v1', 'external-secrets.io/v1beta1', 'bitnami.com/v1alpha1'];

/** What a fault does to a matching request. */
export type FaultSpec =
  /** Answer with this HTTP status and a `Status` body (e.g. 403 Forbidden, 410 Expired, 429 with Retry-After, 500). */
  | { type: 'status'; code: number; reason?: string; message?: string; retryAfterSeconds?: number }
  /** Destroy the socket without answering (ECONNRESET / "socket hang up" on the client). */
  | { type: 'reset' }
  /** Never answer (the client must time out). */
  | { type: 'hang' }
  /** Answer 200 with the real list body cut in half (chunked, ended cleanly: invalid JSON). */
  | { type: 'truncate' }
  /** Answer 200 with a body that is not JSON at all (e.g. an HTML proxy page). */
  | { type: 'garbage'; body?: string };

/** A fault and the requests it applies to. */
export interface FaultRule {
  /** Exact pathname (`/api/v1/secrets`) or a RegExp tested against it. */
  path: string | RegExp;
  /** 1-based page number of the list this rule applies to; any page when absent. */
  page?: number;
  /** How many times the rule fires; every matching request when absent. */
  times?: number;
  fault: FaultSpec;
}

/** One request as the server saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  accept: string | undefined;
  authorization: string | undefined;
  /** 1-based page number (from the continue token; 1 without one). */
  page: number;
  /** What the server did: HTTP status, or `reset` / `hang`. */
  outcome: number | 'reset' | 'hang';
}

/** Options of {@link FakeApiServer.start}. */
export interface FakeApiServerOptions {
  /** Bearer token required on every request; none required when absent. */
  token?: string;
  /** Installed CRD group/versions (`cert-manager.io/v1`…); default all four the collector knows. */
  crds?: string[];
}

interface ContinueToken {
  v: 'meta.k8s.io/v1';
  rv: number;
  /** Key of the last item returned. */
  start: string;
  /** Page number of the next page (fake-only, for page-based fault rules). */
  p: number;
}

/** Canned `Status` reasons for common codes. */
const REASONS: Record<number, string> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 406: 'NotAcceptable',
  410: 'Expired', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
};

/** `Status` body as kube-apiserver writes it. */
export function statusBody(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** The fake server. Start with {@link FakeApiServer.start}; stop with `close()`. */
export class FakeApiServer {
  /** Base URL, `http://127.0.0.1:PORT`. */
  url = '';
  readonly requests: RecordedRequest[] = [];
  private http: LoopbackServer | null = null;
  private readonly store = new Map<string, Map<string, KubeObject>>(); // resource -> key(ns/name) -> obj
  private readonly rules = new FaultRules<FaultRule>();
  private readonly crds: Set<string>;
  private rv = 1000;

  private constructor(private readonly opts: FakeApiServerOptions) {
    this.crds = new Set(opts.crds ?? DEFAULT_CRDS);
  }

  /** Starts a server on 127.0.0.1 with a random port. */
  static async start(opts: FakeApiServerOptions = {}): Promise<FakeApiServer> {
    const s = new FakeApiServer(opts);
    s.http = await startLoopbackServer((req, res) => s.handle(req, res));
    s.url = s.http.url;
    return s;
  }

  /** Stops the server, destroying open (including hanging) connections. */
  async close(): Promise<void> {
    await this.http?.close();
  }

  /**
   * Adds one object (deep-copied). Returns false when its kind is not served. Fills what the API server would:
   * `metadata.namespace` (`default`), `uid`, `resourceVersion`, `creationTimestamp`; Secret `stringData` → `data`.
   */
  add(obj: KubeObject): boolean {
    const res = FAKE_RESOURCES.find((r) => r.kind === obj.kind && apiGroup(obj.apiVersion) === r.group);
    if (!res) return false;
    const o = structuredClone(obj);
    const meta = (o.metadata ??= {});
    if (typeof meta.name !== 'string' || !meta.name) return false;
    if (res.clusterScoped) delete meta.namespace;
    else if (typeof meta.namespace !== 'string' || !meta.namespace) meta.namespace = 'default';
    meta.uid ??= randomUUID();
    meta.resourceVersion = String(++this.rv);
    meta.creationTimestamp ??= '2024-01-01T00:00:00Z';
    if (res.kind === 'Secret' && o.stringData && typeof o.stringData === 'object') {
      const data = { ...((o.data as Record<string, string> | undefined) ?? {}) };
      for (const [k, v] of Object.entries(o.stringData as Record<string, unknown>)) {
        data[k] = Buffer.from(String(v)).toString('base64');
      }
      o.data = data;
      delete o.stringData;
    }
    let m = this.store.get(storeKey(res));
    if (!m) this.store.set(storeKey(res), (m = new Map()));
    m.set(`${meta.namespace ?? ''}/${meta.name}`, o);
    return true;
  }

  /** Adds many objects; returns how many were of a served kind. */
  addAll(objs: Iterable<KubeObject>): number {
    let n = 0;
    for (const o of objs) if (this.add(o)) n++;
    return n;
  }

  /** Removes an object; returns whether it existed. */
  remove(resource: string, namespace: string, name: string): boolean {
    return this.store.get(resource)?.delete(`${namespace}/${name}`) ?? false;
  }

  /** Number of stored objects of a resource (`secrets`…), optionally in one namespace. */
  count(resource: string, namespace?: string): number {
    const m = this.store.get(resource);
    if (!m) return 0;
    if (!namespace) return m.size;
    return [...m.values()].filter((o) => o.metadata?.namespace === namespace).length;
  }

  /** Stored objects of a resource, in key order. */
  objects(resource: string): KubeObject[] {
    return [...(this.store.get(resource)?.entries() ?? [])].sort(([a], [b]) => cmp(a, b)).map(([, o]) => o);
  }

  /** Adds a fault rule. */
  fault(rule: FaultRule): this {
    this.rules.add({ ...rule });
    return this;
  }

  /** Removes every fault rule and forgets recorded requests. */
  reset(): void {
    this.rules.clear();
    this.requests.length = 0;
  }

  /** Requests whose pathname equals `p`. */
  requestsTo(p: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === p);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams.entries());
    const token = query.continue ? decodeContinue(query.continue) : null;
    const rec: RecordedRequest = {
      method: req.method ?? 'GET', path: url.pathname, query, accept: req.headers.accept,
      authorization: req.headers.authorization, page: token?.p ?? 1, outcome: 200,
    };
    this.requests.push(rec);
    const send = (code: number, body: unknown, headers: Record<string, string> = {}) => {
      rec.outcome = code;
      const text = JSON.stringify(body);
      res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
      res.end(text);
    };
    const fail = (code: number, message: string, reason = REASONS[code] ?? 'Unknown', headers: Record<string, string> = {}) =>
      send(code, statusBody(code, reason, message), headers);

    if (this.opts.token && req.headers.authorization !== `Bearer ${this.opts.token}`) {
      return fail(401, 'Unauthorized');
    }
    if (req.method !== 'GET') return fail(405, `the server does not allow this method on the requested resource`, 'MethodNotAllowed');

    const f = this.rules.take(rec)?.fault;
    if (applyTransportFault(f, req, res, rec)) return;
    if (f?.type === 'status') {
      const message = f.message ?? defaultMessage(f.code, url.pathname);
      return fail(f.code, message, f.reason ?? REASONS[f.code] ?? 'Unknown', retryAfterHeader(f.retryAfterSeconds));
    }

    if (url.pathname === '/apis') return send(200, this.discovery());
    const route = this.route(url.pathname);
    if (!route) return fail(404, 'the server could not find the requested resource');
    if (query.continue && !token) return fail(400, 'continue key is not valid: incorrect encoded start resourceVersion', 'BadRequest');

    const limit = query.limit ? Number.parseInt(query.limit, 10) : 0;
    let items = this.objects(storeKey(route.res));
    if (route.namespace) items = items.filter((o) => o.metadata?.namespace === route.namespace);
    if (token) items = items.filter((o) => cmp(keyOf(o), token.start) > 0);
    const page = limit > 0 ? items.slice(0, limit) : items;
    const more = limit > 0 && items.length > limit;
    const rv = token?.rv ?? this.rv;
    const listMeta: Record<string, unknown> = { resourceVersion: String(rv) };
    if (more) {
      const next: ContinueToken = { v: 'meta.k8s.io/v1', rv, start: keyOf(page[page.length - 1]!), p: rec.page + 1 };
      listMeta.continue = Buffer.from(JSON.stringify(next)).toString('base64');
      listMeta.remainingItemCount = items.length - page.length;
    }
    const apiVersion = route.res.group ? `${route.res.group}/${route.version}` : route.version;
    const metadataOnly = /as=PartialObjectMetadataList/.test(req.headers.accept ?? '');
    const body = metadataOnly
      ? {
          kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: listMeta,
          items: page.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata })),
        }
      : {
          kind: route.res.listKind, apiVersion, metadata: listMeta,
          // kube-apiserver omits apiVersion/kind on items of built-in kinds (typed objects); CRD items keep them.
          items: page.map((o) => {
            if (route.res.crd) return { ...o, apiVersion, kind: route.res.kind };
            const { apiVersion: _a, kind: _k, ...rest } = o;
            return rest;
          }),
        };
    const contentType = metadataOnly ? 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1' : 'application/json';
    if (f?.type === 'truncate') {
      sendTruncated(res, rec, contentType, JSON.stringify(body));
      return;
    }
    send(200, body, { 'Content-Type': contentType });
  }

  /** `GET /apis`: the groups served (built-in ones always; CRD groups with the versions listed in `crds`). */
  private discovery(): Record<string, unknown> {
    const groups = new Map<string, Set<string>>();
    for (const r of FAKE_RESOURCES) {
      if (!r.group) continue;
      for (const v of r.versions) {
        if (r.crd && !this.crds.has(`${r.group}/${v}`)) continue;
        let g = groups.get(r.group);
        if (!g) groups.set(r.group, (g = new Set()));
        g.add(v);
      }
    }
    // A CRD group/version asked for is served even when no resource here has that version (an older CRD version).
    for (const gv of this.crds) {
      const [g, v] = gv.split('/') as [string, string];
      let set = groups.get(g);
      if (!set) groups.set(g, (set = new Set()));
      set.add(v);
    }
    return {
      kind: 'APIGroupList', apiVersion: 'v1',
      groups: [...groups].map(([name, vs]) => {
        const versions = [...vs].map((version) => ({ groupVersion: `${name}/${version}`, version }));
        return { name, versions, preferredVersion: versions[0] };
      }),
    };
  }

  private route(p: string): { res: FakeResource; version: string; namespace: string | null } | null {
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)$/.exec(p);
    if (!m) return null;
    const group = m[1] ? '' : m[2]!;
    const version = m[1] ?? m[3]!;
    const res = FAKE_RESOURCES.find((r) => r.group === group && r.resource === m[5] && r.versions.includes(version));
    if (!res) return null;
    if (res.crd && !this.crds.has(`${group}/${version}`)) return null;
    if (res.clusterScoped && m[4]) return null;
    return { res, version, namespace: m[4] ?? null };
  }
}

function defaultMessage(code: number, p: string): string {
  const resource = p.split('/').pop() ?? '';
  switch (code) {
    case 403:
      return `${resource} is forbidden: User "system:serviceaccount:keygraph:collector" cannot list resource "${resource}" at the cluster scope`;
    case 410:
      return 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.';
    case 429:
      return 'Too many requests, please try again later.';
    default:
      return `fake fault ${code}`;
  }
}

function apiGroup(apiVersion: unknown): string {
  if (typeof apiVersion !== 'string') return '';
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

function keyOf(o: KubeObject): string {
  return `${String(o.metadata?.namespace ?? '')}/${String(o.metadata?.name ?? '')}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function decodeContinue(s: string): ContinueToken | null {
  try {
    const t = JSON.parse(Buffer.from(s, 'base64').toString('utf8')) as ContinueToken;
    return typeof t.start === 'string' && typeof t.p === 'number' ? t : null;
  } catch {
    return null;
  }
}

/**
 * Reads Kubernetes objects from files or folders (recursively): `.json` (one object or a `List`, as
 * `kubectl get -o json` writes) and `.yaml`/`.yml` (multi-document; `List` documents expanded). Documents that do
 * not parse are skipped (some real-world files are deliberately broken), as are non-objects.
 */
export function loadKubeObjects(paths: string[]): KubeObject[] {
  const out: KubeObject[] = [];
  const push = (v: unknown) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return;
    const o = v as KubeObject;
    if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) {
      for (const it of o.items as unknown[]) push(it);
    } else if (typeof o.kind === 'string') out.push(o);
  };
  const visit = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const e of readdirSync(p).sort()) visit(path.join(p, e));
      return;
    }
    const text = readFileSync(p, 'utf8');
    if (p.endsWith('.json')) {
      try {
        push(JSON.parse(text));
      } catch {
        /* skipped */
      }
    } else if (/\.ya?ml$/.test(p)) {
      for (const doc of parseAllDocuments(text)) {
        if ('errors' in doc && doc.errors.length === 0) {
          try {
            push(doc.toJS());
          } catch {
            /* skipped */
          }
        }
      }
    }
  };
  for (const p of paths) visit(p);
  return out;
}

/**
 * Writes nothing: returns the text of a kubeconfig with one context per entry, each pointing at `server` over http
 * (`insecure-skip-tls-verify: true`, which @kubernetes/client-node requires for `http:` servers) with token auth.
 */
export function kubeconfigYaml(
  contexts: Array<{ name: string; server: string; token: string; namespace?: string }>,
  current: string,
): string {
  const lines = ['apiVersion: v1', 'kind: Config', `current-context: ${current}`, 'clusters:'];
  for (const c of contexts) {
    lines.push(`- name: ${c.name}-cluster`, '  cluster:', `    server: ${c.server}`, '    insecure-skip-tls-verify: true');
  }
  lines.push('users:');
  for (const c of contexts) lines.push(`- name: ${c.name}-user`, '  user:', `    token: ${c.token}`);
  lines.push('contexts:');
  for (const c of contexts) {
    lines.push(`- name: ${c.name}`, '  context:', `    cluster: ${c.name}-cluster`, `    user: ${c.name}-user`);
    if (c.namespace) lines.push(`    namespace: ${c.namespace}`);
  }
  return lines.join('\n') + '\n';
}
