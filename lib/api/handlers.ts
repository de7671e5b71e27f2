/**
 * Thin handlers behind the versioned JSON API routes (app/api/v1/…): parse the query with the zod schemas of
 * lib/api/schemas.ts, call lib, serialise. Each takes the request URL (and the database) and returns a `Response`,
 * so they are testable without Next.js.
 *
 * Times: `asOf` is any form of lib/time.ts (ISO 8601, `run:N`, `24h`, `yesterday`…), resolved by the one resolver
 * (lib/store/history.ts resolveTime); a time that does not resolve is a 400 naming `asOf`, a time before the first
 * committed run (or any time when nothing was collected) answers 200 `NoData` (`noData: true`, no list, no verdict
 * but `unknown`).
 *
 * Errors: 400 `{error: {code: 'invalid_request', message, issues: [{path, message}]}}` for invalid input, 404
 * `{error: {code: 'not_found', message}}` for an unknown node, 503 `{error: {code: 'unavailable', message}}` while
 * the database cannot be reached, 500 `{error: {code: 'internal', message}}` (no details; logged). Every response is `Cache-Control: no-store`. No response holds a secret value.
 */
import type { z } from 'zod';
import type { Database } from '../db';
import { getEdges, getNode, searchNodes, type EdgeView, type NodeView, type ReadOptions } from '../store/read';
import { impactOf } from '../analysis/impact';
import { nodeAccess, type NodeAccess } from '../analysis/access';
import { cachedFindings } from '../analysis/cache';
import { filterFindings } from '../analysis/findings';
import { log } from '../log';
import { isUnavailableError } from '../availability';
import { noDataReport, resolveTime, TimeSpecError } from '../store/history';
import { isNowSpec } from '../time';
import { FindingsQuery, ImpactQuery, ManifestCheckBody, NodeQuery, SearchQuery } from './schemas';
import { checkMappedManifests, withoutValues } from '../analysis/manifests';
import type { EdgeRecord, NodeRecord } from '../graph/records';
import { buildOpenApi, type OpenApiDocument } from './openapi';

const HEADERS = { 'Cache-Control': 'no-store' };

/** A JSON response with the API's headers. */
export function json(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: HEADERS });
}

/** The 400 body for zod issues. */
export function invalid(issues: z.core.$ZodIssue[]): Response {
  const list = issues.map((i) => ({ path: i.path.map(String).join('.') || '(query)', message: i.message }));
  return json({ error: { code: 'invalid_request', message: list.map((i) => `${i.path}: ${i.message}`).join('; '), issues: list } }, 400);
}

/** The 400 body for a request whose parameter `path` is invalid (`message` says why). */
function invalidParam(path: string, message: string): Response {
  return json({ error: { code: 'invalid_request', message: `${path}: ${message}`, issues: [{ path, message }] } }, 400);
}

/**
 * The time a request asks about: its `asOf` spec resolved through the one resolver (undefined: now), or the 400
 * response when the spec does not resolve (unknown run, future). Database errors propagate (500).
 */
async function requestTime(database: Database, spec: string | undefined): Promise<{ at?: Date } | Response> {
  if (spec === undefined || isNowSpec(spec)) return {};
  try {
    return { at: await resolveTime(database, spec) };
  } catch (e) {
    if (e instanceof TimeSpecError) return invalidParam('asOf', e.message);
    throw e;
  }
}

function notFound(message: string): Response {
  return json({ error: { code: 'not_found', message } }, 404);
}

/** Query parameters as a plain object (first value of each name). */
function queryOf(url: URL, extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (!(k in out)) out[k] = v;
  return { ...out, ...extra };
}

async function guarded(fn: () => Promise<Response>): Promise<Response> {
  try {
    return await fn();
  } catch (e) {
    if (isUnavailableError(e)) {
      log.warn({ err: (e as Error).message }, 'api request failed: database unavailable');
      return json({ error: { code: 'unavailable', message: 'the database is not reachable; try again shortly (GET /readyz says why)' } }, 503);
    }
    log.error({ err: (e as Error).message }, 'api request failed');
    return json({ error: { code: 'internal', message: 'internal error' } }, 500);
  }
}

/** An edge as the node answer gives it: `node` is the other end. */
export interface NodeDetailEdge {
  kind: EdgeView['kind'];
  from: string;
  to: string;
  properties: EdgeView['properties'];
  node: EdgeView['other'];
}

/** A node, what it uses, what uses it and who can read / act as it: the answer of `/api/v1/nodes` and `keygraph show`. */
export interface NodeDetail {
  node: NodeView;
  uses: NodeDetailEdge[];
  usedBy: NodeDetailEdge[];
  access?: NodeAccess;
}

const edgeJson = (e: EdgeView): NodeDetailEdge => ({ kind: e.kind, from: e.from, to: e.to, properties: e.properties, node: e.other });

/**
 * {@link NodeDetail} of `id` as of `opts.asOf` (default now), null when no source knows it: the node, its outbound
 * and inbound edges (lib/store/read.ts) and, for a Secret, GCP service account or Secret Manager secret, its access
 * (lib/analysis/access.ts nodeAccess). Database errors propagate.
 */
export async function nodeDetail(database: Database, id: string, opts: ReadOptions = {}): Promise<NodeDetail | null> {
  const node = await getNode(database, id, opts);
  if (!node) return null;
  const [uses, usedBy, access] = await Promise.all([getEdges(database, id, 'out', opts), getEdges(database, id, 'in', opts), nodeAccess(database, id, opts)]);
  return { node, uses: uses.map(edgeJson), usedBy: usedBy.map(edgeJson), ...(access && { access }) };
}

/** Path prefix of {@link handleNode}'s path form. */
export const NODES_PATH = '/api/v1/nodes/';

/**
 * The node id of a `/api/v1/nodes/{id}` path (`pathname` as sent, still URL-encoded): everything after
 * {@link NODES_PATH}, percent-decoded exactly once (as a `?id=` value is), so both forms name the same node. Null when
 * the path is not of that form or holds a malformed escape.
 */
export function nodeIdFromPath(pathname: string): string | null {
  if (!pathname.startsWith(NODES_PATH)) return null;
  try {
    return decodeURIComponent(pathname.slice(NODES_PATH.length));
  } catch {
    return null;
  }
}

/**
 * GET /api/v1/nodes?id=… or, with `fromPath`, GET /api/v1/nodes/{id} (the id read from `url`'s raw path by
 * {@link nodeIdFromPath}: decoded once, like the query form). A Secret's answer adds `access` (who can read it,
 * lib/analysis/access.ts), a GCP service account's or Secret Manager secret's the IAM grants (lib/analysis/gcp-access.ts).
 */
export function handleNode(database: Database, url: URL, form: { fromPath?: boolean } = {}): Promise<Response> {
  return guarded(async () => {
    let extra: Record<string, string> = {};
    if (form.fromPath) {
      const id = nodeIdFromPath(url.pathname);
      if (id === null) return invalidParam('id', 'not a URL-encoded keygraph id (a malformed % escape)');
      extra = { id };
    }
    const q = NodeQuery.safeParse(queryOf(url, extra));
    if (!q.success) return invalid(q.error.issues);
    const t = await requestTime(database, q.data.asOf);
    if (t instanceof Response) return t;
    const none = await noDataReport(database, t.at);
    if (none) return json(none);
    const detail = await nodeDetail(database, q.data.id, { asOf: t.at });
    return detail ? json(detail) : notFound(`no node ${q.data.id}`);
  });
}

/** GET /api/v1/search?q=… */
export function handleSearch(database: Database, url: URL): Promise<Response> {
  return guarded(async () => {
    const q = SearchQuery.safeParse(queryOf(url));
    if (!q.success) return invalid(q.error.issues);
    const { q: term, missing, asOf, ...rest } = q.data;
    const t = await requestTime(database, asOf);
    if (t instanceof Response) return t;
    const none = await noDataReport(database, t.at);
    if (none) return json(none);
    return json(await searchNodes(database, term, { ...rest, asOf: t.at, missingOnly: missing }));
  });
}

/** GET /api/v1/impact?id=…&action=… */
export function handleImpact(database: Database, url: URL): Promise<Response> {
  return guarded(async () => {
    const q = ImpactQuery.safeParse(queryOf(url));
    if (!q.success) return invalid(q.error.issues);
    const t = await requestTime(database, q.data.asOf);
    if (t instanceof Response) return t;
    const none = await noDataReport(database, t.at);
    if (none) return json({ ...none, verdict: 'unknown' });
    const r = await impactOf(database, q.data.id, { action: q.data.action, asOf: t.at });
    if (!r) return notFound(`no node ${q.data.id}`);
    return json(r);
  });
}

/** GET /api/v1/findings?severity=&rule=&kind=&realm=&namespace=&node=&asOf=&limit=&offset= */
export function handleFindings(database: Database, url: URL): Promise<Response> {
  return guarded(async () => {
    const q = FindingsQuery.safeParse(queryOf(url));
    if (!q.success) return invalid(q.error.issues);
    const { limit, offset, asOf, ...filter } = q.data;
    const t = await requestTime(database, asOf);
    if (t instanceof Response) return t;
    const none = await noDataReport(database, t.at);
    if (none) return json(none);
    const r = await cachedFindings(database, { asOf: t.at });
    const list = filterFindings(r.findings, filter);
    return json({ asOf: r.asOf, total: list.length, findings: list.slice(offset, offset + limit) });
  });
}

/** Largest body `POST /api/v1/check/manifests` reads (bytes): about 50,000 objects. */
const MAX_MANIFEST_BODY = 64 * 1024 * 1024;

/**
 * POST /api/v1/check/manifests: the pre-deploy gate over manifests the client read (body {@link ManifestCheckBody}),
 * against this server's inventory; answers lib/analysis/manifests.ts ManifestCheckResult (as `check --manifests
 * --json` prints it). 413 for a body over 64 MiB. Fingerprints in the body are dropped before anything reads it.
 */
export function handleManifestCheck(database: Database, req: Request): Promise<Response> {
  return guarded(async () => {
    if (Number(req.headers.get('content-length') ?? 0) > MAX_MANIFEST_BODY) {
      return json({ error: { code: 'too_large', message: `the manifests are over ${MAX_MANIFEST_BODY / 1024 / 1024} MiB: check fewer at a time` } }, 413);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(await req.text());
    } catch {
      return invalidParam('(body)', 'not JSON');
    }
    const b = ManifestCheckBody.safeParse(raw);
    if (!b.success) return invalid(b.error.issues);
    const { cluster, asOf, where, ...mapped } = b.data;
    const t = await requestTime(database, asOf);
    if (t instanceof Response) return t;
    if (t.at) {
      const none = await noDataReport(database, t.at);
      if (none) return json(none);
    }
    const records = withoutValues({ ...mapped, nodes: mapped.nodes as NodeRecord[], edges: mapped.edges as EdgeRecord[], where: new Map(Object.entries(where)) });
    return json(await checkMappedManifests(database, records, { cluster, asOf: t.at }));
  });
}

let doc: OpenApiDocument | undefined;
/** GET /api/v1/openapi.json */
export function handleOpenApi(): Response {
  doc ??= buildOpenApi();
  return json(doc);
}
