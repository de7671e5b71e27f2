/**
 * Findings over the whole graph (docs/ARCHITECTURE.md "Impact and findings"): what is broken already, or about to be.
 *
 * Every rule is one set-based SQL statement over two temporary tables built at the start of one transaction: the
 * best current (or as-of) version of every node (`kg_n`: observed beats placeholder, then most recent) and of every
 * edge (`kg_e`, one row per edge key). History rules (renamed Secret, pod started before the Secret changed, TLS
 * re-issue rate) read `node_versions` directly. Rules that need evidence of absence (dangling references, unused
 * objects, keys GCP no longer lists) only fire where the latest runs listed the relevant kinds completely, per realm
 * and namespace (lib/analysis/freshness.ts `coverageRows`).
 *
 * Rules (`rule` ids are stable; scripts may filter on them):
 * - `dangling-reference`: a USES_SECRET / USES_CONFIG_MAP / RUNS_AS reference ({@link REFERENCE_EDGE_KINDS}) to a
 *   Secret / ConfigMap / ServiceAccount that does not exist, where
 *   its kind was listed completely in the target's namespace. critical when pods making the reference run now (they
 *   fail at their next restart: the time bomb), high otherwise, low when every reference is `optional`; image pull
 *   secrets at most medium (a public image pulls without them) and a ServiceAccount's `secrets` entry at most low.
 *   A Secret that an observed producer writes (PRODUCES) is pending, not dangling.
 * - `unverified-reference` (info): the same where the input did not list that namespace's Secrets / ServiceAccounts
 *   (a files run vouches only for what it holds): it may exist.
 * - `producer-failed`: a producer whose `status.conditions[Ready]` is False while the Secret it writes is used.
 *   A cert-manager Certificate whose Secret exists is `certificate-not-ready` instead (one family, never both).
 * - `missing-data-key`: a reference to data keys the Secret or ConfigMap does not have (same severities); for a pending Secret of a
 *   SealedSecret, the keys of its `encryptedData`.
 * - `workload-identity-half-configured`: KSA annotated `iam.gke.io/gcp-service-account` but the GSA has no
 *   `roles/iam.workloadIdentityUser` member `serviceAccount:POOL.svc.id.goog[NS/KSA]` (GSA node property
 *   `workloadIdentityMembers`, ACTS_AS edge property `binding`), or the binding exists without the annotation, or
 *   the annotation names a GSA its (collected) project does not have. medium.
 * - `secret-holds-dead-key`: a Secret holds a GCP key (HOLDS_KEY) that its collected project no longer lists, or
 *   that is disabled (key property `disabled`). high; critical when running pods read that Secret.
 * - `key-too-old`: user-managed key (`keyType` USER_MANAGED) whose `validAfterTime` is older than the limit (90
 *   days). medium. `key-unused`: user-managed key older than the unused limit and not used for 90 days
 *   (`lastAuthenticatedAt`), only when `lastUseCovered` is true. low.
 * - `unused-secret` (low) / `unused-service-account` (info): nothing keygraph knows of refers to it (no template,
 *   pod, ServiceAccount, Ingress, producer, token or mention by an object it does not model, such as a Role's
 *   `resourceNames` or a SecretStore's `secretRef`; for a ServiceAccount no workload, pod, token Secret, mention or
 *   workloadIdentityUser binding), and the cluster's latest runs listed every referencing kind completely in its
 *   namespace. Excluded: service-account-token Secrets of existing ServiceAccounts, Helm release and bootstrap-token
 *   Secrets, `default` ServiceAccounts, implicit ones, and ServiceAccounts in `kube-system` (controllers use them by token).
 * - `unused-config-map` (info): a ConfigMap no workload, pod or custom resource refers to, where the referencing kinds
 *   were listed completely in its namespace. Excluded: `kube-root-ca.crt` (Kubernetes publishes it in every namespace
 *   for projected service-account tokens), ConfigMaps with owner references (a controller made them and reads them),
 *   and the control plane's namespaces `kube-system`, `kube-public`, `kube-node-lease` (read through the API by
 *   components keygraph does not see: `cluster-info`, `extension-apiserver-authentication`, leader election).
 *   Secrets and ConfigMaps a controller reads through the API by label, annotation or fixed name (Argo CD
 *   `argocd.argoproj.io/secret-type`, Argo Workflows' controller ConfigMaps: property `usedBy`, collectors/kubernetes/
 *   references.ts API_CONSUMERS) are never `unused-secret` / `unused-config-map`.
 * - `unused-data-key` (low): an Opaque Secret's data key that no consumer names while every consumer reads it key by
 *   key (popeye's POP-401).
 * - `pod-env-stale`: a Running pod reads a Secret through env/envFrom, and a version of that Secret observed after
 *   the pod's `startTime` changed the fingerprint of a key it reads. medium.
 * - `renamed-secret`: a Secret disappeared while another with identical fingerprints (same realm and namespace)
 *   exists; high when references to the old name remain (the seed incident), info otherwise.
 * - `tls-expiring`: a `kubernetes.io/tls` Secret's certificate (`properties.certificate.validTo`) expires within
 *   30 days (high within 7 days or expired, medium otherwise).
 * - `tls-reissue-rate`: the same set of certificate names (SANs) issued 5+ times in 7 days (distinct serial numbers
 *   with `validFrom` in the window over all Secret versions): Let's Encrypt's duplicate-certificate limit. high.
 * - `tls-host-mismatch`: an Ingress / Gateway listener host its TLS Secret's certificate SANs do not cover. high.
 * - `certificate-not-ready`: a cert-manager Certificate not Ready while its Secret exists and is used (renewal
 *   failing); medium, high within 14 days of the current certificate's expiry. (Its Secret missing: producer-failed.)
 * - `chart-image-mismatch`: `app.kubernetes.io/version` agrees with none of the workload's image tags. low.
 * - `workload-reads-all-secrets`: a ServiceAccount a workload runs as can get/list every Secret of its namespace
 *   (medium) or of the cluster (high) through RBAC (lib/analysis/access.ts).
 *
 * No secret value is ever read (the store holds none): evidence holds ids, key names, fingerprint *equality*,
 * times and counts only.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Database } from '../db';
import { parseId } from '../graph/ids';
import { EDGE_KIND_KEYS, NODE_KINDS, type NodeKindKey } from '../graph/model';
import { EDGE_ENDPOINTS } from './dependents';
import type { EdgeRecord, NodeRecord } from '../graph/records';
import { coverageRows, latestRuns, type CoverageRow } from './freshness';
import { atLeast, severityRank, type Severity } from './severity';
import { asOfPg, livePg } from '../store/time-sql';
import { certificateNames, hostCovered } from './certificates';
import { imageTag, normaliseVersion, UNVERSIONED_TAGS, versionedContainers, versionsAgree } from './versions';
import { RUNNER_KIND_KEYS } from '../graph/model';
import { secretGrants, type RbacNode } from './access';

/** Every rule id with its human title and what it protects against. */
export const RULES = {
  'dangling-reference': { title: 'Dangling reference', description: 'References a Secret, ConfigMap or ServiceAccount that does not exist: the next pod start fails.' },
  'unverified-reference': { title: 'Reference not in the input', description: 'References a Secret, ConfigMap or ServiceAccount that the collected input did not list (it may exist): collect the namespace to know.' },
  'producer-failed': { title: 'Producer failed', description: 'A Certificate, ExternalSecret or SealedSecret that should create a used Secret reports that it failed.' },
  'missing-data-key': { title: 'Missing data key', description: 'References data keys the Secret or ConfigMap does not have: the next pod start fails.' },
  'workload-identity-half-configured': { title: 'Workload Identity half-configured', description: 'Only one of the KSA annotation and the workloadIdentityUser binding exists.' },
  'secret-holds-dead-key': { title: 'Secret holds a deleted or disabled key', description: 'A Secret holds a GCP key that GCP no longer lists or has disabled.' },
  'key-too-old': { title: 'Old user-managed key', description: 'A user-managed GCP key older than the rotation limit.' },
  'key-unused': { title: 'Unused key', description: 'A user-managed GCP key not used for the unused limit.' },
  'unused-secret': { title: 'Unused Secret', description: 'Nothing keygraph knows of refers to the Secret.' },
  'unused-service-account': { title: 'Unused ServiceAccount', description: 'No workload, pod, token or binding refers to the ServiceAccount.' },
  'unused-config-map': { title: 'Unused ConfigMap', description: 'No workload, pod or custom resource refers to the ConfigMap.' },
  'unused-data-key': { title: 'Unused data key', description: 'A data key of a Secret that no consumer reads, while every consumer reads it key by key.' },
  'pod-env-stale': { title: 'Pod holds an old Secret value', description: 'A running pod started before a Secret it reads through env changed.' },
  'renamed-secret': { title: 'Renamed Secret', description: 'A Secret disappeared while another with identical content appeared.' },
  'tls-expiring': { title: 'TLS certificate near expiry', description: 'A kubernetes.io/tls certificate expires soon.' },
  'tls-reissue-rate': { title: 'Certificate re-issued too often', description: 'The same certificate names issued 5+ times in 7 days (duplicate-certificate limit).' },
  'tls-host-mismatch': { title: 'TLS host not covered by its certificate', description: 'An Ingress or Gateway serves a host that its TLS Secret\'s certificate does not name (SANs): clients get a wrong or outdated certificate.' },
  'certificate-not-ready': { title: 'Certificate renewal failing', description: 'A cert-manager Certificate is not Ready while its Secret exists and is used: the current certificate is no longer renewed.' },
  'workload-reads-all-secrets': { title: 'Workload can read every Secret', description: 'A ServiceAccount a workload runs as may get/list every Secret of its namespace (medium) or of the cluster (high) through RBAC: one compromised pod reads them all.' },
  'chart-image-mismatch': { title: 'Version label out of step with the image', description: 'A workload labelled app.kubernetes.io/version runs no image with that tag: a chart or manifest out of step with what is deployed.' },
} as const;
export type RuleId = keyof typeof RULES;
export const RULE_IDS = Object.keys(RULES) as RuleId[];

/** One finding. `objects` are node ids, the primary object first. */
export interface Finding {
  /** Stable id: `RULE:HASH` of the rule and its primary objects (same problem → same id across runs). */
  id: string;
  rule: RuleId;
  severity: Severity;
  title: string;
  objects: string[];
  /** Provider-less realm (cluster or project) and namespace of the primary object, for filtering. */
  provider: string;
  realm: string;
  namespace: string | null;
  /** Structured evidence: ids, key names, times, counts. Never a value. */
  evidence: Record<string, unknown>;
  /** What to do about it. */
  fix: string;
}

/** Limits of the time-based rules (days unless stated). */
export interface FindingLimits {
  keyMaxAgeDays: number;
  keyUnusedDays: number;
  tlsExpiryDays: number;
  reissueWindowDays: number;
  reissueCount: number;
}
export const DEFAULT_LIMITS: FindingLimits = { keyMaxAgeDays: 90, keyUnusedDays: 90, tlsExpiryDays: 30, reissueWindowDays: 7, reissueCount: 5 };

export interface FindingsOptions {
  /** Findings as of this time (default now). */
  asOf?: Date;
  /** Only these rules (default all). */
  rules?: RuleId[];
  limits?: Partial<FindingLimits>;
  /**
   * Records laid over the stored graph for this computation only (the pre-deploy gate, lib/analysis/manifests.ts):
   * each overlay node replaces the stored node of its id, the edges read from an overlay object replace that object's
   * stored edges (OWNS: the child's), and `coverage` adds what the overlay lists completely. Nothing is written.
   */
  overlay?: FindingsOverlay;
}

/** See {@link FindingsOptions.overlay}. */
export interface FindingsOverlay {
  nodes: NodeRecord[];
  edges: EdgeRecord[];
  coverage: CoverageRow[];
}

export interface FindingsResult {
  asOf: string;
  findings: Finding[];
  /** Milliseconds per phase (`build`, then one per rule). */
  timings: Record<string, number>;
}

/** `RULE:16 hex` over the rule and the identifying parts. */
export function findingId(rule: string, parts: string[]): string {
  return `${rule}:${createHash('sha1').update([rule, ...parts].join('\u0000')).digest('hex').slice(0, 16)}`;
}

function where(id: string): { provider: string; realm: string; namespace: string | null } {
  const p = parseId(id);
  return { provider: p?.provider ?? 'k8s', realm: p?.realm ?? '', namespace: p?.namespace ?? null };
}

function make(rule: RuleId, severity: Severity, title: string, objects: string[], evidence: Record<string, unknown>, fix: string, idParts?: string[]): Finding {
  const uniq = [...new Set(objects)];
  return { id: findingId(rule, idParts ?? uniq.slice(0, 2)), rule, severity, title, objects: uniq, ...where(uniq[0]!), evidence, fix };
}

/** The as-of condition (lib/store/time-sql.ts, the one definition) with the time as parameter `$1`, or current rows. */
const liveAt1 = (alias: string, asOf?: Date) => livePg(alias, asOf ? 1 : undefined);
/** Parameters of a query whose only parameter is the as-of time (`$1`), when there is one. */
const asOfParams = (asOf?: Date) => (asOf ? [asOf] : []);

const name = (id: string) => {
  const p = parseId(id);
  return p ? (p.namespace ? `${p.namespace}/${p.name}` : p.name) : id;
};
const kindOf = (id: string) => parseId(id)?.kind ?? '?';

/**
 * API kinds whose complete listing (in the object's namespace) is the evidence that nothing else refers to an object
 * of `kind`: the kind itself and every modelled kind at the other end of an edge kind pointing at it
 * (lib/analysis/dependents.ts EDGE_ENDPOINTS), so a newly modelled referrer is required here without an edit.
 */
function referrerKinds(kind: NodeKindKey): string[] {
  const out = new Set<string>([kind]);
  for (const k of EDGE_KIND_KEYS) {
    if ((EDGE_ENDPOINTS[k].to as string[]).includes(kind)) for (const f of EDGE_ENDPOINTS[k].from) out.add(f);
  }
  return [...out].filter((k) => k.startsWith('k8s:') && k in NODE_KINDS).map((k) => k.slice(4)).sort();
}
const SECRET_REFERRERS = referrerKinds('k8s:Secret');
const SA_REFERRERS = referrerKinds('k8s:ServiceAccount');
const CONFIG_MAP_REFERRERS = referrerKinds('k8s:ConfigMap');

/**
 * The reference edge kinds the reference rules check, each with the one node kind it points at (lib/analysis/
 * dependents.ts EDGE_ENDPOINTS): a new reference edge kind is one entry here.
 */
const REFERENCE_EDGE_KINDS = ['USES_SECRET', 'USES_CONFIG_MAP', 'RUNS_AS'] as const;
/** Edge kinds whose references name data keys (`keys`): missing-data-key. */
const KEYED_REFERENCE_KINDS = ['USES_SECRET', 'USES_CONFIG_MAP'] as const;
const sqlList = (xs: readonly string[]) => xs.map((x) => `'${x}'`).join(', ');
/** SQL: the API kind a reference edge kind points at (`CASE e.kind WHEN 'USES_SECRET' THEN 'Secret' …`). */
const REFERENCE_TARGET_SQL = `CASE e.kind ${REFERENCE_EDGE_KINDS.map((k) => `WHEN '${k}' THEN '${EDGE_ENDPOINTS[k].to[0]!.slice(4)}'`).join(' ')} END`;

/** SQL: every kind of `$1::text[]` was listed completely in realm `n.realm`, namespace `n.namespace` (alias `n`). */
const allListedIn = (n: string) =>
  `(SELECT count(DISTINCT c.kind) FROM kg_cov c WHERE c.provider = 'k8s' AND c.realm = ${n}.realm AND c.kind = ANY($1::text[])
      AND (c.namespace IS NULL OR c.namespace = ${n}.namespace)) = cardinality($1::text[])`;

/**
 * Computes all findings (or the selected rules) over the whole graph, as of now or `asOf`. Runs in one read
 * transaction on a dedicated connection (temporary tables). Errors: database errors propagate.
 */
export async function computeFindings(database: Database, opts: FindingsOptions = {}): Promise<FindingsResult> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const asOf = opts.asOf;
  const at = asOf ?? new Date();
  const want = new Set<RuleId>(opts.rules?.length ? opts.rules : RULE_IDS);
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const phase = (n: string) => {
    const now = performance.now();
    timings[n] = Math.round(now - mark);
    mark = now;
  };

  const runs = await latestRuns(database, asOf);
  const covRows = [...coverageRows(runs), ...(opts.overlay?.coverage ?? [])];

  const client = await database.pool.connect();
  const findings: Finding[] = [];
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await client.query(`SET LOCAL work_mem = '256MB'`);
    await client.query(`CREATE TEMP TABLE kg_n ON COMMIT DROP AS
      SELECT DISTINCT ON (v.node_id) v.node_id, v.provider, v.kind, v.realm, v.namespace, v.name, v.missing, v.properties
      FROM node_versions v WHERE ${liveAt1('v', asOf)}
      ORDER BY v.node_id, v.missing ASC, v.valid_from DESC`, asOfParams(asOf));
    await client.query(`CREATE TEMP TABLE kg_e ON COMMIT DROP AS
      SELECT DISTINCT ON (v.edge_key) v.kind, v.from_id, v.to_id, v.properties
      FROM edge_versions v WHERE ${liveAt1('v', asOf)}
      ORDER BY v.edge_key, v.valid_from DESC`, asOfParams(asOf));
    // Coverage: (provider, realm, kind) listed completely, in one namespace or (namespace NULL) in all of them.
    await client.query(`CREATE TEMP TABLE kg_cov (provider text, realm text, kind text, namespace text) ON COMMIT DROP`);
    if (covRows.length) {
      await client.query(`INSERT INTO kg_cov SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])`, [
        covRows.map((r) => r.provider), covRows.map((r) => r.realm), covRows.map((r) => r.kind), covRows.map((r) => r.namespace),
      ]);
    }
    await client.query(`CREATE UNIQUE INDEX ON kg_n (node_id)`);
    await client.query(`CREATE INDEX ON kg_e (to_id)`);
    // Lookups by from_id only ever ask for ACTS_AS / TOKEN_FOR edges (unused ServiceAccounts and token Secrets,
    // Workload Identity): a partial index over those few rows instead of all of them.
    await client.query(`CREATE INDEX ON kg_e (from_id) WHERE kind IN ('ACTS_AS', 'TOKEN_FOR')`);
    if (opts.overlay) await applyOverlay(client, opts.overlay);
    await client.query(`ANALYZE kg_n; ANALYZE kg_e; ANALYZE kg_cov`);
    phase('build');

    const ctx: RuleContext = { client, at, asOf, limits };
    for (const { rules, impl } of IMPL) {
      if (!rules.some((r) => want.has(r))) continue;
      findings.push(...(await impl(ctx)));
      phase(rules.join('+'));
    }
    // Several rules share an implementation: only what was asked for is kept below.
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
  const seen = new Set<string>();
  const out = findings
    .filter((f) => want.has(f.rule) && !seen.has(f.id) && seen.add(f.id))
    .sort((a, b) => severityOrder(b.severity) - severityOrder(a.severity) || a.rule.localeCompare(b.rule) || a.objects[0]!.localeCompare(b.objects[0]!));
  return { asOf: at.toISOString(), findings: out, timings };
}

/** Lays `o` over kg_n / kg_e / kg_cov (see FindingsOptions.overlay). */
async function applyOverlay(client: pg.PoolClient, o: FindingsOverlay): Promise<void> {
  const ids = o.nodes.map((n) => n.id);
  // Applying the manifests rolls their controllers out: what they own now (ReplicaSets, pods, Jobs; OWNS, up to 3
  // levels) is replaced, so its stored references do not count.
  await client.query(`CREATE INDEX ON kg_e (from_id) WHERE kind = 'OWNS'`);
  await client.query(
    `WITH RECURSIVE owned(id, depth) AS (
       SELECT e.to_id, 1 FROM kg_e e WHERE e.kind = 'OWNS' AND e.from_id = ANY($1::text[])
       UNION SELECT e.to_id, o.depth + 1 FROM kg_e e JOIN owned o ON e.from_id = o.id WHERE e.kind = 'OWNS' AND o.depth < 3)
     DELETE FROM kg_e WHERE kind <> 'OWNS' AND from_id IN (SELECT id FROM owned)`,
    [ids],
  );
  await client.query(`DELETE FROM kg_n WHERE node_id = ANY($1::text[])`, [ids]);
  await client.query(
    `INSERT INTO kg_n (node_id, provider, kind, realm, namespace, name, missing, properties)
     SELECT x.id, x.provider, x.kind, x.realm, x.namespace, x.name, false, x.properties
     FROM jsonb_to_recordset($1::jsonb) AS x(id text, provider text, kind text, realm text, namespace text, name text, properties jsonb)`,
    [JSON.stringify(o.nodes)],
  );
  await client.query(`DELETE FROM kg_e WHERE CASE kind WHEN 'OWNS' THEN to_id ELSE from_id END = ANY($1::text[])`, [ids]);
  await client.query(
    `INSERT INTO kg_e (kind, from_id, to_id, properties)
     SELECT x.kind, x."from", x."to", x.properties FROM jsonb_to_recordset($1::jsonb) AS x(kind text, "from" text, "to" text, properties jsonb)`,
    [JSON.stringify(o.edges.map((e) => ({ kind: e.kind, from: e.from, to: e.to, properties: e.properties })))],
  );
}

const severityOrder = (s: Severity) => ['info', 'low', 'medium', 'high', 'critical'].indexOf(s);

interface RuleContext {
  client: pg.PoolClient;
  at: Date;
  asOf?: Date;
  limits: FindingLimits;
}
type RuleImpl = (ctx: RuleContext) => Promise<Finding[]>;

// ------------------------------------------------------------------ references: dangling, missing data keys

interface RefRow {
  problem: Problem;
  edge_kind: string;
  from_id: string;
  to_id: string;
  properties: Record<string, unknown>;
  missing_keys: string[] | null;
  data_keys: string[] | null;
  root_id: string;
  from_kind: string;
  running: boolean;
}

/** Reference problems (one row per edge) with the root controller of the referencing object (OWNS, 2 levels). */
type Problem = 'dangling' | 'unverified' | 'missing-key';

async function referenceProblems(ctx: RuleContext, problems: Problem[]): Promise<RefRow[]> {
  const { rows } = await ctx.client.query<RefRow>(
    `WITH dangling AS MATERIALIZED (
       -- Materialised so that the target check is one hash join over all references (the coverage test below
       -- otherwise makes the planner expect a few rows and probe kg_n once per reference).
       -- A Secret that an observed producer (Certificate, ExternalSecret, SealedSecret) writes is pending, not missing.
       SELECT e.kind, e.from_id, e.to_id, e.properties,
              coalesce(t.realm, kg_id_realm(e.to_id)) AS realm, coalesce(t.namespace, kg_id_namespace(e.to_id)) AS namespace
       FROM kg_e e LEFT JOIN kg_n t ON t.node_id = e.to_id
       WHERE ('dangling' = ANY($1::text[]) OR 'unverified' = ANY($1::text[])) AND e.kind IN (${sqlList(REFERENCE_EDGE_KINDS)}) AND (t.node_id IS NULL OR t.missing)
         AND NOT EXISTS (SELECT 1 FROM kg_e pr JOIN kg_n pn ON pn.node_id = pr.from_id AND NOT pn.missing
                         WHERE pr.kind = 'PRODUCES' AND pr.to_id = e.to_id)),
     p AS (
       -- Absence is evidence only where the target's kind was listed completely in the target's namespace; elsewhere
       -- the reference is unverified (the input did not list that namespace's Secrets / ServiceAccounts).
       SELECT CASE WHEN EXISTS (SELECT 1 FROM kg_cov c WHERE c.provider = 'k8s' AND c.realm = e.realm
                                  AND c.kind = ${REFERENCE_TARGET_SQL}
                                  AND (c.namespace IS NULL OR c.namespace = e.namespace))
                   THEN 'dangling' ELSE 'unverified' END::text AS problem,
              e.kind AS edge_kind, e.from_id, e.to_id, e.properties,
              NULL::text[] AS missing_keys, NULL::text[] AS data_keys
       FROM dangling e
       UNION ALL
       SELECT 'missing-key', e.kind, e.from_id, e.to_id, e.properties,
              ARRAY(SELECT k FROM jsonb_array_elements_text(e.properties->'keys') k WHERE NOT (t.properties->'dataKeys') ? k ORDER BY k),
              ARRAY(SELECT k FROM jsonb_array_elements_text(t.properties->'dataKeys') k ORDER BY k)
       FROM kg_e e JOIN kg_n t ON t.node_id = e.to_id AND NOT t.missing
       WHERE 'missing-key' = ANY($1::text[]) AND e.kind IN (${sqlList(KEYED_REFERENCE_KINDS)})
         AND jsonb_typeof(e.properties->'keys') = 'array' AND jsonb_typeof(t.properties->'dataKeys') = 'array'
         AND NOT (t.properties->'dataKeys') @> (e.properties->'keys')
       UNION ALL
       -- A pending Secret a SealedSecret will create has the SealedSecret's encryptedData keys.
       SELECT 'missing-key', e.kind, e.from_id, e.to_id, e.properties,
              ARRAY(SELECT k FROM jsonb_array_elements_text(e.properties->'keys') k WHERE NOT (pn.properties->'encryptedKeys') ? k ORDER BY k),
              ARRAY(SELECT k FROM jsonb_array_elements_text(pn.properties->'encryptedKeys') k ORDER BY k)
       FROM kg_e e
       JOIN kg_e pr ON pr.kind = 'PRODUCES' AND pr.to_id = e.to_id
       JOIN kg_n pn ON pn.node_id = pr.from_id AND NOT pn.missing AND pn.kind = 'SealedSecret'
       LEFT JOIN kg_n t ON t.node_id = e.to_id
       WHERE 'missing-key' = ANY($1::text[]) AND e.kind = 'USES_SECRET' AND (t.node_id IS NULL OR t.missing)
         AND jsonb_typeof(e.properties->'keys') = 'array' AND jsonb_typeof(pn.properties->'encryptedKeys') = 'array'
         AND NOT (pn.properties->'encryptedKeys') @> (e.properties->'keys'))
     SELECT p.*, coalesce(o2.from_id, o1.from_id, p.from_id) AS root_id, f.kind AS from_kind,
            (f.kind = 'Pod' AND NOT f.missing AND f.properties->>'phase' = 'Running') AS running
     FROM p
     JOIN kg_n f ON f.node_id = p.from_id
     LEFT JOIN LATERAL (SELECT from_id FROM kg_e WHERE kind = 'OWNS' AND to_id = p.from_id ORDER BY from_id LIMIT 1) o1 ON true
     LEFT JOIN LATERAL (SELECT from_id FROM kg_e WHERE kind = 'OWNS' AND to_id = o1.from_id ORDER BY from_id LIMIT 1) o2 ON true`,
    [problems],
  );
  return rows;
}

const refView = (r: RefRow) => ({ from: r.from_id, ...pick(r.properties, ['via', 'container', 'envVar', 'volume', 'keys', 'optional']) });
function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

function groupRefs(rows: RefRow[], key: (r: RefRow) => string): Map<string, RefRow[]> {
  const m = new Map<string, RefRow[]>();
  for (const r of rows) {
    const k = key(r);
    const l = m.get(k);
    if (l) l.push(r);
    else m.set(k, [r]);
  }
  return m;
}

/** References that a pod does not need to start: image pull secrets (a public image pulls without them; the kubelet
 * only logs FailedToRetrieveImagePullSecret) and a ServiceAccount's `secrets` list (legacy token references). */
const SOFT_VIAS: Record<string, { cap: Severity; why: string }> = {
  imagePullSecret: { cap: 'medium', why: 'image pull secret: pods still start when the image is public; a private image fails with ImagePullBackOff' },
  serviceAccountImagePullSecret: { cap: 'medium', why: 'image pull secret of the ServiceAccount: pods still start when the image is public; a private image fails with ImagePullBackOff' },
  serviceAccountSecret: { cap: 'low', why: "listed in the ServiceAccount's secrets: pods do not need it to start (tokens are projected since Kubernetes 1.24)" },
};

/**
 * Severity of one reference problem (one target, one root): low when every reference is optional; otherwise
 * critical when pods making a required reference run now (the time bomb), high when none run; capped by the softest
 * way the required references are made ({@link SOFT_VIAS}) when all of them are soft.
 */
function referenceSeverity(group: RefRow[]): { severity: Severity; required: RefRow[]; runningPods: string[]; why: string } {
  const required = group.filter((r) => r.properties.optional !== true);
  const runningPods = [...new Set(required.filter((r) => r.running).map((r) => r.from_id))].sort();
  if (!required.length) return { severity: 'low', required, runningPods, why: 'every reference is optional: pods start without it' };
  const hard = required.filter((r) => !SOFT_VIAS[String(r.properties.via ?? '')]);
  const severity: Severity = runningPods.length ? 'critical' : 'high';
  if (hard.length || required[0]!.edge_kind !== 'USES_SECRET') {
    return { severity, required, runningPods, why: runningPods.length ? 'pods that need it run now and fail at their next restart' : 'the next pod start fails' };
  }
  const soft = required.map((r) => SOFT_VIAS[String(r.properties.via)]!).sort((a, b) => severityRank(b.cap) - severityRank(a.cap))[0]!;
  return { severity: severityRank(soft.cap) < severityRank(severity) ? soft.cap : severity, required, runningPods, why: soft.why };
}

const referenceRules: RuleImpl = async (ctx) => {
  const rows = await referenceProblems(ctx, ['dangling', 'unverified', 'missing-key']);
  const out: Finding[] = [];
  for (const [, group] of groupRefs(rows, (r) => `${r.problem}|${r.to_id}|${r.root_id}`)) {
    const first = group[0]!;
    const referrers = [...new Set(group.map((r) => r.from_id))].sort((a, b) => (a === first.root_id ? -1 : b === first.root_id ? 1 : a.localeCompare(b)));
    const targetKind = kindOf(first.to_id);
    const root = first.root_id;
    if (first.problem === 'unverified') {
      const ns = parseId(first.to_id)?.namespace;
      out.push(make(
        'unverified-reference', 'info',
        `${kindOf(root)} ${name(root)} references ${targetKind} ${name(first.to_id)}, which is not in the collected input (it did not list the ${targetKind}s of namespace ${ns ?? '(cluster)'})`,
        [first.to_id, root, ...referrers],
        { target: first.to_id, targetKind, root, references: group.map(refView), reason: 'kind not listed completely in this namespace' },
        `Collect namespace ${ns ?? ''} (keygraph collect k8s, or collect files with its ${targetKind}s, or --complete when the input holds every object) to know whether it exists.`,
        [first.to_id, root],
      ));
      continue;
    }
    const { severity, required, runningPods, why } = referenceSeverity(group);
    const bomb = runningPods.length ? `; ${runningPods.length} pod(s) referencing it run now and fail at their next restart` : '';
    if (first.problem === 'dangling') {
      out.push(make(
        'dangling-reference', severity,
        `${kindOf(root)} ${name(root)} references missing ${targetKind} ${name(first.to_id)}${required.length ? '' : ' (optional)'}${bomb}`,
        [first.to_id, root, ...referrers],
        {
          target: first.to_id, targetKind, root, optional: required.length === 0, runningPods, severityReason: why,
          references: group.map(refView),
        },
        required.length === 0
          ? `Optional reference: pods start without it. Remove the reference or create the ${targetKind}.`
          : targetKind === 'Secret'
            ? `Create Secret ${name(first.to_id)} again (keygraph impact and the renamed-secret finding show a likely replacement) or point ${kindOf(root)} ${name(root)} at the right name before the next rollout or restart.`
            : targetKind === 'ConfigMap'
              ? `Create ConfigMap ${name(first.to_id)} again or point ${kindOf(root)} ${name(root)} at the right name before the next rollout or restart.`
              : `Create ServiceAccount ${name(first.to_id)} or change serviceAccountName of ${kindOf(root)} ${name(root)}.`,
        [first.to_id, root],
      ));
    } else {
      const missingKeys = [...new Set(group.flatMap((r) => r.missing_keys ?? []))].sort();
      out.push(make(
        'missing-data-key', severity,
        `${kindOf(root)} ${name(root)} reads key${missingKeys.length > 1 ? 's' : ''} ${missingKeys.join(', ')} that ${targetKind} ${name(first.to_id)} does not have${bomb}`,
        [first.to_id, root, ...referrers],
        { target: first.to_id, root, missingKeys, dataKeys: first.data_keys ?? [], optional: required.length === 0, runningPods, severityReason: why, references: group.map(refView) },
        `Add key ${missingKeys.join(', ')} to ${targetKind} ${name(first.to_id)} or change the key the reference names (existing keys: ${(first.data_keys ?? []).join(', ') || 'none'}).`,
        [first.to_id, root, missingKeys.join(',')],
      ));
    }
  }
  return out;
};

// ------------------------------------------------------------------ Workload Identity

/**
 * Workload Identity grants of every observed GCP service account, one row per member: `workloadIdentityMembers`
 * elements are objects `{pool, namespace, ksa, member}` (collectors/gcp-iam/mapper.ts) or plain member strings
 * (`serviceAccount:POOL.svc.id.goog[NS/KSA]`, `principal://…/subject/ns/NS/sa/KSA`).
 */
const WI_MEMBERS = `
  SELECT g.node_id AS gsa, lower(g.name) AS email, x.ns, x.ksa, x.member
  FROM kg_n g
  CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(g.properties->'workloadIdentityMembers') = 'array'
                                               THEN g.properties->'workloadIdentityMembers' ELSE '[]'::jsonb END) AS m(el)
  CROSS JOIN LATERAL (SELECT CASE WHEN jsonb_typeof(m.el) = 'string' THEN coalesce(
            regexp_match(m.el #>> '{}', '^serviceAccount:[^\\[\\]]+\\.svc\\.id\\.goog\\[([^/\\]]+)/([^\\]]+)\\]$'),
            regexp_match(m.el #>> '{}', '/subject/ns/([^/]+)/sa/([^/]+)$')) END AS parts) p
  CROSS JOIN LATERAL (SELECT
      CASE WHEN jsonb_typeof(m.el) = 'object' THEN m.el->>'namespace' ELSE p.parts[1] END AS ns,
      CASE WHEN jsonb_typeof(m.el) = 'object' THEN m.el->>'ksa' ELSE p.parts[2] END AS ksa,
      CASE WHEN jsonb_typeof(m.el) = 'object' THEN m.el->>'member' ELSE m.el #>> '{}' END AS member) x
  WHERE g.provider = 'gcp' AND g.kind = 'ServiceAccount' AND NOT g.missing AND x.ns IS NOT NULL AND x.ksa IS NOT NULL`;

const workloadIdentity: RuleImpl = async (ctx) => {
  const out: Finding[] = [];
  // (a) annotation without binding, and annotation naming a GSA the collected project does not have. Only when the
  //     GSA's policy was read (`workloadIdentityMembers` present; absent means unknown).
  const a = await ctx.client.query<{ ksa: string; gsa: string; gsa_missing: boolean }>(
    `WITH acts AS (
       SELECT from_id, to_id, bool_or(coalesce(properties->>'annotation', '') = 'true') AS annotation,
              bool_or(coalesce(properties->>'binding', '') = 'true') AS binding
       FROM kg_e WHERE kind = 'ACTS_AS' GROUP BY from_id, to_id),
     wim AS (${WI_MEMBERS})
     SELECT a.from_id AS ksa, a.to_id AS gsa, (g.node_id IS NULL OR g.missing) AS gsa_missing
     FROM acts a
     JOIN kg_n k ON k.node_id = a.from_id AND NOT k.missing
     LEFT JOIN kg_n g ON g.node_id = a.to_id
     WHERE a.annotation AND NOT a.binding
       AND (
         ((g.node_id IS NULL OR g.missing) AND EXISTS (SELECT 1 FROM kg_cov c WHERE c.provider = 'gcp' AND c.kind = 'ServiceAccount'
              AND c.realm = kg_id_realm(a.to_id)))
         OR (NOT g.missing AND jsonb_typeof(g.properties->'workloadIdentityMembers') = 'array' AND NOT EXISTS (
              SELECT 1 FROM wim WHERE wim.gsa = g.node_id AND wim.ns = k.namespace AND wim.ksa = k.name)))`,
  );
  for (const r of a.rows) {
    const p = parseId(r.ksa);
    const member = `serviceAccount:PROJECT.svc.id.goog[${p?.namespace}/${p?.name}]`;
    out.push(make(
      'workload-identity-half-configured', 'medium',
      r.gsa_missing
        ? `ServiceAccount ${name(r.ksa)} is annotated to act as ${parseId(r.gsa)?.name}, which its project does not have`
        : `ServiceAccount ${name(r.ksa)} is annotated to act as ${parseId(r.gsa)?.name}, but the GCP service account has no workloadIdentityUser binding for it`,
      [r.ksa, r.gsa],
      { half: r.gsa_missing ? 'annotation-to-missing-gsa' : 'annotation-only', annotation: true, binding: false, expectedMember: member },
      r.gsa_missing
        ? `Fix the iam.gke.io/gcp-service-account annotation of ${name(r.ksa)} or create the GCP service account.`
        : `gcloud iam service-accounts add-iam-policy-binding ${parseId(r.gsa)?.name} --role roles/iam.workloadIdentityUser --member "${member}" (PROJECT: the cluster's workload pool project).`,
    ));
  }
  // (b) binding without annotation: a GSA grants workloadIdentityUser to NS/KSA, a KSA of that name exists (in any
  //     cluster: the pool names a project, not a cluster) and is not annotated for this GSA; and ACTS_AS edges asserted
  //     by the binding alone to an existing, unannotated KSA.
  const b = await ctx.client.query<{ ksa: string; gsa: string; member: string | null }>(
    `WITH wim AS (${WI_MEMBERS})
     SELECT k.node_id AS ksa, m.gsa, m.member
     FROM wim m
     JOIN kg_n k ON k.provider = 'k8s' AND k.kind = 'ServiceAccount' AND NOT k.missing
                 AND k.namespace = m.ns AND k.name = m.ksa
     WHERE lower(coalesce(k.properties->>'gcpServiceAccount', '')) <> m.email
     UNION
     SELECT e.from_id, e.to_id, NULL
     FROM kg_e e JOIN kg_n k ON k.node_id = e.from_id AND NOT k.missing
     JOIN kg_n g ON g.node_id = e.to_id AND NOT g.missing
     WHERE e.kind = 'ACTS_AS' AND coalesce(e.properties->>'binding', '') = 'true'
       AND NOT EXISTS (SELECT 1 FROM kg_e x WHERE x.kind = 'ACTS_AS' AND x.from_id = e.from_id AND x.to_id = e.to_id
                       AND coalesce(x.properties->>'annotation', '') = 'true')
       AND lower(coalesce(k.properties->>'gcpServiceAccount', '')) <> lower(g.name)`,
  );
  const seen = new Set<string>();
  for (const r of b.rows) {
    const key = `${r.ksa}|${r.gsa}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const email = parseId(r.gsa)?.name;
    out.push(make(
      'workload-identity-half-configured', 'medium',
      `GCP service account ${email} lets ServiceAccount ${name(r.ksa)} act as it (workloadIdentityUser), but the ServiceAccount is not annotated`,
      [r.ksa, r.gsa],
      { half: 'binding-only', annotation: false, binding: true, member: r.member ?? undefined },
      `kubectl annotate serviceaccount -n ${parseId(r.ksa)?.namespace} ${parseId(r.ksa)?.name} iam.gke.io/gcp-service-account=${email} (or remove the binding if it is not needed).`,
    ));
  }
  return out;
};

// ------------------------------------------------------------------ GCP keys

const deadKeys: RuleImpl = async (ctx) => {
  const { rows } = await ctx.client.query<{ secret: string; key: string; state: string; data_key: string | null; client_email: string | null; running: string[] }>(
    `SELECT e.from_id AS secret, e.to_id AS key,
            CASE WHEN k.node_id IS NULL OR k.missing THEN 'deleted' ELSE 'disabled' END AS state,
            e.properties->>'dataKey' AS data_key, e.properties->>'clientEmail' AS client_email,
            ARRAY(SELECT DISTINCT u.from_id FROM kg_e u JOIN kg_n p ON p.node_id = u.from_id AND NOT p.missing
                  WHERE u.kind = 'USES_SECRET' AND u.to_id = e.from_id AND p.kind = 'Pod' AND p.properties->>'phase' = 'Running'
                    AND coalesce(u.properties->>'optional', '') <> 'true' ORDER BY 1) AS running
     FROM kg_e e
     JOIN kg_n s ON s.node_id = e.from_id AND NOT s.missing
     LEFT JOIN kg_n k ON k.node_id = e.to_id
     WHERE e.kind = 'HOLDS_KEY' AND (
       ((k.node_id IS NULL OR k.missing) AND EXISTS (SELECT 1 FROM kg_cov c WHERE c.provider = 'gcp' AND c.kind = 'ServiceAccountKey'
            AND c.realm = kg_id_realm(e.to_id)))
       OR (NOT k.missing AND coalesce(k.properties->>'disabled', '') = 'true'))`,
  );
  // Critical when running pods read the Secret: they authenticate with a key that no longer works.
  return rows.map((r) => make(
    'secret-holds-dead-key', r.running.length ? 'critical' : 'high',
    `Secret ${name(r.secret)} holds GCP key ${parseId(r.key)?.name} (${r.client_email ?? 'unknown account'}), which is ${r.state === 'deleted' ? 'no longer listed by GCP' : 'disabled'}${r.running.length ? `; ${r.running.length} running pod(s) use it` : ''}`,
    [r.secret, r.key, ...r.running],
    { state: r.state, dataKey: r.data_key, clientEmail: r.client_email, runningPods: r.running },
    `Put a valid key of ${r.client_email ?? 'the service account'} into Secret ${name(r.secret)} (data key ${r.data_key ?? '?'}) and restart its consumers, or move them to Workload Identity.`,
  ));
};

const keyAge: RuleImpl = async (ctx) => {
  const { rows } = await ctx.client.query<{ key: string; valid_after: Date; age_days: number; holders: string[] }>(
    `SELECT k.node_id AS key, (k.properties->>'validAfterTime')::timestamptz AS valid_after,
            floor(extract(epoch FROM ($1::timestamptz - (k.properties->>'validAfterTime')::timestamptz)) / 86400)::int AS age_days,
            ARRAY(SELECT e.from_id FROM kg_e e WHERE e.kind = 'HOLDS_KEY' AND e.to_id = k.node_id ORDER BY 1) AS holders
     FROM kg_n k
     WHERE k.provider = 'gcp' AND k.kind = 'ServiceAccountKey' AND NOT k.missing
       AND k.properties->>'keyType' = 'USER_MANAGED' AND coalesce(k.properties->>'disabled', '') <> 'true'
       AND k.properties->>'validAfterTime' ~ '^\\d{4}-'
       AND (k.properties->>'validAfterTime')::timestamptz < $1::timestamptz - make_interval(days => $2::int)`,
    [ctx.at, ctx.limits.keyMaxAgeDays],
  );
  return rows.map((r) => make(
    'key-too-old', 'medium',
    `User-managed key ${parseId(r.key)?.name} is ${r.age_days} days old (limit ${ctx.limits.keyMaxAgeDays})`,
    [r.key, ...r.holders],
    { validAfterTime: new Date(r.valid_after).toISOString(), ageDays: r.age_days, limitDays: ctx.limits.keyMaxAgeDays, holders: r.holders },
    `Rotate it: create a new key, update the holder Secrets (keygraph impact ${r.key} --action rotate lists them and the workloads to restart), then delete the old key.`,
  ));
};

const keyUnused: RuleImpl = async (ctx) => {
  const { rows } = await ctx.client.query<{ key: string; last: Date | null; holders: string[] }>(
    `SELECT k.node_id AS key,
            CASE WHEN k.properties->>'lastAuthenticatedAt' ~ '^\\d{4}-' THEN (k.properties->>'lastAuthenticatedAt')::timestamptz END AS last,
            ARRAY(SELECT e.from_id FROM kg_e e WHERE e.kind = 'HOLDS_KEY' AND e.to_id = k.node_id ORDER BY 1) AS holders
     FROM kg_n k
     WHERE k.provider = 'gcp' AND k.kind = 'ServiceAccountKey' AND NOT k.missing
       AND k.properties->>'keyType' = 'USER_MANAGED' AND coalesce(k.properties->>'lastUseCovered', '') = 'true'
       AND coalesce(k.properties->>'disabled', '') <> 'true'
       AND k.properties->>'validAfterTime' ~ '^\\d{4}-'
       AND (k.properties->>'validAfterTime')::timestamptz < $1::timestamptz - make_interval(days => $2::int)
       AND (NOT (k.properties->>'lastAuthenticatedAt' ~ '^\\d{4}-') OR k.properties->>'lastAuthenticatedAt' IS NULL
            OR (k.properties->>'lastAuthenticatedAt')::timestamptz < $1::timestamptz - make_interval(days => $2::int))`,
    [ctx.at, ctx.limits.keyUnusedDays],
  );
  return rows.map((r) => make(
    'key-unused', 'low',
    `User-managed key ${parseId(r.key)?.name} has not been used for ${ctx.limits.keyUnusedDays}+ days`,
    [r.key, ...r.holders],
    { lastAuthenticatedAt: r.last ? new Date(r.last).toISOString() : null, limitDays: ctx.limits.keyUnusedDays, holders: r.holders },
    `Disable it, watch for errors, then delete it (keygraph impact ${r.key} --action disable first).`,
  ));
};

// ------------------------------------------------------------------ unused objects

const unusedSecrets: RuleImpl = async (ctx) => {
  const { rows } = await ctx.client.query<{ id: string; type: string | null }>(
    `SELECT s.node_id AS id, s.properties->>'type' AS type
     FROM kg_n s
     WHERE s.provider = 'k8s' AND s.kind = 'Secret' AND NOT s.missing
       AND coalesce(s.properties->>'type', '') NOT IN ('helm.sh/release.v1', 'bootstrap.kubernetes.io/token')
       AND NOT (s.properties ? 'usedBy')
       AND ${allListedIn('s')}
       AND NOT EXISTS (SELECT 1 FROM kg_e e WHERE e.to_id = s.node_id AND e.kind IN ('USES_SECRET', 'PRODUCES', 'OWNS', 'MENTIONS'))
       AND NOT (coalesce(s.properties->>'type', '') = 'kubernetes.io/service-account-token' AND EXISTS (
             SELECT 1 FROM kg_e t JOIN kg_n sa ON sa.node_id = t.to_id AND NOT sa.missing
             WHERE t.kind = 'TOKEN_FOR' AND t.from_id = s.node_id))`,
    [SECRET_REFERRERS],
  );
  return rows.map((r) => make(
    'unused-secret', 'low',
    `Secret ${name(r.id)} is not referenced by any workload, pod, ServiceAccount, Ingress, producer or other object`,
    [r.id],
    { type: r.type, checkedReferrerKinds: SECRET_REFERRERS },
    `Check that nothing reads it through the Kubernetes API (operators, CI) and delete it; keygraph impact ${r.id} confirms nothing in the graph depends on it.`,
  ));
};

const unusedServiceAccounts: RuleImpl = async (ctx) => {
  const { rows } = await ctx.client.query<{ id: string }>(
    `SELECT a.node_id AS id
     FROM kg_n a
     WHERE a.provider = 'k8s' AND a.kind = 'ServiceAccount' AND NOT a.missing
       AND a.name <> 'default' AND coalesce(a.namespace, '') <> 'kube-system' AND coalesce(a.properties->>'implicit', '') <> 'true'
       AND ${allListedIn('a')}
       AND NOT EXISTS (SELECT 1 FROM kg_e e WHERE e.to_id = a.node_id AND e.kind IN ('RUNS_AS', 'TOKEN_FOR', 'MENTIONS'))
       AND NOT EXISTS (SELECT 1 FROM kg_e e WHERE e.from_id = a.node_id AND e.kind = 'ACTS_AS' AND coalesce(e.properties->>'binding', '') = 'true')`,
    [SA_REFERRERS],
  );
  return rows.map((r) => make(
    'unused-service-account', 'info',
    `ServiceAccount ${name(r.id)} is not used by any workload or pod and has no token Secret or Workload Identity binding`,
    [r.id],
    { checkedReferrerKinds: SA_REFERRERS },
    `Check RoleBindings and external token users (kubectl create token), then delete it.`,
  ));
};

/** ConfigMaps nothing refers to (see the module doc for what is excluded and why). */
const unusedConfigMaps: RuleImpl = async (ctx) => {
  const { rows } = await ctx.client.query<{ id: string }>(
    `SELECT c.node_id AS id
     FROM kg_n c
     WHERE c.provider = 'k8s' AND c.kind = 'ConfigMap' AND NOT c.missing
       AND c.name <> 'kube-root-ca.crt' AND coalesce(c.namespace, '') NOT IN ('kube-system', 'kube-public', 'kube-node-lease')
       AND NOT (c.properties ? 'ownerReferences')
       AND NOT (c.properties ? 'usedBy')
       AND ${allListedIn('c')}
       AND NOT EXISTS (SELECT 1 FROM kg_e e WHERE e.to_id = c.node_id AND e.kind IN ('USES_CONFIG_MAP', 'OWNS', 'MENTIONS'))`,
    [CONFIG_MAP_REFERRERS],
  );
  return rows.map((r) => make(
    'unused-config-map', 'info',
    `ConfigMap ${name(r.id)} is not used by any workload, pod or custom resource keygraph reads`,
    [r.id],
    { checkedReferrerKinds: CONFIG_MAP_REFERRERS },
    `Check readers through the Kubernetes API (operators, dashboards sidecars, CI) before deleting it; keygraph impact ${r.id} confirms nothing in the graph depends on it.`,
  ));
};

/**
 * Data keys of an Opaque Secret that no consumer names, when every consumer reads it key by key (env secretKeyRef,
 * volume `items`, a mention with its key): no envFrom, whole-volume mount or keyless mention, no producer writing
 * it, and the referencing kinds listed completely in its namespace.
 */
const unusedDataKeys: RuleImpl = async (ctx) => {
  const { rows } = await ctx.client.query<{ id: string; unused: string[]; used: string[]; consumers: string[] }>(
    `WITH cands AS (
       SELECT s.node_id, s.properties->'dataKeys' AS data_keys
       FROM kg_n s
       WHERE s.provider = 'k8s' AND s.kind = 'Secret' AND NOT s.missing AND coalesce(s.properties->>'type', 'Opaque') = 'Opaque'
         AND jsonb_typeof(s.properties->'dataKeys') = 'array' AND ${allListedIn('s')}
         AND EXISTS (SELECT 1 FROM kg_e u WHERE u.to_id = s.node_id AND u.kind = 'USES_SECRET')
         AND NOT EXISTS (SELECT 1 FROM kg_e u WHERE u.to_id = s.node_id AND (u.kind IN ('PRODUCES', 'OWNS')
               OR (u.kind IN ('USES_SECRET', 'MENTIONS') AND coalesce(jsonb_typeof(u.properties->'keys'), '') <> 'array'))))
     SELECT c.node_id AS id,
            ARRAY(SELECT k FROM jsonb_array_elements_text(c.data_keys) k WHERE NOT EXISTS (
                  SELECT 1 FROM kg_e u WHERE u.to_id = c.node_id AND u.kind IN ('USES_SECRET', 'MENTIONS') AND u.properties->'keys' ? k) ORDER BY k) AS unused,
            ARRAY(SELECT DISTINCT k FROM kg_e u, jsonb_array_elements_text(u.properties->'keys') k
                  WHERE u.to_id = c.node_id AND u.kind IN ('USES_SECRET', 'MENTIONS') ORDER BY 1) AS used,
            ARRAY(SELECT DISTINCT u.from_id FROM kg_e u WHERE u.to_id = c.node_id AND u.kind IN ('USES_SECRET', 'MENTIONS') ORDER BY 1) AS consumers
     FROM cands c`,
    [SECRET_REFERRERS],
  );
  return rows.filter((r) => r.unused.length).map((r) => make(
    'unused-data-key', 'low',
    `Secret ${name(r.id)} has data key${r.unused.length > 1 ? 's' : ''} ${r.unused.join(', ')} that no consumer reads`,
    [r.id, ...r.consumers],
    { unusedKeys: r.unused, usedKeys: r.used, consumers: r.consumers, checkedReferrerKinds: SECRET_REFERRERS },
    `Every consumer reads Secret ${name(r.id)} key by key and none reads ${r.unused.join(', ')}: check external readers (operators, CI), then remove the key${r.unused.length > 1 ? 's' : ''}.`,
    [r.id],
  ));
};

/**
 * A producer (Certificate, ExternalSecret, SealedSecret) whose status says it is not Ready (`properties.ready`
 * false, from `status.conditions[type=Ready]`) while the Secret it writes is used: high when the Secret does not exist
 * yet (critical when running pods need it), medium when it exists (it is no longer refreshed). A Certificate whose
 * Secret exists is {@link certificateNotReady}'s instead.
 */
const producerFailed: RuleImpl = async (ctx) => {
  const { rows } = await ctx.client.query<{ producer: string; secret: string; exists: boolean; reason: string | null; users: string[]; running: string[] }>(
    `SELECT pr.from_id AS producer, pr.to_id AS secret, (t.node_id IS NOT NULL AND NOT t.missing) AS exists,
            p.properties->>'readyReason' AS reason,
            ARRAY(SELECT DISTINCT u.from_id FROM kg_e u WHERE u.to_id = pr.to_id AND u.kind IN ('USES_SECRET', 'MENTIONS') ORDER BY 1) AS users,
            ARRAY(SELECT DISTINCT u.from_id FROM kg_e u JOIN kg_n q ON q.node_id = u.from_id AND NOT q.missing
                  WHERE u.to_id = pr.to_id AND u.kind = 'USES_SECRET' AND q.kind = 'Pod' AND q.properties->>'phase' = 'Running'
                    AND coalesce(u.properties->>'optional', '') <> 'true' ORDER BY 1) AS running
     FROM kg_e pr JOIN kg_n p ON p.node_id = pr.from_id AND NOT p.missing
     LEFT JOIN kg_n t ON t.node_id = pr.to_id
     WHERE pr.kind = 'PRODUCES' AND p.properties->>'ready' = 'false'
       AND EXISTS (SELECT 1 FROM kg_e u WHERE u.to_id = pr.to_id AND u.kind IN ('USES_SECRET', 'MENTIONS'))
       -- An existing Secret of a cert-manager Certificate is certificate-not-ready's (one rule family, no double report).
       AND NOT (p.kind = 'Certificate' AND t.node_id IS NOT NULL AND NOT t.missing)`,
  );
  return rows.map((r) => make(
    'producer-failed', r.exists ? 'medium' : r.running.length ? 'critical' : 'high',
    r.exists
      ? `${kindOf(r.producer)} ${name(r.producer)} is not Ready${r.reason ? ` (${r.reason})` : ''}: Secret ${name(r.secret)} is no longer refreshed`
      : `${kindOf(r.producer)} ${name(r.producer)} is not Ready${r.reason ? ` (${r.reason})` : ''}: Secret ${name(r.secret)}, used by ${r.users.length} object(s), has not been created`,
    [r.producer, r.secret, ...r.users],
    { producer: r.producer, secret: r.secret, secretExists: r.exists, readyReason: r.reason, users: r.users, runningPods: r.running },
    `kubectl describe ${kindOf(r.producer).toLowerCase()} -n ${parseId(r.producer)?.namespace} ${parseId(r.producer)?.name}: fix what its status reports (issuer, store credentials, sealing key).`,
  ));
};

// ------------------------------------------------------------------ history rules

const podEnvStale: RuleImpl = async (ctx) => {
  const asOfAt = asOfPg(ctx.asOf ? 1 : undefined);
  const { rows } = await ctx.client.query<{
    pod: string; secret: string; started: Date; changed_seen: Date; prev_seen: Date; keys: string[] | null; changed_keys: string[]; root: string;
  }>(
    `WITH changes AS MATERIALIZED (
       -- Secrets with a closed version (partial index node_versions_closed_secret_idx): only they can have changed.
       SELECT cur.node_id, cur.valid_from AS changed_seen, prev.valid_from AS prev_seen,
              prev.properties->'fingerprints' AS old_fp, cur.properties->'fingerprints' AS new_fp
       FROM node_versions prev
       JOIN node_versions cur ON cur.node_id = prev.node_id AND cur.source = prev.source AND cur.scope = prev.scope
                              AND cur.valid_from = prev.valid_to AND NOT cur.missing
       WHERE prev.valid_to IS NOT NULL AND prev.kind = 'Secret' AND NOT prev.missing AND cur.valid_from <= ${asOfAt}
         AND jsonb_typeof(cur.properties->'fingerprints') = 'object' AND jsonb_typeof(prev.properties->'fingerprints') = 'object'),
     reads AS (
       SELECT e.from_id AS pod, e.to_id AS secret, e.properties->'keys' AS keys,
              (p.properties->>'startTime')::timestamptz AS started
       FROM kg_e e JOIN kg_n p ON p.node_id = e.from_id
       WHERE e.to_id IN (SELECT node_id FROM changes)
         AND e.kind = 'USES_SECRET' AND e.properties->>'via' IN ('env', 'envFrom')
         AND p.kind = 'Pod' AND NOT p.missing AND p.properties->>'phase' = 'Running'
         AND p.properties->>'startTime' ~ '^\\d{4}-')
     SELECT r.pod, r.secret, r.started, c.changed_seen, c.prev_seen,
            ARRAY(SELECT jsonb_array_elements_text(r.keys)) AS keys,
            ARRAY(SELECT k FROM jsonb_object_keys(c.old_fp || c.new_fp) k
                  WHERE (c.old_fp->>k) IS DISTINCT FROM (c.new_fp->>k)
                    AND (r.keys IS NULL OR jsonb_typeof(r.keys) <> 'array' OR r.keys ? k) ORDER BY k) AS changed_keys,
            coalesce((SELECT o2.from_id FROM kg_e o1 JOIN kg_e o2 ON o2.kind = 'OWNS' AND o2.to_id = o1.from_id
                      WHERE o1.kind = 'OWNS' AND o1.to_id = r.pod LIMIT 1),
                     (SELECT o1.from_id FROM kg_e o1 WHERE o1.kind = 'OWNS' AND o1.to_id = r.pod LIMIT 1), r.pod) AS root
     FROM reads r JOIN changes c ON c.node_id = r.secret
     WHERE c.changed_seen > r.started`,
    asOfParams(ctx.asOf),
  );
  const groups = new Map<string, typeof rows>();
  for (const r of rows) {
    if (!r.changed_keys.length) continue;
    const k = `${r.secret}|${r.root}`;
    const l = groups.get(k);
    if (l) l.push(r);
    else groups.set(k, [r]);
  }
  const out: Finding[] = [];
  for (const [, g] of groups) {
    const f = g[0]!;
    const pods = [...new Set(g.map((r) => r.pod))].sort();
    const changedKeys = [...new Set(g.flatMap((r) => r.changed_keys))].sort();
    const certain = g.every((r) => new Date(r.prev_seen) > new Date(r.started));
    out.push(make(
      'pod-env-stale', 'medium',
      `${pods.length} running pod(s) of ${kindOf(f.root)} ${name(f.root)} started before Secret ${name(f.secret)} changed (${changedKeys.join(', ')}); they still hold the old value in env`,
      [f.secret, f.root, ...pods],
      {
        pods, changedKeys, certain,
        podStartTimes: Object.fromEntries(g.map((r) => [r.pod, new Date(r.started).toISOString()])),
        changeObservedAt: new Date(Math.min(...g.map((r) => new Date(r.changed_seen).getTime()))).toISOString(),
        previousVersionObservedAt: new Date(f.prev_seen).toISOString(),
      },
      `Restart ${kindOf(f.root)} ${name(f.root)} (kubectl rollout restart) so its pods read the new value.`,
      [f.secret, f.root],
    ));
  }
  return out;
};

const renamedSecrets: RuleImpl = async (ctx) => {
  const asOfAt = asOfPg(ctx.asOf ? 1 : undefined);
  const { rows } = await ctx.client.query<{ old_id: string; new_id: string; gone_at: Date; new_since: Date; refs: string[]; roots: string[] }>(
    `WITH gone AS (
       SELECT DISTINCT ON (v.node_id) v.node_id, v.realm, v.namespace, v.properties->'fingerprints' AS fp,
              v.valid_to AS gone_at
       FROM node_versions v
       WHERE v.provider = 'k8s' AND v.kind = 'Secret' AND NOT v.missing AND v.valid_to IS NOT NULL AND v.valid_to <= ${asOfAt}
       ORDER BY v.node_id, v.valid_to DESC)
     SELECT g.node_id AS old_id, n.node_id AS new_id, g.gone_at,
            (SELECT min(x.valid_from) FROM node_versions x WHERE x.node_id = n.node_id AND NOT x.missing) AS new_since,
            ARRAY(SELECT DISTINCT e.from_id FROM kg_e e WHERE e.to_id = g.node_id AND e.kind = 'USES_SECRET' ORDER BY 1) AS refs,
            -- The referrers a person edits: those whose owner (ownerReferences) does not reference the old name too
            -- (a Deployment, not its ReplicaSet and Pods, which follow it on the rollout).
            ARRAY(SELECT DISTINCT e.from_id FROM kg_e e WHERE e.to_id = g.node_id AND e.kind = 'USES_SECRET'
                    AND NOT EXISTS (SELECT 1 FROM kg_e o JOIN kg_e u ON u.from_id = o.from_id AND u.to_id = g.node_id AND u.kind = 'USES_SECRET'
                                    WHERE o.kind = 'OWNS' AND o.to_id = e.from_id)
                  ORDER BY 1) AS roots
     FROM gone g
     JOIN kg_n n ON n.provider = 'k8s' AND n.kind = 'Secret' AND NOT n.missing AND n.realm = g.realm
                AND n.namespace IS NOT DISTINCT FROM g.namespace AND n.properties->'fingerprints' = g.fp
     WHERE jsonb_typeof(g.fp) = 'object' AND g.fp <> '{}'::jsonb AND n.node_id <> g.node_id
       AND NOT EXISTS (SELECT 1 FROM kg_n o WHERE o.node_id = g.node_id AND NOT o.missing)
       AND (SELECT min(x.valid_from) FROM node_versions x WHERE x.node_id = n.node_id AND NOT x.missing)
           > (SELECT min(x.valid_from) FROM node_versions x WHERE x.node_id = g.node_id AND NOT x.missing)`,
    asOfParams(ctx.asOf),
  );
  return rows.map((r) => make(
    'renamed-secret', r.refs.length ? 'high' : 'info',
    r.refs.length
      ? `Secret ${name(r.old_id)} was renamed to ${parseId(r.new_id)?.name} (identical content), but ${r.refs.length} object(s) still reference the old name`
      : `Secret ${name(r.old_id)} was renamed to ${parseId(r.new_id)?.name} (identical content)`,
    [r.old_id, r.new_id, ...r.refs],
    { oldSecret: r.old_id, newSecret: r.new_id, disappearedAt: new Date(r.gone_at).toISOString(), newSince: new Date(r.new_since).toISOString(), sameFingerprints: true, referencesToOldName: r.refs },
    r.refs.length
      ? `Point ${r.roots.map((x) => `${kindOf(x)} ${name(x)}`).join(', ')} at ${parseId(r.new_id)?.name}` +
        `${r.refs.length > r.roots.length ? ` (the ${r.refs.length - r.roots.length} object(s) they own follow on the rollout)` : ''}, or re-create ` +
        `${parseId(r.old_id)?.name}, before the next rollout: a restart or rollback fails with CreateContainerConfigError.`
      : `Nothing references the old name any more.`,
  ));
};

// ------------------------------------------------------------------ TLS

const tlsExpiring: RuleImpl = async (ctx) => {
  const { rows } = await ctx.client.query<{ id: string; valid_to: Date; days: number; sans: string[] | null; subject: string | null }>(
    `SELECT s.node_id AS id, c.valid_to, floor(extract(epoch FROM (c.valid_to - $1::timestamptz)) / 86400)::int AS days,
            ARRAY(SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(c.cert->'subjectAltName') = 'array' THEN c.cert->'subjectAltName' ELSE '[]'::jsonb END)) AS sans,
            c.cert->>'subject' AS subject
     FROM kg_n s
     CROSS JOIN LATERAL (SELECT coalesce(s.properties->'certificate', s.properties->'tls') AS cert) c0
     CROSS JOIN LATERAL (SELECT c0.cert, CASE WHEN c0.cert->>'validTo' ~ '^\\d{4}-' THEN (c0.cert->>'validTo')::timestamptz END AS valid_to) c
     WHERE s.provider = 'k8s' AND s.kind = 'Secret' AND NOT s.missing AND s.properties->>'type' = 'kubernetes.io/tls'
       AND c.valid_to < $1::timestamptz + make_interval(days => $2::int)`,
    [ctx.at, ctx.limits.tlsExpiryDays],
  );
  return rows.map((r) => make(
    'tls-expiring', r.days <= 7 ? 'high' : 'medium',
    r.days < 0
      ? `TLS certificate in Secret ${name(r.id)} expired ${-r.days} day(s) ago`
      : `TLS certificate in Secret ${name(r.id)} expires in ${r.days} day(s)`,
    [r.id],
    { validTo: new Date(r.valid_to).toISOString(), daysLeft: r.days, subjectAltName: r.sans ?? [], limitDays: ctx.limits.tlsExpiryDays },
    `Renew it (cert-manager: check the Certificate's status and issuer; otherwise replace tls.crt/tls.key).`,
  ));
};

const tlsReissue: RuleImpl = async (ctx) => {
  const asOfAt = asOfPg(ctx.asOf ? 3 : undefined);
  const { rows } = await ctx.client.query<{ names: string; issued: number; serials: string[]; secrets: string[]; first: Date; last: Date }>(
    `WITH certs AS (
       SELECT v.node_id, c.cert->>'serialNumber' AS serial, (c.cert->>'validFrom')::timestamptz AS issued_at,
              (SELECT string_agg(x, ',' ORDER BY x) FROM jsonb_array_elements_text(c.cert->'subjectAltName') x) AS names
       FROM node_versions v
       CROSS JOIN LATERAL (SELECT coalesce(v.properties->'certificate', v.properties->'tls') AS cert) c
       WHERE v.provider = 'k8s' AND v.kind = 'Secret' AND NOT v.missing AND v.properties->>'type' = 'kubernetes.io/tls'
         AND v.valid_from <= ${asOfAt}
         AND jsonb_typeof(c.cert->'subjectAltName') = 'array' AND c.cert->>'validFrom' ~ '^\\d{4}-')
     SELECT names, count(DISTINCT serial)::int AS issued, array_agg(DISTINCT serial) AS serials,
            array_agg(DISTINCT node_id) AS secrets, min(issued_at) AS first, max(issued_at) AS last
     FROM certs
     WHERE issued_at > ${asOfAt} - make_interval(days => $1::int) AND issued_at <= ${asOfAt} AND names IS NOT NULL
     GROUP BY names HAVING count(DISTINCT serial) >= $2::int`,
    [ctx.limits.reissueWindowDays, ctx.limits.reissueCount, ...asOfParams(ctx.asOf)],
  );
  return rows.map((r) => make(
    'tls-reissue-rate', 'high',
    `Certificate for ${r.names} was issued ${r.issued} times in ${ctx.limits.reissueWindowDays} days (duplicate-certificate limit ${ctx.limits.reissueCount}/week)`,
    r.secrets.sort(),
    { names: r.names.split(','), issued: r.issued, windowDays: ctx.limits.reissueWindowDays, firstIssuedAt: new Date(r.first).toISOString(), lastIssuedAt: new Date(r.last).toISOString(), serialNumbers: r.serials.sort() },
    `Persist the certificate store (e.g. acme.json on a persistent volume, or cert-manager's Secret) so restarts reuse the certificate instead of issuing a new one.`,
    [r.names],
  ));
};

/**
 * `certificate-not-ready`: a cert-manager Certificate whose `status.conditions[Ready]` is False (`properties.ready`
 * false), or whose last issuance failed (`Issuing` False with reason Failed, or `status.lastFailureTime` set: cert-manager
 * keeps Ready True while the old certificate is valid), while the Secret it writes exists and is used (USES_SECRET or
 * MENTIONS): renewal is failing and the current certificate keeps being served until it expires. medium; high when the current certificate (the Secret's
 * `certificate.validTo`, else the Certificate's `status.notAfter`) expires within 14 days or has expired. Evidence:
 * the condition's reason and message, failed issuance attempts, the current certificate's notAfter and the users.
 * (A Certificate whose Secret does not exist yet is `producer-failed`.)
 */
const certificateNotReady: RuleImpl = async (ctx) => {
  const { rows } = await ctx.client.query<{
    cert: string; secret: string; reason: string | null; message: string | null; ready: boolean | null; attempts: number | null; last_failure: string | null;
    not_after: Date | null; users: string[];
  }>(
    `SELECT pr.from_id AS cert, pr.to_id AS secret, p.properties->>'readyReason' AS reason,
            coalesce(p.properties->>'readyMessage', p.properties->>'issuingMessage') AS message, p.properties->>'ready' = 'true' AS ready,
            CASE WHEN jsonb_typeof(p.properties->'failedIssuanceAttempts') = 'number' THEN (p.properties->>'failedIssuanceAttempts')::int END AS attempts,
            p.properties->>'lastFailureTime' AS last_failure,
            coalesce(CASE WHEN t.properties->'certificate'->>'validTo' ~ '^\\d{4}-' THEN (t.properties->'certificate'->>'validTo')::timestamptz END,
                     CASE WHEN p.properties->>'notAfter' ~ '^\\d{4}-' THEN (p.properties->>'notAfter')::timestamptz END) AS not_after,
            ARRAY(SELECT DISTINCT u.from_id FROM kg_e u WHERE u.to_id = pr.to_id AND u.kind IN ('USES_SECRET', 'MENTIONS') ORDER BY 1) AS users
     FROM kg_e pr JOIN kg_n p ON p.node_id = pr.from_id AND NOT p.missing AND p.kind = 'Certificate'
     JOIN kg_n t ON t.node_id = pr.to_id AND NOT t.missing
     WHERE pr.kind = 'PRODUCES'
       AND (p.properties->>'ready' = 'false' OR p.properties->>'issuingFailed' = 'true' OR p.properties->>'lastFailureTime' ~ '^\d{4}-')
       AND EXISTS (SELECT 1 FROM kg_e u WHERE u.to_id = pr.to_id AND u.kind IN ('USES_SECRET', 'MENTIONS'))`,
  );
  return rows.map((r) => {
    const days = r.not_after ? Math.floor((new Date(r.not_after).getTime() - ctx.at.getTime()) / 86_400_000) : null;
    const soon = days !== null && days <= 14;
    const p = parseId(r.cert);
    return make(
      'certificate-not-ready', soon ? 'high' : 'medium',
      `Certificate ${name(r.cert)} ${r.ready ? 'failed to renew' : `is not Ready${r.reason ? ` (${r.reason})` : ''}`}: Secret ${name(r.secret)} keeps a certificate that is not renewed${days === null ? '' : days < 0 ? `, expired ${-days} day(s) ago` : `, expiring in ${days} day(s)`}`,
      [r.cert, r.secret, ...r.users],
      {
        certificate: r.cert, secret: r.secret, ready: r.ready ?? false, readyReason: r.reason, readyMessage: r.message, failedIssuanceAttempts: r.attempts,
        lastFailureTime: r.last_failure, notAfter: r.not_after ? new Date(r.not_after).toISOString() : null, daysLeft: days, users: r.users,
      },
      `kubectl describe certificate -n ${p?.namespace} ${p?.name} (and its CertificateRequest / Order): fix what the Ready condition reports (issuer, DNS-01/HTTP-01 solver, quota) before the current certificate expires; cmctl renew ${p?.name} -n ${p?.namespace} retries at once.`,
      [r.cert],
    );
  });
};

/**
 * `tls-host-mismatch`: a host an Ingress (`spec.tls[].hosts`, USES_SECRET `ingressTls` edge property `hosts`; any
 * edge into the Secret carrying `hosts`) or a Gateway API listener (Gateway property `listeners`: `hostname`,
 * `certificateRefs`) serves with a `kubernetes.io/tls` Secret whose certificate's names (lib/analysis/certificates.ts:
 * DNS SANs; `*.example.com` covers one label) do not cover it: clients get a wrong or outdated certificate. high.
 * Secrets without a parsed certificate are skipped. One finding per (consumer, Secret), listing the uncovered hosts.
 */
const tlsHostMismatch: RuleImpl = async (ctx) => {
  const { rows } = await ctx.client.query<{ consumer: string; secret: string; hosts: string[]; cert: Record<string, unknown>; producer: string | null; dns_names: string[] | null }>(
    `WITH served AS (
       SELECT e.from_id AS consumer, e.to_id AS secret, h AS host
       FROM kg_e e CROSS JOIN LATERAL jsonb_array_elements_text(e.properties->'hosts') h
       WHERE e.kind IN ('USES_SECRET', 'MENTIONS') AND jsonb_typeof(e.properties->'hosts') = 'array'
       UNION
       SELECT g.node_id, 'k8s:' || g.realm || '/' || coalesce(r->>'namespace', g.namespace) || '/Secret/' || (r->>'name'), l->>'hostname'
       FROM kg_n g CROSS JOIN LATERAL jsonb_array_elements(g.properties->'listeners') l
                   CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(l->'certificateRefs') = 'array' THEN l->'certificateRefs' ELSE '[]'::jsonb END) r
       WHERE g.provider = 'k8s' AND NOT g.missing AND g.namespace IS NOT NULL AND jsonb_typeof(g.properties->'listeners') = 'array'
         AND jsonb_typeof(l->'hostname') = 'string' AND jsonb_typeof(r->'name') = 'string')
     SELECT s.consumer, s.secret, array_agg(DISTINCT s.host ORDER BY s.host) AS hosts, t.properties->'certificate' AS cert,
            (SELECT pr.from_id FROM kg_e pr WHERE pr.kind = 'PRODUCES' AND pr.to_id = s.secret ORDER BY 1 LIMIT 1) AS producer,
            (SELECT ARRAY(SELECT jsonb_array_elements_text(c.properties->'dnsNames')) FROM kg_e pr JOIN kg_n c ON c.node_id = pr.from_id
             WHERE pr.kind = 'PRODUCES' AND pr.to_id = s.secret AND c.kind = 'Certificate' AND jsonb_typeof(c.properties->'dnsNames') = 'array'
             ORDER BY pr.from_id LIMIT 1) AS dns_names
     FROM served s JOIN kg_n t ON t.node_id = s.secret AND NOT t.missing
     WHERE t.properties->>'type' = 'kubernetes.io/tls' AND jsonb_typeof(t.properties->'certificate') = 'object'
       AND NOT (t.properties->'certificate' ? 'error')
     GROUP BY s.consumer, s.secret, t.properties->'certificate'`,
  );
  const out: Finding[] = [];
  for (const r of rows) {
    const names = certificateNames(r.cert);
    const uncovered = r.hosts.filter((h) => !hostCovered(h, names));
    if (!uncovered.length) continue;
    const consumer = `${kindOf(r.consumer)} ${name(r.consumer)}`;
    const renewable = r.producer && kindOf(r.producer) === 'Certificate';
    const inSpec = r.dns_names ? uncovered.filter((h) => hostCovered(h, r.dns_names!)) : [];
    out.push(make(
      'tls-host-mismatch', 'high',
      `${consumer} serves ${uncovered.join(', ')} with Secret ${name(r.secret)}, whose certificate does not cover ${uncovered.length > 1 ? 'them' : 'it'} (${names.join(', ') || 'no names'})`,
      [r.consumer, r.secret, ...(r.producer ? [r.producer] : [])],
      {
        consumer: r.consumer, secret: r.secret, hosts: r.hosts, uncoveredHosts: uncovered, certificateNames: names,
        validTo: typeof r.cert.validTo === 'string' ? r.cert.validTo : null, producer: r.producer,
        certificateDnsNames: r.dns_names ?? undefined,
      },
      renewable
        ? inSpec.length === uncovered.length
          ? `Certificate ${name(r.producer!)} already asks for ${uncovered.join(', ')} but the Secret holds an older certificate: check why it is not re-issued (kubectl describe certificate).`
          : `Add ${uncovered.join(', ')} to Certificate ${name(r.producer!)}'s dnsNames (or point ${consumer} at a Secret whose certificate names ${uncovered.length > 1 ? 'them' : 'it'}).`
        : `Replace the certificate in Secret ${name(r.secret)} with one whose SANs include ${uncovered.join(', ')}, or point ${consumer} at the right Secret.`,
      [r.consumer, r.secret],
    ));
  }
  return out;
};

/** Kinds the version rule reads: the workload kinds and Pods (only those no observed controller owns). */
const VERSIONED_KINDS = RUNNER_KIND_KEYS.map((k) => NODE_KINDS[k].kind);

/**
 * `chart-image-mismatch` (low): a workload (or a Pod no controller owns; ReplicaSets, Jobs and pods an observed
 * controller owns are judged through it) whose `metadata.labels["app.kubernetes.io/version"]` agrees with the tag of
 * none of the images of the application's containers (lib/analysis/versions.ts versionedContainers: named like
 * `app.kubernetes.io/name` / `component`, or the only container of a long-running workload; sidecars and helper Jobs
 * run their own versions) — leading `v` ignored, flavour suffixes such as `-alpine` accepted.
 * Images without a tag (digest only, implicit latest) or tagged `latest`-like say nothing and are skipped; so is a
 * version label that is not a version (`latest`). `helm.sh/chart` (NAME-CHARTVERSION) is evidence only: a chart's
 * version is not the application's.
 */
const chartImageMismatch: RuleImpl = async (ctx) => {
  const { rows } = await ctx.client.query<{ id: string; kind: string; labels: Record<string, string>; version: string; chart: string | null; containers: { name?: string; image?: string }[] }>(
    `SELECT n.node_id AS id, n.kind, n.properties->'labels' AS labels, n.properties->'labels'->>'app.kubernetes.io/version' AS version,
            n.properties->'labels'->>'helm.sh/chart' AS chart, n.properties->'containers' AS containers
     FROM kg_n n
     WHERE n.provider = 'k8s' AND NOT n.missing AND n.kind = ANY($1::text[])
       AND jsonb_typeof(n.properties->'labels'->'app.kubernetes.io/version') = 'string'
       AND jsonb_typeof(n.properties->'containers') = 'array'
       AND NOT EXISTS (SELECT 1 FROM kg_e o JOIN kg_n c ON c.node_id = o.from_id AND NOT c.missing WHERE o.kind = 'OWNS' AND o.to_id = n.node_id)`,
    [VERSIONED_KINDS],
  );
  const out: Finding[] = [];
  for (const r of rows) {
    const version = r.version.trim();
    if (!version || UNVERSIONED_TAGS.has(normaliseVersion(version))) continue;
    const all = r.containers
      .filter((c) => typeof c?.image === 'string')
      .map((c) => ({ name: c.name ?? '', image: c.image! }));
    const images = versionedContainers(r.kind, r.labels, all).map((c) => ({ container: c.name, image: c.image, tag: imageTag(c.image) }));
    const tagged = images.filter((i) => i.tag && !UNVERSIONED_TAGS.has(normaliseVersion(i.tag)));
    if (!tagged.length || tagged.some((i) => versionsAgree(version, i.tag!))) continue;
    out.push(make(
      'chart-image-mismatch', 'low',
      `${kindOf(r.id)} ${name(r.id)} is labelled version ${version} but runs ${tagged.map((i) => i.tag).join(', ')}`,
      [r.id],
      { versionLabel: version, helmChart: r.chart ?? undefined, images },
      `Make the manifest or chart consistent: set app.kubernetes.io/version to the deployed image's version (Helm: appVersion in Chart.yaml, or the image tag in values), or deploy the image of version ${version}.`,
    ));
  }
  return out;
};

/** Implementations, each covering one or more rules. */
// ------------------------------------------------------------------ RBAC: a workload that can read every Secret

/**
 * workload-reads-all-secrets: a ServiceAccount that an observed workload or pod runs as (RUNS_AS) holds a grant
 * without resourceNames for get or list on Secrets (lib/analysis/access.ts secretGrants, the one RBAC evaluator):
 * every Secret of a RoleBinding's namespace (medium) or, through a ClusterRoleBinding, of the cluster (high). `watch`
 * alone is not counted (it streams changes, not the current values). One finding per ServiceAccount, broadest scope.
 */
const workloadReadsAllSecrets: RuleImpl = async (ctx) => {
  const { rows: rbac } = await ctx.client.query<{ node_id: string; kind: string; realm: string; namespace: string | null; name: string; properties: Record<string, unknown> }>(
    `SELECT node_id, kind, realm, namespace, name, properties FROM kg_n
     WHERE provider = 'k8s' AND NOT missing AND kind IN ('Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding')`,
  );
  if (!rbac.some((r) => r.kind === 'RoleBinding' || r.kind === 'ClusterRoleBinding')) return [];
  const byRealm = new Map<string, RbacNode[]>();
  for (const r of rbac) {
    let l = byRealm.get(r.realm);
    if (!l) byRealm.set(r.realm, (l = []));
    l.push({ id: r.node_id, kind: r.kind, realm: r.realm, namespace: r.namespace, name: r.name, properties: r.properties ?? {} });
  }
  const wide = new Map<string, ReturnType<typeof secretGrants>>();
  for (const nodes of byRealm.values()) {
    for (const g of secretGrants(nodes)) {
      if (!g.subject.id || g.resourceNames || !g.verbs.some((v) => v === 'get' || v === 'list')) continue;
      let l = wide.get(g.subject.id);
      if (!l) wide.set(g.subject.id, (l = []));
      l.push(g);
    }
  }
  if (!wide.size) return [];
  const runners = RUNNER_KIND_KEYS.map((k) => k.slice(4));
  const { rows } = await ctx.client.query<{ sa: string; workloads: string[] }>(
    `SELECT e.to_id AS sa, array_agg(DISTINCT e.from_id ORDER BY e.from_id) AS workloads
     FROM kg_e e JOIN kg_n w ON w.node_id = e.from_id AND NOT w.missing AND w.kind = ANY($1::text[])
     WHERE e.kind = 'RUNS_AS' AND e.to_id = ANY($2::text[]) GROUP BY e.to_id`,
    [runners, [...wide.keys()]],
  );
  return rows.map((r) => {
    const grants = wide.get(r.sa)!;
    const cluster = grants.some((g) => g.scope === 'cluster');
    const p = parseId(r.sa);
    const top = r.workloads.filter((w) => !['ReplicaSet', 'Pod', 'Job'].includes(kindOf(w)));
    const shown = (top.length ? top : r.workloads).slice(0, 20);
    const bindings = [...new Set(grants.map((g) => g.binding))];
    return make(
      'workload-reads-all-secrets', cluster ? 'high' : 'medium',
      `ServiceAccount ${name(r.sa)}, run by ${shown.slice(0, 3).map((w) => `${kindOf(w)} ${name(w)}`).join(', ')}${shown.length > 3 ? ` and ${shown.length - 3} more` : ''}, can read every Secret ${cluster ? 'in the cluster' : `in namespace ${p?.namespace}`}`,
      [r.sa, ...bindings, ...shown],
      {
        serviceAccount: r.sa, scope: cluster ? 'cluster' : 'namespace', workloads: shown,
        grants: grants.map((g) => ({ binding: g.binding, role: g.role, scope: g.scope, namespace: g.namespace, verbs: g.verbs, aggregatedFrom: g.aggregatedFrom })),
      },
      `Narrow the role: grant only the Secrets the workload reads (rules[].resourceNames), in its own namespace (a RoleBinding, not a ClusterRoleBinding); kubectl auth can-i list secrets --as=system:serviceaccount:${p?.namespace}:${p?.name}${cluster ? ' -A' : ` -n ${p?.namespace}`} shows the result.`,
      [r.sa],
    );
  });
};

const IMPL: { rules: RuleId[]; impl: RuleImpl }[] = [
  { rules: ['dangling-reference', 'unverified-reference', 'missing-data-key'], impl: referenceRules },
  { rules: ['workload-identity-half-configured'], impl: workloadIdentity },
  { rules: ['secret-holds-dead-key'], impl: deadKeys },
  { rules: ['key-too-old'], impl: keyAge },
  { rules: ['key-unused'], impl: keyUnused },
  { rules: ['unused-secret'], impl: unusedSecrets },
  { rules: ['unused-service-account'], impl: unusedServiceAccounts },
  { rules: ['unused-config-map'], impl: unusedConfigMaps },
  { rules: ['unused-data-key'], impl: unusedDataKeys },
  { rules: ['producer-failed'], impl: producerFailed },
  { rules: ['pod-env-stale'], impl: podEnvStale },
  { rules: ['renamed-secret'], impl: renamedSecrets },
  { rules: ['tls-expiring'], impl: tlsExpiring },
  { rules: ['tls-reissue-rate'], impl: tlsReissue },
  { rules: ['tls-host-mismatch'], impl: tlsHostMismatch },
  { rules: ['certificate-not-ready'], impl: certificateNotReady },
  { rules: ['chart-image-mismatch'], impl: chartImageMismatch },
  { rules: ['workload-reads-all-secrets'], impl: workloadReadsAllSecrets },
];

/** Filter for lists of findings (API, CLI, page). `severity` is a minimum. */
export interface FindingFilter {
  severity?: Severity;
  rule?: string;
  realm?: string;
  namespace?: string;
  /** API kind of the primary object (`Secret`, `Deployment`…). */
  kind?: string;
  /** Only findings involving this node id. */
  node?: string;
}

/** Applies a filter (pure). */
export function filterFindings(list: Finding[], f: FindingFilter): Finding[] {
  return list.filter((x) =>
    (!f.severity || atLeast(x.severity, f.severity)) &&
    (!f.rule || x.rule === f.rule) &&
    (!f.realm || x.realm === f.realm) &&
    (!f.namespace || x.namespace === f.namespace) &&
    (!f.kind || x.objects.some((o) => kindOf(o) === f.kind)) &&
    (!f.node || x.objects.includes(f.node)));
}
