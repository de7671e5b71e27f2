/**
 * A fake GCP IAM (v1) + Policy Analyzer (v1) REST server for tests: `node:http` on 127.0.0.1, random port, answering
 * the paths `@googleapis/iam` and the live collector request, with programmable faults.
 *
 * What it serves:
 * - `GET  /v1/projects/P/serviceAccounts?pageSize=N&pageToken=T` → `{accounts: [...], nextPageToken?}` (`{}` when
 *   empty, as the API omits empty fields); `pageSize` capped at 100; unknown project → 403 PERMISSION_DENIED
 *   ("… denied on resource (or it may not exist)"), as IAM answers.
 * - `GET  /v1/projects/P/serviceAccounts/ACCOUNT/keys[?keyTypes=…]` → `{keys: [...]}` (`{}` when none). ACCOUNT is
 *   an email or unique id; unknown → 404 NOT_FOUND "Service account projects/P/serviceAccounts/A does not exist."
 * - `POST /v1/projects/P/serviceAccounts/ACCOUNT:getIamPolicy` → the policy (default `{version: 1, etag: 'ACAB'}`).
 * - `POST /v1/projects/P:getIamPolicy` (Cloud Resource Manager v1) → the project policy (default `{version: 1, etag:
 *   'ACAB'}`); unknown project → 403.
 * - `GET  /v1/projects/P` (Cloud Resource Manager v1) → `{projectId, projectNumber, lifecycleState, name}`.
 * - `GET  /v1/projects/P/roles?view=FULL` → `{roles: [...]}` (`{}` when none), all in one page; unknown project → 403.
 * - `GET  /v1/projects/P/locations/global/activityTypes/TYPE/activities:query?pageSize&pageToken` →
 *   `{activities: [...], nextPageToken?}` (`{}` when none), TYPE `serviceAccountKeyLastAuthentication` or
 *   `serviceAccountLastAuthentication`; `pageSize` capped at 1000.
 * Objects are served exactly as given (so a test can plant hostile fields such as `privateKeyData`).
 *
 * Errors use Google's JSON error body `{error: {code, message, status}}` (status `PERMISSION_DENIED`, `NOT_FOUND`,
 * `RESOURCE_EXHAUSTED`, `INTERNAL`, `UNAVAILABLE`, `UNAUTHENTICATED`, `INVALID_ARGUMENT`).
 *
 * Authentication: when `token` is set, requests without `Authorization: Bearer TOKEN` get 401 UNAUTHENTICATED.
 *
 * Faults are rules matched per method and path (exact decoded pathname or RegExp) and optionally per page (1-based);
 * each fires `times` times (default: every time). Every request is recorded in `requests`.
 *
 * {@link loadRealIamProjects} builds projects from the real public test data in `shared/realdata` (gcpdiag
 * json-dumps, cartography and forseti fixtures). Test helper only: not used by the product.
 */
import type http from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { applyTransportFault, FaultRules, retryAfterHeader, sendTruncated, startLoopbackServer, type LoopbackServer } from '../../testing/http-fakes';

/** One project's IAM data. */
export interface FakeIamProject {
  /** REST ServiceAccount objects, in list order. */
  serviceAccounts: Array<Record<string, unknown>>;
  /** Keys per service account email (lower-case), served as given. Missing → no keys. */
  keys?: Record<string, Array<Record<string, unknown>>>;
  /** IAM policy per service account email (lower-case). Missing → `{version: 1, etag: 'ACAB'}`. */
  policies?: Record<string, unknown>;
  /** The project IAM policy. Missing → `{version: 1, etag: 'ACAB'}`. */
  projectPolicy?: unknown;
  /** Project number served by `GET /v1/projects/P`. Missing → `1234`. */
  projectNumber?: string;
  /** Custom roles (`roles.list` elements). Missing → none. */
  customRoles?: unknown[];
  /** Policy Analyzer activities per activity type. Missing → none. */
  activities?: Partial<Record<'serviceAccountKeyLastAuthentication' | 'serviceAccountLastAuthentication', unknown[]>>;
}

/** What a fault does to a matching request. */
export type FakeIamFault =
  /** Answer with this HTTP status and a Google error body (e.g. 403, 404, 429 with Retry-After, 500, 503). */
  | { type: 'status'; code: number; status?: string; message?: string; retryAfterSeconds?: number }
  /** Destroy the socket without answering (ECONNRESET / "socket hang up"). */
  | { type: 'reset' }
  /** Never answer (the client must time out). */
  | { type: 'hang' }
  /** Answer 200 with the real body cut in half (invalid JSON). */
  | { type: 'truncate' }
  /** Answer 200 with an HTML page (a proxy's error page). */
  | { type: 'garbage' };

/** A fault and the requests it applies to. */
export interface FakeIamFaultRule {
  method?: 'GET' | 'POST';
  /** Exact decoded pathname (`/v1/projects/p/serviceAccounts/a@p.iam.gserviceaccount.com/keys`) or a RegExp. */
  path: string | RegExp;
  /** 1-based page of a paginated list; any page when absent. */
  page?: number;
  /** How many times the rule fires; every matching request when absent. */
  times?: number;
  fault: FakeIamFault;
}

/** One request as the server saw it. */
export interface FakeIamRequest {
  method: string;
  /** Decoded pathname. */
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  page: number;
  outcome: number | 'reset' | 'hang';
}

/** Options of {@link FakeIamServer.start}. */
export interface FakeIamOptions {
  projects: Record<string, FakeIamProject>;
  /** Bearer token required on every request; none required when absent. */
  token?: string;
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** Google JSON error body. */
export function googleError(code: number, message: string, status = STATUS_NAMES[code] ?? 'UNKNOWN'): string {
  return JSON.stringify({ error: { code, message, status } });
}

/** The fake server. Start with {@link FakeIamServer.start}; stop with `close()`. */
export class FakeIamServer {
  readonly requests: FakeIamRequest[] = [];
  private readonly rules = new FaultRules<FakeIamFaultRule>();
  private http: LoopbackServer | null = null;
  url = '';

  private constructor(
    public projects: Record<string, FakeIamProject>,
    private readonly token: string | undefined,
  ) {}

  /** Starts a server on 127.0.0.1 and a random port. */
  static async start(opts: FakeIamOptions): Promise<FakeIamServer> {
    const self = new FakeIamServer(opts.projects, opts.token);
    self.http = await startLoopbackServer((req, res) => self.handle(req, res));
    self.url = self.http.url;
    return self;
  }

  /** Adds a fault rule (rules are checked in order; the first that matches and has not run out fires). */
  fault(rule: FakeIamFaultRule): void {
    this.rules.add({ ...rule });
  }

  /** Clears faults and recorded requests. */
  reset(): void {
    this.rules.clear();
    this.requests.length = 0;
  }

  /** Stops the server, destroying open (including hanging) connections. */
  async close(): Promise<void> {
    await this.http?.close();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    let p: string;
    try {
      p = decodeURIComponent(url.pathname);
    } catch {
      p = url.pathname;
    }
    const query = Object.fromEntries(url.searchParams.entries());
    const page = pageOf(query.pageToken);
    const rec: FakeIamRequest = { method: req.method ?? 'GET', path: p, query, authorization: req.headers.authorization, page, outcome: 0 };
    this.requests.push(rec);
    // Drain any request body (getIamPolicy POSTs `{}` or nothing).
    req.resume();
    req.on('end', () => this.answer(req, res, rec));
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse, rec: FakeIamRequest): void {
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      rec.outcome = status;
      res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8', ...headers });
      res.end(body);
    };
    if (this.token && rec.authorization !== `Bearer ${this.token}`) {
      send(401, googleError(401, 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.'));
      return;
    }
    const f = this.rules.take(rec)?.fault;
    if (applyTransportFault(f, req, res, rec)) return;
    if (f?.type === 'status') {
      send(f.code, googleError(f.code, f.message ?? defaultMessage(f.code), f.status), retryAfterHeader(f.retryAfterSeconds));
      return;
    }
    const out = this.route(rec);
    if (f?.type === 'truncate' && out.status === 200) {
      sendTruncated(res, rec, 'application/json; charset=UTF-8', out.body);
      return;
    }
    send(out.status, out.body);
  }

  private route(rec: FakeIamRequest): { status: number; body: string } {
    const { method, path: p, query } = rec;
    let m = /^\/v1\/projects\/([^/]+)\/serviceAccounts$/.exec(p);
    if (m && method === 'GET') {
      const proj = this.projects[m[1]!];
      if (!proj) return { status: 403, body: googleError(403, "Permission 'iam.serviceAccounts.list' denied on resource (or it may not exist).") };
      return paginate(proj.serviceAccounts, query, 100, 20, 'accounts');
    }
    m = /^\/v1\/projects\/([^/]+)\/serviceAccounts\/([^/]+)\/keys$/.exec(p);
    if (m && method === 'GET') {
      const found = this.account(m[1]!, m[2]!);
      if (!found) return notFoundAccount(m[1]!, m[2]!);
      let keys = found.proj.keys?.[found.email] ?? [];
      if (query.keyTypes) keys = keys.filter((k) => k.keyType === query.keyTypes);
      return { status: 200, body: JSON.stringify(keys.length ? { keys } : {}) };
    }
    m = /^\/v1\/projects\/([^/]+)\/serviceAccounts\/([^/:]+):getIamPolicy$/.exec(p);
    if (m && method === 'POST') {
      const found = this.account(m[1]!, m[2]!);
      if (!found) return notFoundAccount(m[1]!, m[2]!);
      return { status: 200, body: JSON.stringify(found.proj.policies?.[found.email] ?? { version: 1, etag: 'ACAB' }) };
    }
    m = /^\/v1\/projects\/([^/:]+):getIamPolicy$/.exec(p);
    if (m && method === 'POST') {
      const proj = this.projects[m[1]!];
      if (!proj) return { status: 403, body: googleError(403, `The caller does not have permission`) };
      return { status: 200, body: JSON.stringify(proj.projectPolicy ?? { version: 1, etag: 'ACAB' }) };
    }
    m = /^\/v1\/projects\/([^/:]+)$/.exec(p);
    if (m && method === 'GET') {
      const proj = this.projects[m[1]!];
      if (!proj) return { status: 403, body: googleError(403, 'The caller does not have permission') };
      return { status: 200, body: JSON.stringify({ projectId: m[1], projectNumber: proj.projectNumber ?? '1234', lifecycleState: 'ACTIVE', name: m[1] }) };
    }
    m = /^\/v1\/projects\/([^/]+)\/roles$/.exec(p);
    if (m && method === 'GET') {
      const proj = this.projects[m[1]!];
      if (!proj) return { status: 403, body: googleError(403, "Permission 'iam.roles.list' denied on resource (or it may not exist).") };
      return { status: 200, body: JSON.stringify(proj.customRoles?.length ? { roles: proj.customRoles } : {}) };
    }
    m = /^\/v1\/projects\/([^/]+)\/locations\/global\/activityTypes\/([^/:]+)\/activities:query$/.exec(p);
    if (m && method === 'GET') {
      const proj = this.projects[m[1]!];
      const type = m[2]! as 'serviceAccountKeyLastAuthentication' | 'serviceAccountLastAuthentication';
      if (type !== 'serviceAccountKeyLastAuthentication' && type !== 'serviceAccountLastAuthentication') {
        return { status: 400, body: googleError(400, `Unsupported activity type: ${type}.`) };
      }
      if (!proj) return { status: 403, body: googleError(403, 'The caller does not have permission') };
      return paginate(proj.activities?.[type] ?? [], query, 1000, 1000, 'activities');
    }
    return { status: 404, body: googleError(404, `Method not found: ${method} ${p}`) };
  }

  private account(project: string, ref: string): { proj: FakeIamProject; email: string } | null {
    const proj = this.projects[project];
    if (!proj) return null;
    const r = ref.toLowerCase();
    for (const sa of proj.serviceAccounts) {
      const email = String(sa.email ?? '').toLowerCase();
      const nameAcc = String(sa.name ?? '').split('/').pop()?.toLowerCase();
      if (email === r || String(sa.uniqueId ?? '') === ref || nameAcc === r) return { proj, email };
    }
    return null;
  }
}

function defaultMessage(code: number): string {
  if (code === 403) return 'The caller does not have permission';
  if (code === 404) return 'Requested entity was not found.';
  if (code === 429) return 'Quota exceeded for quota metric \'Read requests\' and limit \'Read requests per minute\' of service \'iam.googleapis.com\'.';
  if (code >= 500) return 'Internal error encountered.';
  return 'Request failed.';
}

function notFoundAccount(project: string, ref: string): { status: number; body: string } {
  return { status: 404, body: googleError(404, `Service account projects/${project}/serviceAccounts/${ref} does not exist.`) };
}

interface PageToken {
  o: number;
  n: number;
}

function pageOf(token: string | undefined): number {
  if (!token) return 1;
  const t = decodeToken(token);
  return t ? t.n : 0;
}

function decodeToken(token: string): PageToken | null {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as PageToken;
    return Number.isInteger(v.o) && Number.isInteger(v.n) ? v : null;
  } catch {
    return null;
  }
}

function paginate(
  all: unknown[],
  query: Record<string, string>,
  max: number,
  dflt: number,
  field: string,
): { status: number; body: string } {
  const size = Math.min(max, Math.max(1, Number(query.pageSize) || dflt));
  let offset = 0;
  let n = 1;
  if (query.pageToken) {
    const t = decodeToken(query.pageToken);
    if (!t || t.o < 0 || t.o > all.length) return { status: 400, body: googleError(400, 'Invalid page token.') };
    offset = t.o;
    n = t.n;
  }
  const items = all.slice(offset, offset + size);
  const out: Record<string, unknown> = {};
  if (items.length) out[field] = items;
  if (offset + size < all.length) out.nextPageToken = Buffer.from(JSON.stringify({ o: offset + size, n: n + 1 })).toString('base64url');
  return { status: 200, body: JSON.stringify(out) };
}

// ---------------------------------------------------------------------------------------------------------------

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/**
 * Projects built from real public test data under `realdata` (see realdata/PROVENANCE.md), values unchanged:
 * - gcpdiag `test-data/{gke1,gke5,iam1,composer1,datafusion1}/json-dumps/iam-service-accounts.json` (REST list
 *   responses; project from each account's `name`), with that test project's `iam-service-account-policy.json` as
 *   every account's policy (gcpdiag's own fake API does the same), `iam-policy.json` as the project policy and
 *   `iam-roles-custom.json` as its custom roles (the folder is the project, as in gcpdiag's fake API);
 * - cartography `iam.LIST_SERVICE_ACCOUNTS_RESPONSE.json` + `iam.LIST_SERVICE_ACCOUNT_KEYS_RESPONSE.json` (keys
 *   of service-account-1), project `project-abc`;
 * - forseti `fake_iam_responses.GET_PROJECTS_SERVICEACCOUNTS{,_KEYS}.json` and
 *   `GET_PROJECT_SERVICEACCOUNT_IAM_POLICY.json`, project `forseti-system-test`.
 * Returns `{}` for anything missing.
 */
export function loadRealIamProjects(realdata: string): Record<string, FakeIamProject> {
  const out: Record<string, FakeIamProject> = {};
  const project = (sa: Record<string, unknown>) => String(sa.name ?? '').split('/')[1] ?? String(sa.projectId);
  for (const t of ['gke1', 'gke5', 'iam1', 'composer1', 'datafusion1']) {
    const dir = path.join(realdata, 'gcpdiag/test-data', t, 'json-dumps');
    const f = path.join(dir, 'iam-service-accounts.json');
    if (!existsSync(f)) continue;
    const accounts = ((readJson(f) as { accounts?: Array<Record<string, unknown>> }).accounts ?? []);
    const pf = path.join(dir, 'iam-service-account-policy.json');
    const policy = existsSync(pf) ? readJson(pf) : undefined;
    const projectPolicy = existsSync(path.join(dir, 'iam-policy.json')) ? readJson(path.join(dir, 'iam-policy.json')) : undefined;
    const rf = path.join(dir, 'iam-roles-custom.json');
    const customRoles = existsSync(rf) ? ((readJson(rf) as { roles?: unknown[] }).roles ?? []) : undefined;
    for (const sa of accounts) {
      const p = (out[project(sa)] ??= { serviceAccounts: [], keys: {}, policies: {} });
      p.serviceAccounts.push(sa);
      if (policy) p.policies![String(sa.email).toLowerCase()] = policy;
      if (projectPolicy) p.projectPolicy = projectPolicy;
      if (customRoles) p.customRoles = customRoles;
    }
  }
  const cg = path.join(realdata, 'cartography/json/gcp');
  if (existsSync(path.join(cg, 'iam.LIST_SERVICE_ACCOUNTS_RESPONSE.json'))) {
    const accounts = (readJson(path.join(cg, 'iam.LIST_SERVICE_ACCOUNTS_RESPONSE.json')) as { accounts: Array<Record<string, unknown>> }).accounts;
    const keys = (readJson(path.join(cg, 'iam.LIST_SERVICE_ACCOUNT_KEYS_RESPONSE.json')) as { keys: Array<Record<string, unknown>> }).keys;
    out['project-abc'] = { serviceAccounts: accounts, keys: { 'service-account-1@project-abc.iam.gserviceaccount.com': keys }, policies: {} };
  }
  const fs = path.join(realdata, 'forseti/json');
  if (existsSync(path.join(fs, 'fake_iam_responses.GET_PROJECTS_SERVICEACCOUNTS.json'))) {
    const accounts = (readJson(path.join(fs, 'fake_iam_responses.GET_PROJECTS_SERVICEACCOUNTS.json')) as { accounts: Array<Record<string, unknown>> }).accounts;
    const keys = (readJson(path.join(fs, 'fake_iam_responses.GET_PROJECTS_SERVICEACCOUNTS_KEYS.json')) as { keys: Array<Record<string, unknown>> }).keys;
    const policy = readJson(path.join(fs, 'fake_iam_responses.GET_PROJECT_SERVICEACCOUNT_IAM_POLICY.json'));
    const email = String(accounts[0]!.email).toLowerCase();
    out['forseti-system-test'] = { serviceAccounts: accounts, keys: { [email]: keys }, policies: { [email]: policy } };
  }
  return out;
}
