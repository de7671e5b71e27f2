/**
 * The JSON API's request and response shapes (zod), version 1. Route handlers (app/api/v1/…) validate every query
 * with these; the OpenAPI document (lib/api/openapi.ts) is generated from the same schemas with `z.toJSONSchema`,
 * so the two cannot drift. Responses never contain a secret value (the store holds none): nodes carry key names and
 * HMAC fingerprints only.
 */
import { z } from 'zod';
import { idForms, parseId } from '../graph/ids';
import { EDGE_KIND_KEYS, PROVIDER_KEYS } from '../graph/model';
import { IMPACT_ACTIONS } from '../analysis/impact';
import { ROTATION_PLANS } from '../analysis/rotation';
import { RULE_IDS } from '../analysis/findings';
import { SEVERITIES } from '../analysis/severity';
import { parseTimeSpec } from '../time';

/** A node id (docs/ARCHITECTURE.md "Identifiers"), checked with lib/graph/ids.ts parseId. */
export const NodeId = z
  .string()
  .min(1)
  .max(1024)
  .refine((s) => parseId(s) !== null, { message: `not a keygraph id (${idForms().join(', ')})` })
  .meta({ description: 'Node id, e.g. `k8s:prod/payments/Secret/stripe-key`. URL-encode it in paths and queries.', examples: ['k8s:demo/ota/Secret/targets-backup-key'] });

/** Control characters (U+0000–U+001F, U+007F): refused in every free-text field (PostgreSQL cannot store NUL). */
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * A free-text query field (search term, kind, realm, namespace…) of at most `max` characters: any text except
 * control characters, which no name holds and which PostgreSQL refuses (NUL is error 22021). Used by every
 * free-text field of the API and, through {@link freeTextIssues}, by the pages.
 */
export function freeText(max: number) {
  return z.string().max(max).refine((s) => !CONTROL_CHARACTERS.test(s), { message: 'must not contain control characters (U+0000–U+001F, U+007F)' });
}

/**
 * The issues of free-text values read from a page's URL (`{q: …, kind: …}`; undefined values are skipped), checked
 * with {@link freeText}: `[{path, message}]`, empty when all are valid. Pages show them inline instead of querying.
 */
export function freeTextIssues(values: Record<string, string | undefined>, max = 1024): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  for (const [path, v] of Object.entries(values)) {
    if (v === undefined) continue;
    const r = freeText(max).safeParse(v);
    if (!r.success) out.push(...r.error.issues.map((i) => ({ path, message: i.message })));
  }
  return out;
}

/**
 * `asOf`: a time spec, checked here for its form only (lib/time.ts, strict; no transform: `new Date` is lenient).
 * Handlers resolve it with lib/store/history.ts resolveTime (`run:N` needs the database; the future is refused).
 */
export const AsOf = z
  .string()
  .max(64)
  .superRefine((s, ctx) => {
    try {
      parseTimeSpec(s);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
  })
  .meta({
    description:
      'Read the graph as of this time: ISO 8601 (`2026-11-20`, `2026-11-20T10:00:00Z`, with an offset; UTC when none), `run:N` ' +
      '(when run N committed), a time ago (`30m`, `24h`, `7d`, `2w`), `now`, `today` or `yesterday` (00:00 UTC). Years 1970..9999; ' +
      'not in the future. Default: now. Before the first committed run the answer is `NoData` (`noData: true`).',
    examples: ['run:1', '2026-11-20T10:00:00Z', '24h'],
  });

const Flag = z.enum(['1', '0', 'true', 'false']).transform((v) => v === '1' || v === 'true');

export const NodeQuery = z.object({ id: NodeId, asOf: AsOf.optional() });
export const SearchQuery = z.object({
  q: freeText(300).default('').meta({ description: 'Exact id, or a substring of the name or namespace/name.' }),
  kind: freeText(64).optional().meta({ description: 'API kind (`Secret`, `Deployment`…).' }),
  provider: z.enum(PROVIDER_KEYS).optional().meta({ description: 'Provider of the nodes (lib/graph/model.ts PROVIDERS).' }),
  realm: freeText(320).optional().meta({ description: 'Cluster name or GCP project id.' }),
  namespace: freeText(320).optional(),
  missing: Flag.optional().meta({ description: 'Only missing (referenced but not observed) nodes.' }),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
  asOf: AsOf.optional(),
});
export const ImpactQuery = z.object({
  id: NodeId,
  action: z.enum(IMPACT_ACTIONS).default('delete'),
  asOf: AsOf.optional(),
});
export const FindingsQuery = z.object({
  severity: z.enum(SEVERITIES).optional().meta({ description: 'Minimum severity.' }),
  rule: z.enum(RULE_IDS).optional(),
  kind: freeText(64).optional().meta({ description: 'Only findings involving a node of this API kind.' }),
  realm: freeText(320).optional().meta({ description: 'Cluster name or GCP project id of the primary object.' }),
  namespace: freeText(320).optional(),
  node: NodeId.optional().meta({ description: 'Only findings involving this node.' }),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
  offset: z.coerce.number().int().min(0).default(0),
  asOf: AsOf.optional(),
});

/** Most objects one pre-deploy check may send (a large cluster's manifests are a few thousand). */
export const MAX_MANIFEST_OBJECTS = 50_000;

/**
 * Body of `POST /api/v1/check/manifests`: manifests the CLI read and mapped itself (`keygraph check --manifests DIR
 * --server URL`; lib/analysis/manifests.ts MappedManifests): node and edge records of cluster `cluster` with their
 * references and data key names, never a value (the CLI drops fingerprints; the server drops any it is sent).
 */
export const ManifestCheckBody = z.object({
  cluster: freeText(253).min(1),
  asOf: AsOf.optional(),
  provider: z.enum(PROVIDER_KEYS),
  nodes: z.array(z.object({
    id: NodeId,
    provider: z.enum(PROVIDER_KEYS),
    kind: freeText(128).min(1),
    realm: freeText(253),
    namespace: freeText(253).nullable(),
    name: freeText(1024),
    properties: z.record(z.string(), z.unknown()),
  })).max(MAX_MANIFEST_OBJECTS),
  edges: z.array(z.object({
    kind: z.enum(EDGE_KIND_KEYS),
    from: NodeId,
    to: NodeId,
    originKind: z.string().max(160).optional(),
    properties: z.record(z.string(), z.unknown()),
  })).max(MAX_MANIFEST_OBJECTS * 8),
  where: z.record(z.string(), z.string().max(2048)).default({}),
  documents: z.number().int().min(0),
  errors: z.array(z.string().max(2048)).max(1000).default([]),
  coveredKinds: z.array(z.string().max(160)).max(1000),
  coveredInNamespaces: z.record(z.string(), z.array(z.string().max(253)).max(10_000)).optional(),
}).superRefine((b, ctx) => {
  // Only objects of the cluster being checked: the overlay never stands in for another cluster's inventory.
  const i = b.nodes.findIndex((n) => n.realm !== b.cluster || parseId(n.id)?.realm !== b.cluster);
  if (i >= 0) ctx.addIssue({ code: 'custom', path: ['nodes', i, 'realm'], message: `every object must belong to cluster ${b.cluster}` });
}).meta({ id: 'ManifestCheckRequest' });

// ---------------------------------------------------------------- responses

export const NodeSummarySchema = z.object({
  id: z.string(),
  provider: z.string(),
  kind: z.string(),
  realm: z.string(),
  namespace: z.string().nullable(),
  name: z.string(),
  missing: z.boolean().meta({ description: 'Referenced but not observed by any source.' }),
}).meta({ id: 'NodeSummary' });

export const NodeViewSchema = NodeSummarySchema.extend({
  properties: z.record(z.string(), z.unknown()).meta({ description: 'Observed properties (key names, fingerprints, phases…; never values).' }),
  assertions: z.array(z.object({ source: z.string(), scope: z.string(), missing: z.boolean(), validFrom: z.string(), runFrom: z.number() })),
}).meta({ id: 'NodeView' });

export const EdgeSchema = z.object({
  kind: z.string(),
  from: z.string(),
  to: z.string(),
  properties: z.record(z.string(), z.unknown()).meta({ description: 'via, container, envVar, volume, keys, optional…' }),
  node: NodeSummarySchema.meta({ description: 'The node at the other end.' }),
}).meta({ id: 'Edge' });

/** lib/analysis/access.ts SecretGrant: one subject's read access to Secrets through one binding. */
export const SecretGrantSchema = z.object({
  subject: z.object({ kind: z.enum(['User', 'Group', 'ServiceAccount']), name: z.string(), namespace: z.string().optional(), id: z.string().optional() }),
  verbs: z.array(z.enum(['get', 'list', 'watch'])),
  scope: z.enum(['cluster', 'namespace']).meta({ description: '`cluster`: a ClusterRoleBinding (every namespace); `namespace`: a RoleBinding (its namespace).' }),
  namespace: z.string().optional(),
  resourceNames: z.array(z.string()).optional().meta({ description: 'Only these Secrets (the rule\'s resourceNames); absent: every Secret in scope.' }),
  binding: z.string().meta({ description: 'RoleBinding / ClusterRoleBinding id.' }),
  role: z.string().meta({ description: 'Role / ClusterRole id the binding names.' }),
  aggregatedFrom: z.string().optional().meta({ description: 'ClusterRole whose rule reached `role` through aggregationRule.' }),
}).meta({ id: 'SecretGrant' });

/** Who can read a Secret through RBAC (node responses of Secrets). */
export const SecretAccessSchema = z.object({
  secret: z.string(),
  readers: z.array(SecretGrantSchema),
  rbacObjects: z.number().int().meta({ description: 'Roles, ClusterRoles and bindings stored for the cluster; 0: RBAC not collected, access unknown.' }),
}).meta({ id: 'SecretAccess' });

/** lib/analysis/gcp-access.ts GcpGrant: one policy member's access through one IAM binding. */
export const GcpGrantSchema = z.object({
  member: z.string().meta({ description: 'The member as written in the policy (`user:…`, `serviceAccount:…`, `principal://…`).' }),
  principal: z.object({
    type: z.enum(['user', 'group', 'serviceAccount', 'domain', 'allUsers', 'allAuthenticatedUsers', 'deleted', 'kubernetesServiceAccount', 'kubernetesNamespace', 'principal', 'principalSet', 'projectRole', 'unknown']),
    name: z.string(),
    id: z.string().optional().meta({ description: 'GCP service account node id, when it is in the graph.' }),
    kubernetes: z.object({
      pool: z.string(), namespace: z.string(), name: z.string().optional(),
      serviceAccounts: z.array(z.string()).meta({ description: 'Kubernetes ServiceAccount ids this Workload Identity principal resolves to (any cluster).' }),
      workloads: z.array(z.string()).meta({ description: 'Workloads and pods running as them.' }),
    }).optional(),
  }),
  permissions: z.array(z.string()).meta({ description: 'Permissions of interest the role grants on the target; [] for an unknown role.' }),
  role: z.string(),
  roleKnown: z.boolean().meta({ description: 'False: "unknown role (permissions not known)".' }),
  customRole: z.literal(true).optional(),
  policy: z.enum(['resource', 'project']),
  policyResource: z.string().meta({ description: '`projects/P/serviceAccounts/E`, `projects/P/secrets/S` or `projects/P`.' }),
  policyNode: z.string(),
  condition: z.object({ title: z.string().optional(), expression: z.string().optional() }).optional().meta({ description: 'IAM condition: the grant is conditional.' }),
  direct: z.literal(true).optional().meta({ description: 'Granted directly to a Kubernetes ServiceAccount (no GCP service account).' }),
}).meta({ id: 'GcpGrant' });

/** Who can act as a GCP service account / read a Secret Manager secret (node responses of those kinds). */
export const GcpAccessSchema = z.object({
  provider: z.literal('gcp'),
  target: z.string(),
  about: z.enum(['serviceAccount', 'secret']),
  grants: z.array(GcpGrantSchema),
  policies: z.array(z.object({
    policy: z.enum(['resource', 'project']), resource: z.string(), node: z.string(),
    known: z.boolean().meta({ description: 'False: not collected (or `error`): its grants are unknown.' }), error: z.string().optional(),
  })),
}).meta({ id: 'GcpAccess' });

export const NodeResponse = z.object({
  node: NodeViewSchema, uses: z.array(EdgeSchema), usedBy: z.array(EdgeSchema),
  access: z.union([SecretAccessSchema, GcpAccessSchema]).optional().meta({
    description: 'Kubernetes Secrets: who can read it (get/list/watch) through RBAC (SecretAccess). GCP service accounts and Secret Manager secrets / versions: IAM grants from the resource and project policies (GcpAccess).',
  }),
}).meta({ id: 'NodeResponse' });
export const SearchResponse = z
  .object({
    total: z.number().int().describe('Matching nodes counted; a lower bound when `capped`'),
    capped: z.boolean().describe('More than 1,000 versions matched: only the first matches found (and an exact id) were ranked; narrow the term'),
    nodes: z.array(NodeSummarySchema),
  })
  .meta({ id: 'SearchResponse' });

const SourceStateSchema = z.object({
  source: z.string(), scope: z.string(), runId: z.number().nullable(), status: z.string().nullable(),
  committedAt: z.string().nullable(), ageHours: z.number().nullable(), incompleteKinds: z.array(z.string()), ok: z.boolean(),
  reason: z.string().optional(),
}).meta({ id: 'SourceState' });

export const ImpactResponse = z.object({
  target: NodeSummarySchema,
  targetMissing: z.boolean(),
  producedBy: z.array(z.string()).meta({ description: 'Observed producers (Certificate, ExternalSecret, SealedSecret) that write the target.' }),
  targetPending: z.boolean().meta({ description: 'The target does not exist yet, but a producer will create it.' }),
  action: z.enum(IMPACT_ACTIONS),
  verdict: z.enum(['safe', 'breaks', 'unknown']).meta({ description: 'breaks (exit 2): a dependant breaks, even when the data is incomplete (`reasons` say why the list may be incomplete); unknown (3): nothing breaks but a relevant source is partial or stale, or an object keygraph does not model mentions the target; safe (0) otherwise.' }),
  reasons: z.array(z.string()),
  notes: z.array(z.string()),
  affected: z.array(z.object({
    node: NodeSummarySchema,
    depth: z.number().int(),
    path: z.array(z.object({
      kind: z.string(), from: z.string(), to: z.string(), node: z.string(),
      references: z.array(z.record(z.string(), z.unknown())), optional: z.boolean(),
    })),
    optional: z.boolean(),
    mentioned: z.boolean().meta({ description: 'Only named in a field keygraph does not model (MENTIONS): may need it.' }),
    phase: z.string().optional(),
    runningPods: z.number().int(),
    controller: z.string().optional().meta({ description: 'The top of its owners (ownerReferences) among the affected: the Deployment of a Pod\'s ReplicaSet, the CronJob of a Job.' }),
    role: z.enum(['breaks', 'optional', 'mentioned', 'update', 'restart', 'reload']),
    rotation: z.object({
      plan: z.enum(ROTATION_PLANS),
      reason: z.string(),
      by: z.string().optional().meta({ description: 'What restarts it: the Reloader-annotated workload, or the Vault Secrets Operator resource naming it in rolloutRestartTargets.' }),
      schedule: z.string().optional().meta({ description: 'CronJob spec.schedule (plan next-run).' }),
      timeZone: z.string().optional().meta({ description: 'CronJob spec.timeZone (plan next-run); absent: UTC.' }),
      suspend: z.boolean().optional().meta({ description: 'CronJob spec.suspend (plan next-run).' }),
    }).optional().meta({ description: 'action=rotate: what this dependant must do to see the new value (env, envFrom and subPath mounts need a restart; plain volume mounts pick it up live; Reloader and rolloutRestartTargets restart automatically; CronJobs at their next run).' }),
  })),
  breaking: z.array(z.string()),
  plan: z.object({
    action: z.enum(IMPACT_ACTIONS),
    steps: z.array(z.object({
      kind: z.enum(['prepare', 'update', 'repoint', 'restart', 'next-run', 'live', 'automatic', 'check', 'act', 'retire']),
      by: z.enum(['you', 'automatic']),
      text: z.string(),
      node: z.string().optional().meta({ description: 'The object the step acts on: an owner (Deployment, CronJob…), a Secret, the target.' }),
      covers: z.array(z.string()).meta({ description: 'Affected objects the step takes care of (the owner\'s ReplicaSets and Pods, what depends through it).' }),
      runningPods: z.number().int(),
      command: z.string().optional(),
      at: z.string().optional().meta({ description: 'next-run: the CronJob\'s next scheduled run (ISO 8601, UTC).' }),
    })),
    finishedPods: z.number().int().meta({ description: 'Succeeded/Failed Pods among the affected: never restarted.' }),
  }).meta({ id: 'ImpactPlan', description: 'What to do, in order, to take the action without an outage, one step per object a person acts on.' }),
  truncated: z.boolean(),
  sources: z.array(SourceStateSchema),
  asOf: z.string(),
  freshnessHours: z.number(),
}).meta({ id: 'ImpactResponse' });

export const FindingSchema = z.object({
  id: z.string().meta({ description: 'Stable: the same problem keeps its id across runs.' }),
  rule: z.enum(RULE_IDS),
  severity: z.enum(SEVERITIES),
  title: z.string(),
  objects: z.array(z.string()).meta({ description: 'Node ids, primary object first.' }),
  provider: z.string(),
  realm: z.string(),
  namespace: z.string().nullable(),
  evidence: z.record(z.string(), z.unknown()),
  fix: z.string(),
}).meta({ id: 'Finding' });

export const FindingsResponse = z.object({
  asOf: z.string(),
  total: z.number().int(),
  findings: z.array(FindingSchema),
}).meta({ id: 'FindingsResponse' });

/**
 * The answer for a time keygraph has no data for (before the first committed run, or nothing collected yet): no
 * node, list or verdict that could be read as an all-clear.
 */
/** lib/analysis/manifests.ts ManifestCheckResult: the pre-deploy gate's answer. */
export const ManifestCheckResponse = z.object({
  findings: z.array(FindingSchema).meta({ description: 'Reference findings that involve the manifests\' objects (evidence.source `manifests`, evidence.file).' }),
  documents: z.number().int(),
  objects: z.number().int(),
  errors: z.array(z.string()).meta({ description: 'Documents the client could not read (file:line: message).' }),
  inventory: z.boolean().meta({ description: 'False: the cluster was never collected; references were checked against the manifests only.' }),
}).meta({ id: 'ManifestCheckResponse' });

export const NoDataResponse = z.object({
  noData: z.literal(true).meta({ description: 'No data at that time: nothing can be said about it (this is not an all-clear).' }),
  asOf: z.string().meta({ description: 'The time asked about (ISO 8601).' }),
  dataBegins: z.string().nullable().meta({ description: 'When the first run committed (ISO 8601); null when nothing was ever collected.' }),
  message: z.string(),
}).meta({ id: 'NoData' });

/** {@link NoDataResponse} of `/impact`: the verdict is `unknown` (exit 3 in the CLI), never `safe`. */
export const ImpactNoDataResponse = NoDataResponse.extend({
  verdict: z.literal('unknown'),
}).meta({ id: 'ImpactNoData' });

export const ErrorResponse = z.object({
  error: z.object({
    code: z.enum(['invalid_request', 'not_found', 'unavailable', 'internal']),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
}).meta({ id: 'Error' });
