/**
 * Shared helpers of the robustness tests (test/robustness/*.test.ts): state snapshots and checksums of the history
 * tables, the CLI as a child process, and the web app as a child process (`keygraph serve`).
 *
 * Everything binds to 127.0.0.1. Child processes are tracked and killed by pid (never by name) when a test file ends.
 */
import { freePort } from '../../lib/db/embedded';

export { freePort };
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'bin', 'keygraph.mjs');

/** Current observed nodes and edges of one source/scope, grouped by kind (nodes) / origin kind (edges). */
export interface ScopeState {
  /** kind key → `node_id hash` entries. */
  nodes: Map<string, Set<string>>;
  /** origin kind → `edge_key hash` entries. */
  edges: Map<string, Set<string>>;
}

export async function scopeState(pool: pg.Pool, source: string, scope: string): Promise<ScopeState> {
  const nodes = new Map<string, Set<string>>();
  const edges = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, k: string, v: string) => {
    let s = m.get(k);
    if (!s) m.set(k, (s = new Set()));
    s.add(v);
  };
  const n = await pool.query<{ k: string; v: string }>(
    `SELECT provider || ':' || kind AS k, node_id || ' ' || hash AS v FROM node_versions
     WHERE source = $1 AND scope = $2 AND valid_to IS NULL AND NOT missing`,
    [source, scope],
  );
  for (const r of n.rows) add(nodes, r.k, r.v);
  const e = await pool.query<{ k: string; v: string }>(
    `SELECT origin_kind AS k, edge_key || ' ' || hash AS v FROM edge_versions
     WHERE source = $1 AND scope = $2 AND valid_to IS NULL`,
    [source, scope],
  );
  for (const r of e.rows) add(edges, r.k, r.v);
  return { nodes, edges };
}

export const setOf = (m: Map<string, Set<string>>, k: string): Set<string> => m.get(k) ?? new Set();
export const sameSet = (a: Set<string>, b: Set<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));
export const subset = (a: Set<string>, b: Set<string>): boolean => [...a].every((x) => b.has(x));

/**
 * md5 of every row of node_versions and edge_versions (all columns, in id order), and of the runs table except
 * the rows listed in `exceptRuns`. Equal checksums = byte-for-byte the same history.
 */
export async function historyChecksum(pool: pg.Pool, exceptRuns: number[] = []): Promise<{ nodes: string; edges: string; runs: string; rows: number }> {
  const r = await pool.query<{ nodes: string | null; edges: string | null; runs: string | null; rows: string }>(
    `SELECT
       (SELECT md5(string_agg(t::text, E'\\n' ORDER BY t.id)) FROM node_versions t) AS nodes,
       (SELECT md5(string_agg(t::text, E'\\n' ORDER BY t.id)) FROM edge_versions t) AS edges,
       (SELECT md5(string_agg(t::text, E'\\n' ORDER BY t.id)) FROM runs t WHERE NOT (t.id = ANY($1::int[]))) AS runs,
       (SELECT count(*) FROM node_versions) + (SELECT count(*) FROM edge_versions) AS rows`,
    [exceptRuns],
  );
  const row = r.rows[0]!;
  return { nodes: row.nodes ?? '', edges: row.edges ?? '', runs: row.runs ?? '', rows: Number(row.rows) };
}


const children = new Set<ChildProcess>();

/** Kills every child this module started that is still alive (by pid). Call in afterAll. */
export function killChildren(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null && c.pid) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  children.clear();
}

export interface CliProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal name) once the process ended. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Peak RSS of the process in MiB, sampled from /proc every 50 ms (0 where /proc is not available). */
  peakRssMiB: () => number;
}

/** Starts `node bin/keygraph.mjs ARGS…` with `env` added to this process's environment. */
export function startCli(args: string[], env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', KEYGRAPH_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-200_000)));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-200_000)));
  let peak = 0;
  const sampler = setInterval(() => {
    const kb = rssKb(child.pid);
    if (kb > peak) peak = kb;
  }, 50);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      clearInterval(sampler);
      children.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, stdout: () => out, stderr: () => err, done, peakRssMiB: () => Math.round(peak / 1024) };
}

/** Runs the CLI to completion. */
export async function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; peakRssMiB: number }> {
  const p = startCli(args, env);
  const { code } = await p.done;
  return { code, stdout: p.stdout(), stderr: p.stderr(), peakRssMiB: p.peakRssMiB() };
}

/** Resident set size of a process in KiB (VmRSS), 0 when unknown. */
function rssKb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(text);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Whether the production build of the web app exists (`.next/BUILD_ID`). The robustness tests never build it
 * themselves (a build in a shared working tree would disturb others): run `npm run build` first. When a build is
 * in progress (`.next` exists without BUILD_ID), waits up to `waitMs` for it.
 */
export async function webBuildReady(waitMs = 180_000): Promise<boolean> {
  const id = path.join(ROOT, '.next', 'BUILD_ID');
  const deadline = Date.now() + waitMs;
  while (!existsSync(id)) {
    if (!existsSync(path.join(ROOT, '.next')) || Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return true;
}

export const NO_BUILD = 'no production build of the web app (.next/BUILD_ID): run `npm run build` first; web checks skipped';

export interface WebApp {
  url: string;
  process: CliProcess;
  stop(): Promise<void>;
}

/**
 * Starts `keygraph serve` on a free loopback port against `databaseUrl` and waits until /healthz answers.
 * Needs the production build (`.next/BUILD_ID`); `keygraph serve` builds it when missing.
 */
export async function startWebApp(databaseUrl: string, extraEnv: Record<string, string> = {}): Promise<WebApp> {
  if (!existsSync(path.join(ROOT, '.next', 'BUILD_ID'))) throw new Error(NO_BUILD);
  // freePort() only asks the OS for a port that is free now: another test's server may take it first. A server is
  // ours once it printed that it serves our URL (a /healthz answer alone may come from that other server); if ours
  // could not bind, it exits and we try another port.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const p = startCli(['serve', '--port', String(port)], { DATABASE_URL: databaseUrl, ...extraEnv });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 240_000;
    let exited = false;
    for (;;) {
      if (p.child.exitCode !== null) {
        exited = true;
        break;
      }
      if (p.stdout().includes(`keygraph is serving ${url}`)) {
        try {
          const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
          if (r.ok) break;
        } catch {
          /* not yet */
        }
      }
      if (Date.now() > deadline) throw new Error(`keygraph serve did not answer in time: ${p.stderr().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    if (exited) {
      if (attempt < 3 && /EADDRINUSE/.test(p.stderr())) continue;
      throw new Error(`keygraph serve exited with ${p.child.exitCode}: ${p.stderr().slice(-2000)}`);
    }
    return {
      url,
      process: p,
      stop: async () => {
        if (p.child.exitCode !== null || p.child.signalCode !== null) return;
        p.child.kill('SIGTERM');
        const t = setTimeout(() => p.child.pid && p.child.exitCode === null && process.kill(p.child.pid, 'SIGKILL'), 10_000);
        await p.done;
        clearTimeout(t);
      },
    };
  }
}

/** GET with a timeout; never throws (network errors come back as status 0 with the message as body). */
export async function get(url: string, timeoutMs = 15_000): Promise<{ status: number; body: string; ms: number; headers: Headers }> {
  const t0 = performance.now();
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    const body = await r.text();
    return { status: r.status, body, ms: performance.now() - t0, headers: r.headers };
  } catch (e) {
    return { status: 0, body: (e as Error).message, ms: performance.now() - t0, headers: new Headers() };
  }
}

/** Rows as a Markdown table (for pasting into notes). */
export function markdownTable(rows: Record<string, unknown>[]): string {
  if (!rows.length) return '';
  const cols = Object.keys(rows[0]!);
  const cell = (v: unknown) => String(v ?? '').replace(/\|/g, '\\|');
  return [
    `| ${cols.join(' | ')} |`,
    `| ${cols.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${cols.map((c) => cell(r[c])).join(' | ')} |`),
  ].join('\n');
}

/** A Secret name literally `%2e%2e` (the mapper accepts any name without `/` or whitespace): decoded twice it is `..`. */
export const DOTS = '%2e%2e';
/** A Secret name with a U+202E override: displays as "evilexe.png" when rendered as is. */
export const SPOOF = 'evil\u202egnp.exe';

/**
 * Manifests of namespace `app` with hostile names: Secrets {@link DOTS} and {@link SPOOF}, and a Deployment `api`
 * that reads SPOOF and the Secrets named in `alsoReads` (which need not exist) through envFrom.
 */
export function hostileNameManifests(alsoReads: string[] = []): string {
  const refs = [SPOOF, ...alsoReads].map((n) => `{secretRef: {name: "${n}"}}`).join(', ');
  return `apiVersion: v1
kind: Secret
metadata: {name: '${DOTS}', namespace: app}
data: {k: dg==}
---
apiVersion: v1
kind: Secret
metadata: {name: "${SPOOF}", namespace: app}
data: {k: dg==}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: app}
spec:
  template:
    spec:
      containers:
      - {name: api, image: 'api:1', envFrom: [${refs}]}
`;
}
