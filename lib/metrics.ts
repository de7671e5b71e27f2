/**
 * Prometheus metrics (text exposition format 0.0.4, through prom-client), served at `GET /metrics` of the web app
 * (app/metrics/route.ts, behind the gate like every page: with sign-in on it needs an API token or a session) and,
 * with `keygraph serve --metrics-port N`, unauthenticated on a second listener bound to 127.0.0.1 only
 * ({@link startMetricsServer}).
 *
 * Two registries:
 *
 * - Process: `keygraph_http_request_duration_seconds` (histogram, labels `route`, `method`, `status`), observed by
 *   the custom server (lib/server.ts) for every request it answers, and prom-client's default process and Node.js
 *   metrics (`process_*`, `nodejs_*`).
 * - Inventory: gauges read from the database at scrape time (prom-client `collect()` callbacks), from one set of
 *   queries shared by every gauge and kept {@link INVENTORY_CACHE_MS} (so scrapes, however frequent, cost at most a
 *   few indexed queries every 10 s):
 *   - `keygraph_findings{rule, severity}`: current findings (the stored findings snapshot, lib/analysis/cache.ts);
 *   - `keygraph_findings_computed_timestamp_seconds`: when that snapshot was computed;
 *   - `keygraph_last_successful_run_timestamp_seconds{source, scope}`: finish time of the newest committed run
 *     (status `succeeded` or `partial`: the state on record) per source and scope;
 *   - `keygraph_last_run_duration_seconds{source, scope}`: finish minus start of the newest finished run (any status);
 *   - `keygraph_last_run_status{source, scope, status}`: 1 for that run's status (`succeeded`, `partial`,
 *     `failed`), 0 for the others;
 *   - `keygraph_incomplete_kinds{source, scope}`: kinds the newest committed run did not list completely;
 *   - `keygraph_kind_complete{source, scope, kind}`: 1 when it listed `kind` completely, else 0;
 *   - `keygraph_inventory_up`: 1 when the last inventory read succeeded, 0 when the database did not answer (the
 *     other inventory gauges then keep their last values, or are absent).
 *
 * Labels never hold an object name or node id: `scope` is a cluster name or GCP project, `kind` a kind
 * (`k8s:Secret`), `route` a route template of the app (`/runs/[id]`, `/api/v1/nodes/[...id]`; {@link routeMatcher}),
 * never a raw path.
 *
 * Workers (`keygraph serve --workers N`, node:cluster): the inventory gauges come from the primary (one set of
 * queries, the same answer whichever worker is asked); the process registries of all workers are summed by
 * prom-client's AggregatorRegistry (histogram buckets and counts add up; see prom-client for the default metrics'
 * aggregation). A worker asked for /metrics asks the primary over the cluster IPC channel
 * ({@link serveClusterMetrics}).
 *
 * State lives on `globalThis` (like lib/auth/context.ts): Next's separately bundled route and the custom server share
 * one set of registries.
 */
import cluster from 'node:cluster';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { AggregatorRegistry, collectDefaultMetrics, Gauge, Histogram, Registry, type PrometheusContentType } from 'prom-client';
import { db, type Database } from './db';
import { currentFindingCounts } from './analysis/cache';
import { log } from './log';

/** How long one read of the inventory gauges serves scrapes (ms). */
export const INVENTORY_CACHE_MS = 10_000;

/** Histogram buckets of request durations (seconds). */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const RUN_STATUSES = ['succeeded', 'partial', 'failed'] as const;

/** The content type of the exposition (`text/plain; version=0.0.4; charset=utf-8`). */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** What the inventory gauges show, read in one go. Times in seconds since the epoch, durations in seconds. */
export interface InventoryReading {
  findings: { rule: string; severity: string; count: number }[];
  /** Null while no findings snapshot exists. */
  findingsComputedAt: number | null;
  /** Newest committed run per source/scope. */
  committed: { source: string; scope: string; finishedAt: number; kinds: { kind: string; complete: boolean }[] }[];
  /** Newest finished run (any status) per source/scope. */
  last: { source: string; scope: string; status: string; durationSeconds: number }[];
}

/** Reads {@link InventoryReading} from the database (a few indexed queries, plus the findings snapshot's counts). */
export async function readInventory(database: Database): Promise<InventoryReading> {
  const [findings, committed, last] = await Promise.all([
    currentFindingCounts(database),
    database.pool.query<{ source: string; scope: string; finished_at: Date | null; committed_at: Date; coverage: Record<string, { complete?: boolean } | null> | null }>(
      `SELECT DISTINCT ON (source, scope) source, scope, finished_at, committed_at, coverage
       FROM runs WHERE committed_at IS NOT NULL AND status IN ('succeeded', 'partial')
       ORDER BY source, scope, committed_at DESC, id DESC`,
    ),
    database.pool.query<{ source: string; scope: string; status: string; started_at: Date; finished_at: Date }>(
      `SELECT DISTINCT ON (source, scope) source, scope, status, started_at, finished_at
       FROM runs WHERE finished_at IS NOT NULL AND status <> 'running'
       ORDER BY source, scope, started_at DESC, id DESC`,
    ),
  ]);
  return {
    findings: findings.counts,
    findingsComputedAt: findings.computedAt.getTime() / 1000,
    committed: committed.rows.map((r) => ({
      source: r.source,
      scope: r.scope,
      finishedAt: (r.finished_at ?? r.committed_at).getTime() / 1000,
      kinds: Object.entries(r.coverage ?? {})
        .map(([kind, c]) => ({ kind, complete: c?.complete === true }))
        .sort((a, b) => a.kind.localeCompare(b.kind)),
    })),
    last: last.rows.map((r) => ({
      source: r.source,
      scope: r.scope,
      status: r.status,
      durationSeconds: Math.max(0, (r.finished_at.getTime() - r.started_at.getTime()) / 1000),
    })),
  };
}

export interface Metrics {
  /** HTTP request durations and the default process metrics of this process. */
  readonly process: Registry;
  /** Gauges read from the database at scrape time. */
  readonly inventory: Registry;
  /** Records one answered request: `route` a template from {@link routeMatcher}, `seconds` the time to the end of the response. */
  observeHttp(route: string, method: string, status: number | 'aborted', seconds: number): void;
  /** The whole exposition: this process's registries, or with workers the aggregate (see the module comment). */
  render(): Promise<string>;
  /** From now on render() sums the cluster workers' process registries instead of this process's (the primary). */
  aggregateWorkers(): void;
}

/**
 * A set of registries on `database`. `defaultMetrics` (default true) adds prom-client's process metrics.
 * `cacheMs` is how long one inventory reading serves scrapes.
 */
export function createMetrics(opts: { database: () => Database; defaultMetrics?: boolean; cacheMs?: number }): Metrics {
  const processRegistry = new Registry();
  const inventory = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: processRegistry });
  const http = new Histogram({
    name: 'keygraph_http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to the end of its response, by route template, method and status code (seconds)',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [processRegistry],
  });

  const cacheMs = opts.cacheMs ?? INVENTORY_CACHE_MS;
  let cached: { at: number; reading: Promise<InventoryReading>; settled: boolean } | null = null;
  let lastGood: InventoryReading | null = null;
  let up = 0;
  /**
   * The current reading: shared by every gauge of one scrape (they collect concurrently), by scrapes while it is
   * being read, and by scrapes within `cacheMs` of its start.
   */
  const reading = async (): Promise<InventoryReading | null> => {
    if (!cached || (cached.settled && Date.now() - cached.at >= cacheMs)) {
      const entry = { at: Date.now(), reading: Promise.resolve().then(() => readInventory(opts.database())), settled: false };
      cached = entry;
      entry.reading.then(
        (v) => ((lastGood = v), (up = 1), (entry.settled = true)),
        (e: Error) => {
          up = 0;
          entry.settled = true;
          log.warn({ err: e.message }, 'metrics: reading the inventory failed');
        },
      );
    }
    try {
      return await cached.reading;
    } catch {
      return lastGood;
    }
  };
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (g: Gauge<L>, r: InventoryReading) => void) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [inventory],
      async collect() {
        const r = await reading();
        this.reset();
        if (r) fill(this, r);
      },
    });

  gauge('keygraph_findings', 'Current findings by rule and severity (the stored findings snapshot)', ['rule', 'severity'], (g, r) => {
    for (const f of r.findings) g.set({ rule: f.rule, severity: f.severity }, f.count);
  });
  gauge('keygraph_findings_computed_timestamp_seconds', 'When the current findings were computed (seconds since the epoch)', [], (g, r) => {
    if (r.findingsComputedAt !== null) g.set(r.findingsComputedAt);
  });
  gauge(
    'keygraph_last_successful_run_timestamp_seconds',
    'Finish time of the newest committed run (status succeeded or partial) per source and scope (seconds since the epoch)',
    ['source', 'scope'],
    (g, r) => {
      for (const c of r.committed) g.set({ source: c.source, scope: c.scope }, c.finishedAt);
    },
  );
  gauge('keygraph_last_run_duration_seconds', 'Duration of the newest finished run (any status) per source and scope (seconds)', ['source', 'scope'], (g, r) => {
    for (const l of r.last) g.set({ source: l.source, scope: l.scope }, l.durationSeconds);
  });
  gauge('keygraph_last_run_status', 'Status of the newest finished run per source and scope: 1 for its status, 0 for the others', ['source', 'scope', 'status'], (g, r) => {
    for (const l of r.last) for (const s of RUN_STATUSES) g.set({ source: l.source, scope: l.scope, status: s }, l.status === s ? 1 : 0);
  });
  gauge('keygraph_incomplete_kinds', 'Kinds the newest committed run did not list completely, per source and scope', ['source', 'scope'], (g, r) => {
    for (const c of r.committed) g.set({ source: c.source, scope: c.scope }, c.kinds.filter((k) => !k.complete).length);
  });
  gauge('keygraph_kind_complete', 'Whether the newest committed run listed a kind completely (1) or not (0), per source and scope', ['source', 'scope', 'kind'], (g, r) => {
    for (const c of r.committed) for (const k of c.kinds) g.set({ source: c.source, scope: c.scope, kind: k.kind }, k.complete ? 1 : 0);
  });
  new Gauge({
    name: 'keygraph_inventory_up',
    help: 'Whether the last read of the inventory gauges from the database succeeded (1) or not (0)',
    registers: [inventory],
    async collect() {
      await reading();
      this.set(up);
    },
  });

  let aggregator: AggregatorRegistry<PrometheusContentType> | null = null;
  return {
    aggregateWorkers() {
      aggregator ??= new AggregatorRegistry();
    },
    process: processRegistry,
    inventory,
    observeHttp(route, method, status, seconds) {
      http.observe({ route, method: normaliseMethod(method), status: String(status) }, seconds);
    },
    async render() {
      if (cluster.isWorker && process.send) return askPrimary();
      if (aggregator) {
        const [workers, inv] = await Promise.all([aggregator.clusterMetrics(), inventory.metrics()]);
        return joinExpositions(workers, inv);
      }
      const [proc, inv] = await Promise.all([processRegistry.metrics(), inventory.metrics()]);
      return joinExpositions(proc, inv);
    },
  };
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const normaliseMethod = (m: string) => (METHODS.has(m.toUpperCase()) ? m.toUpperCase() : 'other');

const joinExpositions = (...parts: string[]) => parts.map((p) => p.trimEnd()).filter(Boolean).join('\n') + '\n';

const KEY = Symbol.for('keygraph.metrics');
type Holder = { [KEY]?: Metrics };

/** The process's metrics, on the process-wide database (lib/db.ts db()). */
export function metrics(): Metrics {
  const h = globalThis as Holder;
  if (!h[KEY]) {
    const metrics = createMetrics({ database: db });
    // A worker answers the primary's requests for its process registry (prom-client's cluster protocol).
    if (cluster.isWorker) {
      new AggregatorRegistry();
      AggregatorRegistry.setRegistries([metrics.process]);
    }
    h[KEY] = metrics;
  }
  return h[KEY];
}

const REQ = 'keygraph:metrics-req';
const RES = 'keygraph:metrics-res';
/** How long a worker waits for the primary's aggregate (ms). */
const PRIMARY_TIMEOUT_MS = 8_000;
let nextRequest = 0;
const waiting = new Map<number, (r: { text?: string; error?: string }) => void>();
let listening = false;

/** A worker's /metrics: the aggregate the primary assembles (see {@link serveClusterMetrics}). */
function askPrimary(): Promise<string> {
  if (!listening) {
    listening = true;
    process.on('message', (m: { type?: string; id?: number; text?: string; error?: string }) => {
      if (m?.type !== RES || typeof m.id !== 'number') return;
      waiting.get(m.id)?.(m);
      waiting.delete(m.id);
    });
  }
  const id = nextRequest++;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error('the primary process did not answer the metrics request in time'));
    }, PRIMARY_TIMEOUT_MS);
    waiting.set(id, (r) => {
      clearTimeout(timer);
      if (r.text !== undefined) resolve(r.text);
      else reject(new Error(r.error ?? 'metrics request failed'));
    });
    process.send!({ type: REQ, id });
  });
}

/**
 * In the primary of `keygraph serve --workers N`, before forking: from now on {@link metrics}().render() answers
 * the workers' process registries summed plus this process's inventory gauges, and workers asking for /metrics get
 * that answer over IPC.
 */
export function serveClusterMetrics(): void {
  const m = metrics();
  m.aggregateWorkers();
  cluster.on('message', (worker, msg: { type?: string; id?: number }) => {
    if (msg?.type !== REQ || typeof msg.id !== 'number') return;
    m.render().then(
      (text) => worker.isConnected() && worker.send({ type: RES, id: msg.id, text }),
      (e: Error) => worker.isConnected() && worker.send({ type: RES, id: msg.id, error: e.message }),
    );
  });
}

/** The HTTP answer to a scrape: 200 with the exposition, or 503 when it cannot be assembled. */
export async function metricsResponse(m: Metrics = metrics()): Promise<Response> {
  try {
    return new Response(await m.render(), { headers: { 'Content-Type': METRICS_CONTENT_TYPE, 'Cache-Control': 'no-store' } });
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'metrics: scrape failed');
    return new Response('metrics unavailable\n', { status: 503, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } });
  }
}

/**
 * `keygraph serve --metrics-port N`: a second listener on 127.0.0.1 (never another address: it has no
 * authentication) that answers `GET /metrics` (and `HEAD`) and 404 to anything else. Port 0 picks a free one.
 */
export async function startMetricsServer(port: number, m: Metrics = metrics()): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found; try GET /metrics\n');
      return;
    }
    void metricsResponse(m).then(async (r) => {
      res.writeHead(r.status, Object.fromEntries(r.headers));
      res.end(req.method === 'HEAD' ? undefined : await r.text());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  return {
    url: `http://127.0.0.1:${actual}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ---- Route templates -------------------------------------------------------------------------------------------

/** Label of a request that matches no route of the app (404s: scanners' paths never become label values). */
export const UNMATCHED_ROUTE = 'unmatched';

interface Template {
  template: string;
  parts: { kind: 'static' | 'one' | 'many' | 'optional-many'; text: string }[];
  rank: number[];
}

/**
 * The app's route templates, from its `app/` folder (`page.*` and `route.*` files; route groups `(x)` dropped,
 * private `_x` and slot `@x` folders skipped, metadata files such as `icon.svg` at the root served as themselves),
 * and a function mapping a request path to its template: a static route first, then dynamic ones (a catch-all
 * last); `/_next/static/…` → `/_next/static`, other `/_next/…` → `/_next`; anything else {@link UNMATCHED_ROUTE}.
 */
export function routeMatcher(appDir: string): { templates: string[]; match: (pathname: string) => string } {
  const found: Template[] = [];
  const statics = new Set<string>();
  const walk = (dir: string, segs: string[]) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        if (e.name.startsWith('_') || e.name.startsWith('@') || e.name === 'node_modules') continue;
        walk(path.join(dir, e.name), /^\(.*\)$/.test(e.name) ? segs : [...segs, e.name]);
      } else if (/^(page|route)\.(tsx?|jsx?|mjs)$/.test(e.name)) {
        const template = '/' + segs.join('/');
        const parts = segs.map((s) => {
          if (/^\[\[\.\.\..+\]\]$/.test(s)) return { kind: 'optional-many' as const, text: s };
          if (/^\[\.\.\..+\]$/.test(s)) return { kind: 'many' as const, text: s };
          if (/^\[.+\]$/.test(s)) return { kind: 'one' as const, text: s };
          return { kind: 'static' as const, text: s };
        });
        if (parts.every((p) => p.kind === 'static')) statics.add(template);
        else found.push({ template, parts, rank: parts.map((p) => ['static', 'one', 'many', 'optional-many'].indexOf(p.kind)) });
      } else if (segs.length === 0 && /^(icon|apple-icon|favicon|robots|sitemap|manifest)\b/.test(e.name) && !/\.(tsx?|jsx?)$/.test(e.name)) {
        statics.add('/' + e.name);
      }
    }
  };
  walk(appDir, []);
  // More specific first: at the first differing segment, static before [x] before [...x].
  found.sort((a, b) => {
    for (let i = 0; i < Math.min(a.rank.length, b.rank.length); i++) if (a.rank[i] !== b.rank[i]) return a.rank[i]! - b.rank[i]!;
    return b.rank.length - a.rank.length;
  });
  const matches = (t: Template, segs: string[]): boolean => {
    for (let i = 0; i < t.parts.length; i++) {
      const p = t.parts[i]!;
      if (p.kind === 'many') return segs.length > i;
      if (p.kind === 'optional-many') return true;
      if (i >= segs.length) return false;
      if (p.kind === 'static' && p.text !== segs[i]) return false;
    }
    return segs.length === t.parts.length;
  };
  return {
    templates: [...statics, ...found.map((t) => t.template)].sort(),
    match(pathname) {
      let p = pathname.split('?')[0]!.replace(/\/{2,}/g, '/');
      try {
        p = decodeURI(p);
      } catch {
        return UNMATCHED_ROUTE;
      }
      if (p.length > 1) p = p.replace(/\/+$/, '');
      if (p.startsWith('/_next/')) return p.startsWith('/_next/static/') ? '/_next/static' : '/_next';
      if (statics.has(p)) return p;
      const segs = p.split('/').filter(Boolean);
      for (const t of found) if (matches(t, segs)) return t.template;
      return UNMATCHED_ROUTE;
    },
  };
}
