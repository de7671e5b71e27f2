/**
 * The source registry (collectors/index.ts SOURCES) drives the rest: the CLI's collect commands and their options,
 * the API's provider enum, parseId and the SQL id functions accept exactly the registered providers, every registered
 * linker runs at commit, and every run records its provider (real PostgreSQL), including the `collect files` run of
 * GCP keys only that the old coverage-based guess took for a Kubernetes run.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as cli, useCliDatabase } from '../test/cli';
import { SOURCES } from '.';
import { impactActionsFor, PROVIDER_KEYS, PROVIDERS, NODE_KIND_KEYS, NODE_KINDS, WORKLOAD_DISPLAY_ORDER, WORKLOAD_KIND_KEYS } from '../lib/graph/model';
import { IMPACT_ACTIONS } from '../lib/analysis/impact';
import { providerLabel, realmNoun } from '../lib/ui/format';
import { parseId } from '../lib/graph/ids';
import { SearchQuery } from '../lib/api/schemas';
import { registeredLinkers } from '../lib/store/linkers';
import { startRun } from '../lib/store/write';
import { latestRuns, runProvider } from '../lib/analysis/freshness';

const env = useCliDatabase('keygraph-sources-');
const DEMO_GCP = path.resolve(import.meta.dirname, '../lib/demo/gcp/day1');
const DEMO_K8S = path.resolve(import.meta.dirname, '../lib/demo/day1/payments.yaml');

describe('the source registry', () => {
  it('registers a source for every provider of the model; the sources of a provider split its model kinds between them', () => {
    expect([...new Set(SOURCES.map((s) => s.provider))].sort()).toEqual([...PROVIDER_KEYS].sort());
    expect(new Set(SOURCES.map((s) => s.command)).size).toBe(SOURCES.length);
    for (const p of PROVIDER_KEYS) {
      const mine = SOURCES.filter((s) => s.provider === p).flatMap((s) => s.kinds);
      for (const s of SOURCES) expect(s.kinds.length).toBeGreaterThan(0);
      expect(mine.length).toBe(new Set(mine).size);
      expect([...mine].sort()).toEqual(NODE_KIND_KEYS.filter((k) => NODE_KINDS[k].provider === p).sort());
    }
  });

  it('drives the CLI: every live source is a `keygraph collect` command with its declared options', async () => {
    const top = await cli('collect', '--help');
    expect(top.code).toBe(0);
    expect(top.out).toMatch(/^\s+files \[options\] <paths\.\.\.>/m);
    for (const s of SOURCES.filter((x) => x.live)) {
      expect(top.out).toMatch(new RegExp(`^\\s+${s.command} \\[options\\]`, 'm'));
      const help = (await cli('collect', s.command, '--help')).out.replace(/\s+/g, ' ');
      for (const o of s.live!.options) expect(help).toContain(`${o.flags} ${o.description}`);
      expect(help).toContain('--json print the run summaries as JSON');
    }
  });

  it('an option a source rejects is a usage error before anything is collected (exit 1, no run)', async () => {
    const r = await cli('collect', 'gcp', '--project', 'Not_A_Project');
    expect(r.code).toBe(1);
    expect(r.err).toContain('--project takes a GCP project id');
    const k = await cli('collect', 'k8s', '--page-size', 'many');
    expect(k.code).toBe(1);
    expect(k.err).toContain('--page-size must be a whole number');
    expect((await env.db.pool.query(`SELECT count(*)::int AS n FROM runs`)).rows[0].n).toBe(0);
  });

  it('the API provider enum and parseId accept exactly the registered providers', () => {
    for (const s of SOURCES) {
      expect(SearchQuery.safeParse({ provider: s.provider }).success).toBe(true);
      const id = PROVIDERS[s.provider].namespaced ? `${s.provider}:realm/ns/Kind/name` : `${s.provider}:realm/Kind/name`;
      expect(parseId(id)).toMatchObject({ provider: s.provider, realm: 'realm', kind: 'Kind', name: 'name' });
    }
    for (const other of ['aws', 'azure', 'files', 'derived', 'K8S']) {
      expect(SearchQuery.safeParse({ provider: other }).success).toBe(false);
      expect(parseId(`${other}:realm/Kind/name`)).toBeNull();
    }
    // A non-namespaced provider's id has exactly 3 segments.
    for (const p of PROVIDER_KEYS.filter((k) => !PROVIDERS[k].namespaced)) expect(parseId(`${p}:realm/ns/Kind/name`)).toBeNull();
  });

  it('the SQL id functions accept exactly the registered providers (a new provider needs them redefined)', async () => {
    const ids = [...PROVIDER_KEYS.map((p) => `${p}:realm/Kind/name`), 'aws:realm/Kind/name'];
    const r = await env.db.pool.query<{ id: string; provider: string | null }>(`SELECT id, kg_id_provider(id) AS provider FROM unnest($1::text[]) id`, [ids]);
    expect(Object.fromEntries(r.rows.map((x) => [x.id, x.provider]))).toEqual(Object.fromEntries(ids.map((id) => [id, parseId(id)?.provider ?? null])));
  });

  it('the UI labels, realm nouns and impact actions come from the model', () => {
    for (const p of PROVIDER_KEYS) {
      expect(providerLabel(p)).toBe(PROVIDERS[p].label);
      expect(realmNoun(p)).toBe(PROVIDERS[p].realmNoun);
    }
    expect([realmNoun('k8s'), realmNoun('gcp'), providerLabel('gcp')]).toEqual(['cluster', 'project', 'GCP']);
    expect(impactActionsFor('k8s', 'Secret')).toEqual(['delete', 'rename', 'rotate']);
    expect(impactActionsFor('k8s', 'Deployment')).toEqual(['delete', 'rename']);
    expect(impactActionsFor('k8s', 'Prometheus')).toEqual(['delete', 'rename']); // a kind the model does not declare
    expect(impactActionsFor('gcp', 'ServiceAccountKey')).toEqual(['delete', 'disable', 'rotate']);
    expect(impactActionsFor('gcp', 'ServiceAccount')).toEqual(['delete', 'disable']);
    // Every action a kind offers is one impact answers.
    for (const k of NODE_KIND_KEYS) for (const a of impactActionsFor(NODE_KINDS[k].provider, NODE_KINDS[k].kind)) expect(IMPACT_ACTIONS).toContain(a);
  });

  it('workloads are listed top-level first: a controller before the kinds it creates', () => {
    expect([...WORKLOAD_DISPLAY_ORDER].sort()).toEqual([...WORKLOAD_KIND_KEYS].sort());
    const at = (k: string) => WORKLOAD_DISPLAY_ORDER.indexOf(`k8s:${k}` as (typeof WORKLOAD_DISPLAY_ORDER)[number]);
    expect(at('Deployment')).toBeLessThan(at('ReplicaSet'));
    expect(at('CronJob')).toBeLessThan(at('Job'));
    expect(at('DeploymentConfig')).toBeLessThan(at('ReplicationController'));
  });

  it('the store runs every registered linker (Workload Identity, from the GCP source)', () => {
    expect(registeredLinkers().map((l) => l.name)).toEqual(SOURCES.flatMap((s) => s.linkers ?? []).map((l) => l.name));
    expect(registeredLinkers().map((l) => l.name)).toContain('workload-identity');
  });
});

describe('runs record their provider', () => {
  const runsOf = async (scope: string) =>
    (await env.db.pool.query<{ source: string; provider: string | null; coverage: Record<string, unknown> }>(
      `SELECT source, provider, coverage FROM runs WHERE scope = $1 ORDER BY id`, [scope])).rows;

  it('collect files: each run gets the provider of the source that recognised its documents', async () => {
    const r = await cli('collect', 'files', DEMO_K8S, path.join(DEMO_GCP, 'service-accounts.json'), '--cluster', 'demo', '--json');
    expect(r.code).toBe(0);
    const scopes = JSON.parse(r.out).map((x: { scope: string }) => x.scope).sort();
    expect(scopes).toEqual(['demo', 'keygraph-demo']);
    expect(await runsOf('demo')).toMatchObject([{ source: 'files', provider: 'k8s' }]);
    expect(await runsOf('keygraph-demo')).toMatchObject([{ source: 'files', provider: 'gcp' }]);
  });

  it('a files run of GCP keys only covers no kind, and still counts as GCP (the old guess said Kubernetes)', async () => {
    const r = await cli('collect', 'files', path.join(DEMO_GCP, 'keys-payments-api.json'), '--cluster', 'unused', '--json');
    expect(r.code).toBe(0);
    const [run] = JSON.parse(r.out);
    expect(run.scope).toBe('keygraph-demo');
    const row = (await env.db.pool.query(`SELECT source, provider, coverage FROM runs WHERE id = $1`, [run.runId])).rows[0];
    expect(row).toMatchObject({ source: 'files', provider: 'gcp' });
    expect(Object.keys(row.coverage)).toEqual([]);
    expect(runProvider({ source: 'files', coverage: row.coverage })).toBe('k8s'); // what freshness guessed before
    const latest = (await latestRuns(env.db)).find((x) => x.id === run.runId)!;
    expect(runProvider(latest)).toBe('gcp');
  });

  it('a live run records its source\'s provider from the start; a files run without one gets it from its coverage at commit', async () => {
    const live = await startRun(env.db, 'gcp', 'acme-live');
    expect((await runsOf('acme-live'))[0]!.provider).toBe('gcp');
    await live.fail('test');
    const files = await startRun(env.db, 'files', 'gke-files');
    expect((await runsOf('gke-files'))[0]!.provider).toBeNull();
    await files.commit({ nodes: [], edges: [], errors: [], coverage: { 'k8s:Secret': { complete: true, count: 0 } } });
    expect((await runsOf('gke-files'))[0]!.provider).toBe('k8s');
  });
});

describe('migration 20261204010000_run_provider backfill', () => {
  const sql = readFileSync(path.resolve(import.meta.dirname, '../prisma/migrations/20261204010000_run_provider/migration.sql'), 'utf8');
  const update = sql.slice(sql.indexOf('UPDATE "runs"'));
  let ids: number[] = [];
  beforeAll(async () => {
    const rows = [
      ['gcp', 'bf-gcp', {}],
      ['files', 'bf-gcp-files', { 'gcp:ServiceAccount': { complete: true, count: 1 } }],
      ['files', 'bf-k8s-files', { 'k8s:Pod': { complete: true, count: 1, namespaces: ['a'] } }],
      ['k8s', 'bf-k8s', {}],
    ] as const;
    ids = [];
    for (const [source, scope, coverage] of rows) {
      ids.push((await env.db.pool.query(`INSERT INTO runs (source, scope, status, coverage) VALUES ($1, $2, 'succeeded', $3::jsonb) RETURNING id`, [source, scope, JSON.stringify(coverage)])).rows[0].id);
    }
  });
  afterAll(async () => {
    await env.db.pool.query(`DELETE FROM runs WHERE id = ANY($1::int[])`, [ids]);
  });

  it('sets the provider the coverage-based guess gave', async () => {
    // The shipped statement (it has no WHERE clause), limited to this test's rows.
    expect(update).not.toMatch(/\bWHERE\b(?![^(]*\))/);
    await env.db.pool.query(`${update.trim().replace(/;$/, '')} WHERE id = ANY($1::int[])`, [ids]);
    const r = await env.db.pool.query<{ source: string; scope: string; provider: string; coverage: Record<string, unknown> }>(
      `SELECT source, scope, provider, coverage FROM runs WHERE id = ANY($1::int[]) ORDER BY id`, [ids]);
    expect(r.rows.map((x) => [x.scope, x.provider])).toEqual([['bf-gcp', 'gcp'], ['bf-gcp-files', 'gcp'], ['bf-k8s-files', 'k8s'], ['bf-k8s', 'k8s']]);
    for (const x of r.rows) expect(x.provider).toBe(runProvider({ source: x.source, coverage: x.coverage }));
  });
});
