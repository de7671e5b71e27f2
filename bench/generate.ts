/**
 * Synthetic cluster dump for the ingest benchmark: a kubectl `List` JSON (as `kubectl get
 * ns,sa,secrets,deploy,rs,pods,ing -A -o json` prints it, one item per line) with realistic objects and fan-out.
 *
 * Defaults: 200 namespaces, 30,000 Secrets (Opaque with 2-4 keys, about 1% of them GCP key files,
 * kubernetes.io/tls, kubernetes.io/dockerconfigjson, kubernetes.io/service-account-token), 2,000 ServiceAccounts
 * (one `default` per namespace, some with token `secrets`, pull secrets or a Workload Identity annotation),
 * 5,000 Deployments with 1-2 ReplicaSets each, 20,000 running Pods owned by the current ReplicaSets and carrying
 * their template's references, and 1,000 Ingresses with TLS. That is about 65,000 objects. `--scale 1.5` gives
 * about 100,000. Each Deployment template references 2-6 Secrets of its namespace (env `secretKeyRef`, `envFrom`,
 * secret volumes with and without `items`, projected volumes, `imagePullSecrets`). About 1% of references are
 * dangling, and about 0.5% ask for a data key the Secret does not have.
 *
 * Output is deterministic for a seed: the same options give the same bytes. Secret values are random bytes from
 * the seeded PRNG. They are fake, and GCP key files carry the PEM body `ZmFrZQ==` ("fake").
 *
 * The default dump is about 100 MB in one file, which is more than `keygraph collect files` reads per file by
 * default (64 MiB). Use `--split-mb 48` (or {@link writeClusterDumpFiles}) to write OUT as a folder of `List` files.
 *
 *     node --import tsx bench/generate.ts bench/out/cluster.json [--seed 1] [--scale 1.5] [--secrets N] [--pods N]
 *       [--deployments N] [--service-accounts N] [--ingresses N] [--namespaces N] [--split-mb N]
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import type { Writable } from 'node:stream';
import { DEMO_TLS_CERT } from '../lib/demo/build';

/** A Kubernetes object as plain JSON. */
export type KubeObject = { apiVersion: string; kind: string; metadata: Record<string, unknown> } & Record<string, unknown>;

/** What to generate. Counts are exact for each kind, except ReplicaSets (1-2 per Deployment) and Namespaces. */
export interface ClusterDumpOptions {
  secrets: number;
  pods: number;
  deployments: number;
  /** Includes one `default` ServiceAccount per namespace (when the count allows). */
  serviceAccounts: number;
  ingresses: number;
  /** Namespaces to spread objects over; default 200 (fewer when there are fewer Deployments). */
  namespaces?: number;
  /** PRNG seed; default 1. */
  seed?: number;
  /** Share of references that point at a Secret that does not exist; default 0.01. */
  danglingRate?: number;
  /** Share of `secretKeyRef`/`items` references to a data key the Secret lacks; default 0.005. */
  missingKeyRate?: number;
}

/** The benchmark's default size (docs/ARCHITECTURE.md "Scale"). */
export const DEFAULT_DUMP_OPTIONS: Required<Omit<ClusterDumpOptions, 'danglingRate' | 'missingKeyRate'>> = {
  secrets: 30_000,
  pods: 20_000,
  deployments: 5_000,
  serviceAccounts: 2_000,
  ingresses: 1_000,
  namespaces: 200,
  seed: 1,
};

/** {@link DEFAULT_DUMP_OPTIONS} with every count but `namespaces` multiplied by `scale` (rounded); same seed. */
export function scaledDumpOptions(scale: number): typeof DEFAULT_DUMP_OPTIONS {
  return Object.fromEntries(
    Object.entries(DEFAULT_DUMP_OPTIONS).map(([k, v]) => [k, k === 'seed' || k === 'namespaces' ? v : Math.round(v * scale)]),
  ) as typeof DEFAULT_DUMP_OPTIONS;
}

// ---------------------------------------------------------------------------------------------------------------
// Seeded PRNG
// ---------------------------------------------------------------------------------------------------------------

/** sfc32, a small fast PRNG with a 128-bit state; returns floats in [0, 1). */
export function createRng(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = (): number => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 15; i++) next(); // warm up so nearby seeds diverge
  return next;
}

/** Random helpers over one PRNG stream. */
class Random {
  constructor(readonly next: () => number) {}
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }
  /** Picks by relative weight; `weights` sums need not be 1. */
  weighted<T extends string>(weights: Readonly<Record<T, number>>): T {
    const entries = Object.entries(weights) as Array<[T, number]>;
    let r = this.next() * entries.reduce((s, [, w]) => s + w, 0);
    for (const [k, w] of entries) if ((r -= w) < 0) return k;
    return entries[entries.length - 1]![0];
  }
  /** `n` random bytes. */
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  hex(n: number): string {
    return this.bytes(Math.ceil(n / 2)).toString('hex').slice(0, n);
  }
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  }
  /** Suffix from the alphabet Kubernetes uses for generated names. */
  suffix(n: number): string {
    const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The plan: names, types and references only (small), from which objects are emitted one at a time
// ---------------------------------------------------------------------------------------------------------------

const TEAMS = [
  'payments', 'checkout', 'catalog', 'search', 'ota', 'billing', 'identity', 'notifications', 'ledger', 'fraud',
  'shipping', 'inventory', 'pricing', 'reviews', 'media', 'ads', 'analytics', 'reporting', 'messaging', 'chat',
  'maps', 'routing', 'fleet', 'telemetry', 'devices', 'firmware', 'support', 'crm', 'marketing', 'growth',
  'recommend', 'feed', 'profile', 'auth', 'sso', 'audit', 'compliance', 'risk', 'loans', 'cards',
  'wallet', 'rewards', 'partners', 'vendor', 'warehouse', 'orders', 'returns', 'tax', 'invoicing', 'platform',
] as const;
const ENVS = ['prod', 'staging', 'dev', 'qa'] as const;
const APPS = [
  'api', 'worker', 'gateway', 'scheduler', 'consumer', 'web', 'admin', 'sync', 'importer', 'exporter', 'cron',
  'indexer', 'notifier', 'proxy', 'backend', 'frontend', 'processor', 'reconciler', 'poller', 'bridge',
] as const;
const OPAQUE_PURPOSES = [
  'db-credentials', 'api-keys', 'config', 'oauth-client', 'smtp', 's3-credentials', 'redis-auth', 'jwt-signing',
  'webhook-secret', 'sentry-dsn', 'kafka-sasl', 'encryption-key', 'license', 'basic-auth', 'slack-token',
] as const;
const KEY_NAMES = [
  'username', 'password', 'host', 'port', 'database', 'api-key', 'api-secret', 'token', 'client-id',
  'client-secret', 'url', 'dsn', 'DB_PASSWORD', 'DB_USER', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY',
  'signing-key', 'config.yaml', 'credentials.json', 'REDIS_PASSWORD',
] as const;

type SecretType = 'Opaque' | 'gcpKey' | 'kubernetes.io/tls' | 'kubernetes.io/dockerconfigjson' | 'kubernetes.io/service-account-token';

/** One Secret to emit. */
interface SecretPlan {
  name: string;
  type: SecretType;
  keys: string[];
  /** service-account-token: the ServiceAccount it belongs to. */
  serviceAccount?: string;
}

/** One reference from a pod template. */
export interface RefPlan {
  via: 'env' | 'envFrom' | 'volume' | 'projected' | 'imagePullSecret';
  secret: string;
  /** Data keys read (env: one; volume/projected with items: some). */
  keys?: string[];
  optional: boolean;
  dangling: boolean;
  missingKey: boolean;
}

interface DeploymentPlan {
  name: string;
  uid: string;
  serviceAccount: string;
  image: string;
  refs: RefPlan[];
  replicas: number;
  /** pod-template-hash of the current ReplicaSet and, when present, of an older one scaled to zero. */
  hash: string;
  oldHash: string | null;
  rsUid: string;
  oldRsUid: string | null;
  created: string;
}

interface ServiceAccountPlan {
  name: string;
  uid: string;
  tokenSecret?: string;
  pullSecret?: string;
  gcpServiceAccount?: string;
}

interface IngressPlan {
  name: string;
  host: string;
  tlsSecret: string | null;
  dangling: boolean;
}

interface NamespacePlan {
  name: string;
  secrets: SecretPlan[];
  serviceAccounts: ServiceAccountPlan[];
  deployments: DeploymentPlan[];
  ingresses: IngressPlan[];
}

/** Everything the generator decided, without the bulky parts (values, full specs). */
export interface ClusterPlan {
  options: Required<ClusterDumpOptions>;
  namespaces: NamespacePlan[];
}

/** What a dump holds, for benchmark reports and tests. */
export interface DumpSummary {
  /** Objects per kind. */
  counts: Record<string, number>;
  total: number;
  /** Secret references from Deployment templates (pods repeat them; ServiceAccounts and Ingresses are extra). */
  templateRefs: number;
  /** Dangling references, each by namespace, referrer (`Kind/name`) and missing Secret name. */
  dangling: Array<{ namespace: string; from: string; secret: string; optional: boolean }>;
  /** References to a data key the Secret does not have. */
  missingKeys: Array<{ namespace: string; from: string; secret: string; key: string }>;
  bytes?: number;
}

/** Splits `total` over `weights` exactly (largest remainder). */
function apportion(total: number, weights: number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  const raw = weights.map((w) => (total * w) / sum);
  const out = raw.map(Math.floor);
  let left = total - out.reduce((s, n) => s + n, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((x, y) => y[0] - x[0] || x[1] - y[1]);
  for (let i = 0; left > 0; i = (i + 1) % order.length, left--) out[order[i]![1]]! += 1;
  return out;
}

/** Adds a unique name to `used`, suffixing `-2`, `-3`… on collision. */
function unique(used: Set<string>, base: string): string {
  let name = base;
  for (let n = 2; used.has(name); n++) name = `${base}-${n}`;
  used.add(name);
  return name;
}

/** An RFC 3339 instant `days` (fractional) before 2025-01-15T00:00:00Z. */
function daysAgo(days: number): string {
  return new Date(Date.UTC(2025, 0, 15) - Math.floor(days * 86_400_000 / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Decides names, types and references. Deterministic for `opts.seed`. */
export function planCluster(input: ClusterDumpOptions): ClusterPlan {
  const options: Required<ClusterDumpOptions> = {
    ...input,
    namespaces: Math.max(1, input.namespaces ?? Math.min(DEFAULT_DUMP_OPTIONS.namespaces, input.deployments)),
    seed: input.seed ?? DEFAULT_DUMP_OPTIONS.seed,
    danglingRate: input.danglingRate ?? 0.01,
    missingKeyRate: input.missingKeyRate ?? 0.005,
  };
  for (const k of ['secrets', 'pods', 'deployments', 'serviceAccounts', 'ingresses'] as const) {
    if (!Number.isInteger(options[k]) || options[k] < 0) throw new Error(`${k} must be a non-negative integer`);
  }
  const rng = new Random(createRng(options.seed));
  const nsCount = options.namespaces;

  // Skewed namespace sizes: a few big namespaces, a long tail.
  const weights = Array.from({ length: nsCount }, () => 0.2 + rng.next() ** 2 * 3);
  const secretsPer = apportion(options.secrets, weights);
  const deploymentsPer = apportion(options.deployments, weights);
  const ingressesPer = apportion(options.ingresses, weights);
  const defaults = Math.min(nsCount, options.serviceAccounts);
  const extraSaPer = apportion(options.serviceAccounts - defaults, weights);

  const namespaces: NamespacePlan[] = [];
  for (let i = 0; i < nsCount; i++) {
    const team = TEAMS[i % TEAMS.length]!;
    const env = ENVS[Math.floor(i / TEAMS.length) % ENVS.length]!;
    const round = Math.floor(i / (TEAMS.length * ENVS.length));
    const name = round === 0 ? `${team}-${env}` : `${team}-${env}-${round + 1}`;
    namespaces.push({ name, secrets: [], serviceAccounts: [], deployments: [], ingresses: [] });
  }

  for (const [i, ns] of namespaces.entries()) {
    const team = ns.name.split('-')[0]!;
    // ServiceAccounts: `default` plus app identities.
    const saNames = new Set<string>();
    if (i < defaults) ns.serviceAccounts.push({ name: unique(saNames, 'default'), uid: rng.uuid() });
    for (let k = 0; k < extraSaPer[i]!; k++) {
      ns.serviceAccounts.push({ name: unique(saNames, `${team}-${rng.pick(APPS)}`), uid: rng.uuid() });
    }

    // Secrets by type. Tokens belong to ServiceAccounts of the namespace.
    const used = new Set<string>();
    const count = secretsPer[i]!;
    for (let k = 0; k < count; k++) {
      const type: SecretType = rng.weighted({
        Opaque: 70,
        gcpKey: 0.8,
        'kubernetes.io/tls': 10,
        'kubernetes.io/dockerconfigjson': 7,
        'kubernetes.io/service-account-token': ns.serviceAccounts.length ? 12 : 0,
      });
      const app = `${team}-${rng.pick(APPS)}`;
      if (type === 'Opaque') {
        const keys = new Set<string>();
        const n = rng.between(2, 4);
        while (keys.size < n) keys.add(rng.pick(KEY_NAMES));
        ns.secrets.push({ name: unique(used, `${app}-${rng.pick(OPAQUE_PURPOSES)}`), type, keys: [...keys] });
      } else if (type === 'gcpKey') {
        ns.secrets.push({ name: unique(used, `${app}-gcp-sa-key`), type, keys: ['key.json'] });
      } else if (type === 'kubernetes.io/tls') {
        ns.secrets.push({ name: unique(used, `${app}-tls`), type, keys: ['tls.crt', 'tls.key', 'ca.crt'] });
      } else if (type === 'kubernetes.io/dockerconfigjson') {
        ns.secrets.push({ name: unique(used, rng.pick(['regcred', 'registry-pull', 'gcr-pull', 'ghcr-pull', 'artifactory-pull'])), type, keys: ['.dockerconfigjson'] });
      } else {
        const sa = rng.pick(ns.serviceAccounts);
        const name = unique(used, `${sa.name}-token-${rng.suffix(5)}`);
        sa.tokenSecret ??= name;
        ns.secrets.push({ name, type, keys: ['ca.crt', 'namespace', 'token'], serviceAccount: sa.name });
      }
    }
    const byType = (t: SecretType): SecretPlan[] => ns.secrets.filter((s) => s.type === t);
    const opaque = [...byType('Opaque'), ...byType('gcpKey')];
    const tls = byType('kubernetes.io/tls');
    const pulls = byType('kubernetes.io/dockerconfigjson');

    /** A name that is certainly not a Secret of this namespace (a renamed or deleted one). */
    const missingName = (base: string): string => {
      let name = `${base}-old`;
      for (let n = 2; used.has(name); n++) name = `${base}-old-${n}`;
      return name;
    };

    for (const sa of ns.serviceAccounts) {
      if (pulls.length && rng.chance(0.15)) sa.pullSecret = rng.pick(pulls).name;
      if (sa.name !== 'default' && rng.chance(0.1)) {
        sa.gcpServiceAccount = `${sa.name.slice(0, 30).replace(/-+$/, '')}@${team}-project.iam.gserviceaccount.com`;
      }
    }

    // Deployments with 2-6 references each.
    const depNames = new Set<string>();
    for (let k = 0; k < deploymentsPer[i]!; k++) {
      const app = rng.pick(APPS);
      const name = unique(depNames, `${team}-${app}`);
      const refs: RefPlan[] = [];
      const n = rng.between(2, 6);
      for (let r = 0; r < n; r++) {
        let via = rng.weighted({ env: 35, envFrom: 20, volume: 20, projected: 10, imagePullSecret: pulls.length ? 15 : 0 });
        if (opaque.length === 0 && tls.length === 0 && via !== 'imagePullSecret') via = pulls.length ? 'imagePullSecret' : via;
        const pool = via === 'imagePullSecret' ? pulls : via === 'volume' && tls.length && rng.chance(0.3) ? tls : opaque.length ? opaque : tls.length ? tls : pulls;
        if (pool.length === 0) continue;
        const target = rng.pick(pool);
        const dangling = rng.chance(options.danglingRate);
        const optional = via !== 'imagePullSecret' && rng.chance(0.1);
        const missingKey = !dangling && (via === 'env' || via === 'projected') && rng.chance(options.missingKeyRate);
        let keys: string[] | undefined;
        if (via === 'env') keys = [missingKey ? 'LEGACY_KEY' : rng.pick(target.keys)];
        else if (via === 'projected' || (via === 'volume' && rng.chance(0.4))) {
          keys = target.keys.filter(() => rng.chance(0.6));
          if (keys.length === 0) keys = [target.keys[0]!];
          if (missingKey) keys = [...keys, 'LEGACY_KEY'];
        }
        refs.push({ via, secret: dangling ? missingName(target.name) : target.name, keys, optional, dangling, missingKey });
      }
      const saNamesList = ns.serviceAccounts.map((x) => x.name);
      const sa = rng.chance(0.6) && saNamesList.length ? rng.pick(saNamesList) : 'default';
      ns.deployments.push({
        name,
        uid: rng.uuid(),
        serviceAccount: sa,
        image: `europe-docker.pkg.dev/${team}-project/apps/${name}:${rng.between(1, 9)}.${rng.between(0, 40)}.${rng.between(0, 20)}`,
        refs,
        replicas: 0,
        hash: rng.suffix(10),
        oldHash: rng.chance(0.5) ? rng.suffix(10) : null,
        rsUid: rng.uuid(),
        oldRsUid: null,
        created: daysAgo(30 + rng.next() * 300),
      });
      const d = ns.deployments[ns.deployments.length - 1]!;
      if (d.oldHash) d.oldRsUid = rng.uuid();
    }

    // Ingresses with TLS; about 1 in 100 names a Secret that does not exist.
    const ingNames = new Set<string>();
    for (let k = 0; k < ingressesPer[i]!; k++) {
      const name = unique(ingNames, `${team}-${rng.pick(APPS)}`);
      const host = `${name}.${ns.name}.example.com`;
      if (tls.length && !rng.chance(options.danglingRate)) {
        ns.ingresses.push({ name, host, tlsSecret: rng.pick(tls).name, dangling: false });
      } else if (tls.length || rng.chance(0.5)) {
        // A certificate Secret that was renamed or never created.
        ns.ingresses.push({ name, host, tlsSecret: missingName(`${name}-tls`), dangling: true });
      } else {
        // TLS served with the controller's default certificate: no secretName, not a reference.
        ns.ingresses.push({ name, host, tlsSecret: null, dangling: false });
      }
    }
  }

  // Pods: each Deployment with at least one when there are enough, the rest heavy-tailed.
  const all = namespaces.flatMap((ns) => ns.deployments);
  let pods = options.pods;
  if (all.length) {
    if (pods >= all.length) {
      for (const d of all) d.replicas = 1;
      pods -= all.length;
    }
    const cumulative: number[] = [];
    let acc = 0;
    for (let k = 0; k < all.length; k++) cumulative.push((acc += rng.next() ** 3 + 0.01));
    for (; pods > 0; pods--) {
      const r = rng.next() * acc;
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid]! > r) hi = mid;
        else lo = mid + 1;
      }
      all[lo]!.replicas += 1;
    }
  }
  return { options, namespaces };
}

// ---------------------------------------------------------------------------------------------------------------
// Emission
// ---------------------------------------------------------------------------------------------------------------

/** The demo's public throwaway certificate, so TLS parsing is exercised; the key is random bytes. */
const BENCH_CERT_B64 = Buffer.from(DEMO_TLS_CERT).toString('base64');

/** Base64 of `n` random bytes. */
const randomValue = (rng: Random, lo: number, hi: number): string => rng.bytes(rng.between(lo, hi)).toString('base64');

function secretObject(ns: string, s: SecretPlan, rng: Random): KubeObject {
  const data: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  let type: string = s.type;
  if (s.type === 'Opaque') {
    for (const k of s.keys) data[k] = randomValue(rng, 12, 48);
  } else if (s.type === 'gcpKey') {
    type = 'Opaque';
    const project = `${ns.split('-')[0]}-project`;
    const email = `${s.name.slice(0, 30).replace(/-+$/, '')}@${project}.iam.gserviceaccount.com`;
    const keyFile = {
      type: 'service_account',
      project_id: project,
      private_key_id: rng.hex(40),
      private_key: '-----BEGIN PRIVATE KEY-----\nZmFrZQ==\n-----END PRIVATE KEY-----\n',
      client_email: email,
      client_id: String(rng.between(100_000_000, 999_999_999)) + String(rng.between(100_000_000_000, 999_999_999_999)),
      token_uri: 'https://oauth2.googleapis.com/token',
    };
    data['key.json'] = Buffer.from(JSON.stringify(keyFile, null, 2)).toString('base64');
  } else if (s.type === 'kubernetes.io/tls') {
    data['tls.crt'] = BENCH_CERT_B64;
    data['tls.key'] = randomValue(rng, 100, 140);
    data['ca.crt'] = BENCH_CERT_B64;
  } else if (s.type === 'kubernetes.io/dockerconfigjson') {
    const auth = `bench:${rng.bytes(24).toString('base64')}`;
    data['.dockerconfigjson'] = Buffer.from(JSON.stringify({ auths: { 'europe-docker.pkg.dev': { auth: Buffer.from(auth).toString('base64') } } })).toString('base64');
  } else {
    data['ca.crt'] = randomValue(rng, 600, 800);
    data.namespace = Buffer.from(ns).toString('base64');
    data.token = randomValue(rng, 600, 700);
    annotations['kubernetes.io/service-account.name'] = s.serviceAccount!;
    annotations['kubernetes.io/service-account.uid'] = rng.uuid();
  }
  if (s.type === 'Opaque' && rng.chance(0.1)) {
    annotations['kubectl.kubernetes.io/last-applied-configuration'] = `${JSON.stringify({ apiVersion: 'v1', data, kind: 'Secret', metadata: { annotations: {}, name: s.name, namespace: ns }, type: 'Opaque' })}\n`;
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: s.name,
      namespace: ns,
      uid: rng.uuid(),
      resourceVersion: String(rng.between(1_000_000, 99_999_999)),
      creationTimestamp: daysAgo(rng.next() * 400),
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    type,
    data,
  };
}

/** The pod template spec of a Deployment, with its references laid out the way manifests write them. */
function podSpec(d: DeploymentPlan): Record<string, unknown> {
  const env: unknown[] = [{ name: 'LOG_LEVEL', value: 'info' }];
  const envFrom: unknown[] = [];
  const volumes: unknown[] = [];
  const mounts: unknown[] = [];
  const pulls: unknown[] = [];
  d.refs.forEach((r, i) => {
    const optional = r.optional ? { optional: true } : {};
    if (r.via === 'env') {
      env.push({ name: `${r.keys![0]!.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${i}`, valueFrom: { secretKeyRef: { name: r.secret, key: r.keys![0], ...optional } } });
    } else if (r.via === 'envFrom') {
      envFrom.push({ secretRef: { name: r.secret, ...optional } });
    } else if (r.via === 'volume') {
      const name = `secret-${i}`;
      volumes.push({ name, secret: { secretName: r.secret, defaultMode: 420, ...(r.keys ? { items: r.keys.map((key) => ({ key, path: key })) } : {}), ...optional } });
      mounts.push({ name, mountPath: `/etc/secrets/${r.secret}`, readOnly: true });
    } else if (r.via === 'projected') {
      const name = `projected-${i}`;
      volumes.push({
        name,
        projected: {
          defaultMode: 420,
          sources: [
            { secret: { name: r.secret, items: (r.keys ?? []).map((key) => ({ key, path: key })), ...optional } },
            { serviceAccountToken: { audience: 'vault', expirationSeconds: 3600, path: 'token' } },
          ],
        },
      });
      mounts.push({ name, mountPath: `/var/run/secrets/${name}`, readOnly: true });
    } else {
      pulls.push({ name: r.secret });
    }
  });
  return {
    serviceAccountName: d.serviceAccount,
    containers: [
      {
        name: 'app',
        image: d.image,
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        env,
        ...(envFrom.length ? { envFrom } : {}),
        ...(mounts.length ? { volumeMounts: mounts } : {}),
        resources: { requests: { cpu: '100m', memory: '128Mi' } },
      },
    ],
    ...(volumes.length ? { volumes } : {}),
    ...(pulls.length ? { imagePullSecrets: pulls } : {}),
  };
}

/** Yields every object of the plan in `kubectl get ns,sa,secrets,deploy,rs,pods,ing -A` order. */
export function* emitCluster(plan: ClusterPlan): Generator<KubeObject> {
  const rng = new Random(createRng(plan.options.seed ^ 0x5eed));
  for (const ns of plan.namespaces) {
    yield {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns.name, uid: rng.uuid(), resourceVersion: String(rng.between(1_000, 999_999)), creationTimestamp: daysAgo(400), labels: { 'kubernetes.io/metadata.name': ns.name } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    };
  }
  for (const ns of plan.namespaces) {
    for (const sa of ns.serviceAccounts) {
      yield {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: {
          name: sa.name,
          namespace: ns.name,
          uid: sa.uid,
          resourceVersion: String(rng.between(1_000_000, 99_999_999)),
          creationTimestamp: daysAgo(rng.next() * 400),
          ...(sa.gcpServiceAccount ? { annotations: { 'iam.gke.io/gcp-service-account': sa.gcpServiceAccount } } : {}),
        },
        ...(sa.tokenSecret ? { secrets: [{ name: sa.tokenSecret }] } : {}),
        ...(sa.pullSecret ? { imagePullSecrets: [{ name: sa.pullSecret }] } : {}),
      };
    }
  }
  for (const ns of plan.namespaces) for (const s of ns.secrets) yield secretObject(ns.name, s, rng);

  const templates = new Map<DeploymentPlan, Record<string, unknown>>();
  const labelsOf = (d: DeploymentPlan): Record<string, string> => ({ 'app.kubernetes.io/name': d.name, 'app.kubernetes.io/instance': d.name });
  for (const ns of plan.namespaces) {
    for (const d of ns.deployments) {
      const spec = podSpec(d);
      templates.set(d, spec);
      yield {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {
          name: d.name,
          namespace: ns.name,
          uid: d.uid,
          resourceVersion: String(rng.between(1_000_000, 99_999_999)),
          generation: d.oldHash ? 2 : 1,
          creationTimestamp: d.created,
          labels: labelsOf(d),
          annotations: { 'deployment.kubernetes.io/revision': d.oldHash ? '2' : '1' },
        },
        spec: {
          replicas: d.replicas,
          revisionHistoryLimit: 10,
          selector: { matchLabels: labelsOf(d) },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
          template: { metadata: { labels: labelsOf(d) }, spec },
        },
        status: { observedGeneration: d.oldHash ? 2 : 1, replicas: d.replicas, readyReplicas: d.replicas, availableReplicas: d.replicas, updatedReplicas: d.replicas },
      };
    }
  }
  const rsName = (d: DeploymentPlan, hash: string): string => `${d.name}-${hash}`;
  for (const ns of plan.namespaces) {
    for (const d of ns.deployments) {
      const spec = templates.get(d)!;
      const rs = (hash: string, uid: string, replicas: number, revision: number): KubeObject => ({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: rsName(d, hash),
          namespace: ns.name,
          uid,
          resourceVersion: String(rng.between(1_000_000, 99_999_999)),
          generation: 1,
          creationTimestamp: d.created,
          labels: { ...labelsOf(d), 'pod-template-hash': hash },
          annotations: { 'deployment.kubernetes.io/revision': String(revision), 'deployment.kubernetes.io/desired-replicas': String(d.replicas) },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.name, uid: d.uid, controller: true, blockOwnerDeletion: true }],
        },
        spec: {
          replicas,
          selector: { matchLabels: { ...labelsOf(d), 'pod-template-hash': hash } },
          template: { metadata: { labels: { ...labelsOf(d), 'pod-template-hash': hash } }, spec },
        },
        status: { replicas, readyReplicas: replicas, availableReplicas: replicas, fullyLabeledReplicas: replicas, observedGeneration: 1 },
      });
      if (d.oldHash) yield rs(d.oldHash, d.oldRsUid!, 0, 1);
      yield rs(d.hash, d.rsUid, d.replicas, d.oldHash ? 2 : 1);
    }
  }
  for (const ns of plan.namespaces) {
    const saPulls = new Map(ns.serviceAccounts.filter((s) => s.pullSecret).map((s) => [s.name, s.pullSecret!]));
    for (const d of ns.deployments) {
      const template = templates.get(d)!;
      for (let p = 0; p < d.replicas; p++) {
        const name = `${rsName(d, d.hash)}-${rng.suffix(5)}`;
        const token = `kube-api-access-${rng.suffix(5)}`;
        const spec = structuredClone(template) as { containers: Array<{ volumeMounts?: unknown[] }>; volumes?: unknown[]; imagePullSecrets?: unknown[] };
        spec.containers[0]!.volumeMounts = [...(spec.containers[0]!.volumeMounts ?? []), { name: token, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }];
        spec.volumes = [
          ...(spec.volumes ?? []),
          { name: token, projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }] } },
        ];
        const saPull = saPulls.get(d.serviceAccount);
        if (!spec.imagePullSecrets && saPull) spec.imagePullSecrets = [{ name: saPull }];
        const started = daysAgo(rng.next() * 20);
        const ip = `10.${rng.between(0, 63)}.${rng.between(0, 255)}.${rng.between(2, 254)}`;
        yield {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name,
            generateName: `${rsName(d, d.hash)}-`,
            namespace: ns.name,
            uid: rng.uuid(),
            resourceVersion: String(rng.between(1_000_000, 99_999_999)),
            creationTimestamp: started,
            labels: { ...labelsOf(d), 'pod-template-hash': d.hash },
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName(d, d.hash), uid: d.rsUid, controller: true, blockOwnerDeletion: true }],
          },
          spec: { ...spec, serviceAccount: d.serviceAccount, nodeName: `gke-bench-pool-${rng.hex(8)}-${rng.suffix(4)}`, restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' },
          status: {
            phase: 'Running',
            podIP: ip,
            podIPs: [{ ip }],
            startTime: started,
            qosClass: 'Burstable',
            conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: started }],
            containerStatuses: [{ name: 'app', image: d.image, ready: true, started: true, restartCount: 0, state: { running: { startedAt: started } } }],
          },
        };
      }
    }
  }
  for (const ns of plan.namespaces) {
    for (const ing of ns.ingresses) {
      yield {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: ing.name, namespace: ns.name, uid: rng.uuid(), resourceVersion: String(rng.between(1_000_000, 99_999_999)), generation: 1, creationTimestamp: daysAgo(rng.next() * 300) },
        spec: {
          ingressClassName: 'nginx',
          tls: [{ hosts: [ing.host], ...(ing.tlsSecret ? { secretName: ing.tlsSecret } : {}) }],
          rules: [{ host: ing.host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: ing.name, port: { number: 80 } } } }] } }],
        },
      };
    }
  }
}

/** Streams the objects of a freshly planned dump. Async so callers can `for await` it next to I/O. */
export async function* generateClusterDump(opts: ClusterDumpOptions): AsyncGenerator<KubeObject> {
  yield* emitCluster(planCluster(opts));
}

/** Counts and intended defects of a plan, without emitting it. */
function summarizePlan(plan: ClusterPlan): DumpSummary {
  const counts: Record<string, number> = { Namespace: 0, ServiceAccount: 0, Secret: 0, Deployment: 0, ReplicaSet: 0, Pod: 0, Ingress: 0 };
  const dangling: DumpSummary['dangling'] = [];
  const missingKeys: DumpSummary['missingKeys'] = [];
  let templateRefs = 0;
  for (const ns of plan.namespaces) {
    counts.Namespace! += 1;
    counts.ServiceAccount! += ns.serviceAccounts.length;
    counts.Secret! += ns.secrets.length;
    counts.Ingress! += ns.ingresses.length;
    for (const d of ns.deployments) {
      counts.Deployment! += 1;
      counts.ReplicaSet! += d.oldHash ? 2 : 1;
      counts.Pod! += d.replicas;
      templateRefs += d.refs.length;
      for (const r of d.refs) {
        if (r.dangling) dangling.push({ namespace: ns.name, from: `Deployment/${d.name}`, secret: r.secret, optional: r.optional });
        if (r.missingKey) missingKeys.push({ namespace: ns.name, from: `Deployment/${d.name}`, secret: r.secret, key: 'LEGACY_KEY' });
      }
    }
    for (const ing of ns.ingresses) if (ing.dangling && ing.tlsSecret) dangling.push({ namespace: ns.name, from: `Ingress/${ing.name}`, secret: ing.tlsSecret, optional: false });
  }
  return { counts, total: Object.values(counts).reduce((s, n) => s + n, 0), templateRefs, dangling, missingKeys };
}

const LIST_HEAD = '{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":[\n';
const LIST_TAIL = '\n]}\n';

/** Writes one kubectl `List` to a stream in ~1 MiB chunks, waiting for `drain` when the stream asks. */
class ListWriter {
  private chunk = LIST_HEAD;
  private chunkBytes = LIST_HEAD.length;
  private items = 0;
  /** Bytes handed to the stream so far. */
  bytes = 0;

  constructor(private readonly stream: Writable) {}

  async add(obj: KubeObject): Promise<void> {
    const json = (this.items++ === 0 ? '' : ',\n') + JSON.stringify(obj);
    this.chunk += json;
    this.chunkBytes += Buffer.byteLength(json);
    if (this.chunkBytes > 1 << 20) await this.flush();
  }

  /** Bytes this List will have if closed now. */
  get size(): number {
    return this.bytes + this.chunkBytes + LIST_TAIL.length;
  }

  async close(): Promise<void> {
    this.chunk += LIST_TAIL;
    this.chunkBytes += LIST_TAIL.length;
    await this.flush();
  }

  private async flush(): Promise<void> {
    this.bytes += this.chunkBytes;
    const ok = this.stream.write(this.chunk);
    this.chunk = '';
    this.chunkBytes = 0;
    if (!ok) await once(this.stream, 'drain');
  }
}

async function openFile(file: string): Promise<Writable> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  return createWriteStream(file);
}

async function closeFile(stream: Writable): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}

/**
 * Writes a kubectl `List` JSON dump to `out` (a path, whose folder is created, or a writable stream, left open),
 * one item per line, in chunks with backpressure. Resolves with the dump's summary (and its size in bytes).
 */
export async function writeClusterDump(out: string | Writable, opts: ClusterDumpOptions): Promise<DumpSummary> {
  const plan = planCluster(opts);
  const stream = typeof out === 'string' ? await openFile(out) : out;
  const list = new ListWriter(stream);
  for (const obj of emitCluster(plan)) await list.add(obj);
  await list.close();
  if (typeof out === 'string') await closeFile(stream);
  return { ...summarizePlan(plan), bytes: list.bytes };
}

/**
 * Like {@link writeClusterDump}, but split into `dir/cluster-000.json`, `cluster-001.json`… each a complete
 * `List` of at most about `maxBytesPerFile` bytes, for readers with a per-file size limit (`keygraph collect
 * files` refuses files over 64 MiB by default). Resolves with the summary and the files written, in order.
 */
export async function writeClusterDumpFiles(
  dir: string,
  opts: ClusterDumpOptions,
  maxBytesPerFile = 48 * 1024 * 1024,
): Promise<DumpSummary & { files: string[] }> {
  const plan = planCluster(opts);
  const files: string[] = [];
  let bytes = 0;
  let stream: Writable | null = null;
  let list: ListWriter | null = null;
  const finishFile = async (): Promise<void> => {
    if (!list || !stream) return;
    await list.close();
    await closeFile(stream);
    bytes += list.bytes;
  };
  for (const obj of emitCluster(plan)) {
    if (!list || list.size >= maxBytesPerFile - 64 * 1024) {
      await finishFile();
      const file = path.join(dir, `cluster-${String(files.length).padStart(3, '0')}.json`);
      files.push(file);
      stream = await openFile(file);
      list = new ListWriter(stream);
    }
    await list.add(obj);
  }
  await finishFile();
  return { ...summarizePlan(plan), bytes, files };
}

/** Parses CLI flags into options (`--scale` multiplies the default counts). */
export function parseArgs(argv: string[]): { out: string; options: ClusterDumpOptions; splitBytes: number | null } {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const [k, v] = a.includes('=') ? (a.slice(2).split('=', 2) as [string, string]) : [a.slice(2), argv[++i]];
      if (v === undefined) throw new Error(`${a} needs a value`);
      flags.set(k, v);
    } else positional.push(a);
  }
  if (positional.length !== 1) throw new Error('usage: node --import tsx bench/generate.ts OUT.json [--seed N] [--scale X] [--secrets N] [--pods N] [--deployments N] [--service-accounts N] [--ingresses N] [--namespaces N] [--split-mb N]');
  const num = (k: string): number | undefined => {
    const v = flags.get(k);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${k} must be a non-negative number`);
    return n;
  };
  const known = new Set(['seed', 'scale', 'secrets', 'pods', 'deployments', 'service-accounts', 'ingresses', 'namespaces', 'split-mb']);
  for (const k of flags.keys()) if (!known.has(k)) throw new Error(`unknown option --${k}`);
  const scale = num('scale') ?? 1;
  const d = DEFAULT_DUMP_OPTIONS;
  const n = (k: string, def: number): number => Math.round(num(k) ?? def * scale);
  const splitMb = num('split-mb');
  return {
    out: positional[0]!,
    splitBytes: splitMb ? Math.round(splitMb * 1024 * 1024) : null,
    options: {
      secrets: n('secrets', d.secrets),
      pods: n('pods', d.pods),
      deployments: n('deployments', d.deployments),
      serviceAccounts: n('service-accounts', d.serviceAccounts),
      ingresses: n('ingresses', d.ingresses),
      namespaces: num('namespaces') ?? d.namespaces,
      seed: num('seed') ?? d.seed,
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    const { out, options, splitBytes } = parseArgs(process.argv.slice(2));
    const started = performance.now();
    const summary: DumpSummary & { files?: string[] } = splitBytes
      ? await writeClusterDumpFiles(out, options, splitBytes)
      : await writeClusterDump(out, options);
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `${out}: ${summary.total} objects (${Object.entries(summary.counts).map(([k, v]) => `${v} ${k}`).join(', ')}), ` +
        `${summary.templateRefs} template refs, ${summary.dangling.length} dangling, ${summary.missingKeys.length} missing keys, ` +
        `${(summary.bytes! / 1e6).toFixed(1)} MB${summary.files ? ` in ${summary.files.length} files` : ''} in ${secs}s\n`,
    );
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
