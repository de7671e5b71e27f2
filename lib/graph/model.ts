/**
 * The keygraph graph model, declared once.
 *
 * Every node kind and edge kind that collectors may emit, the store may hold and the UI may draw is listed here,
 * with its label, plural, inverse wording, dependency direction (for impact) and UI style. Collectors, the store,
 * the web UI and exports all read this module; nothing else declares kinds.
 *
 * Node kinds are keyed `PROVIDER:KIND` (`k8s:Secret`, `gcp:ServiceAccount`) because the API kind alone is
 * ambiguous (Kubernetes and GCP both have a `ServiceAccount`). KIND is always the source API's own kind name.
 */

/** What the model and every layer need to know about a provider (a source's id space; collectors/types.ts Source
 * registers the collector of each). */
export interface ProviderSpec {
  /** Human name (`Kubernetes`). */
  label: string;
  /** What one realm (the id segment after `PROVIDER:`) is called: `cluster`, `project`. */
  realmNoun: string;
  /** True when ids may carry a namespace (`k8s:CLUSTER/NAMESPACE/KIND/NAME` and `k8s:CLUSTER/KIND/NAME`); false:
   * always `PROVIDER:REALM/KIND/NAME`. */
  namespaced: boolean;
}

/**
 * Every provider, declared once: ids start with `PROVIDER:`, node kinds are keyed `PROVIDER:KIND`, runs record the
 * provider of their scope (`runs.provider`). parseId, the API's provider enum, the UI's labels and the search page
 * read this table. A new source adds its provider here and its kinds to {@link NODE_KINDS}.
 */
export const PROVIDERS = {
  k8s: { label: 'Kubernetes', realmNoun: 'cluster', namespaced: true },
  gcp: { label: 'GCP', realmNoun: 'project', namespaced: false },
} as const satisfies Record<string, ProviderSpec>;

/** Where a node comes from: a key of {@link PROVIDERS} (a Kubernetes cluster, a GCP project). */
export type Provider = keyof typeof PROVIDERS;
export const PROVIDER_KEYS = Object.keys(PROVIDERS) as [Provider, ...Provider[]];

/** True for a declared provider (own keys only). */
export function isProvider(p: unknown): p is Provider {
  return typeof p === 'string' && Object.prototype.hasOwnProperty.call(PROVIDERS, p);
}

/** The provider a node id starts with (`k8s:…` → `k8s`), or null for anything else. */
export function providerOfId(id: string): Provider | null {
  const i = typeof id === 'string' ? id.indexOf(':') : -1;
  const p = i > 0 ? id.slice(0, i) : '';
  return isProvider(p) ? p : null;
}

/** What a user may ask impact about (lib/analysis/impact.ts answers each). */
export const IMPACT_ACTIONS = ['delete', 'disable', 'rotate', 'rename'] as const;
export type ImpactActionName = (typeof IMPACT_ACTIONS)[number];

/** Broad family of a node kind, used for grouping and colour in the UI. */
export type NodeCategory = 'secret' | 'config' | 'identity' | 'workload' | 'pod' | 'network' | 'producer' | 'key' | 'access' | 'other';

export interface NodeKindSpec {
  provider: Provider;
  /** API kind, e.g. `Secret`, `Deployment`, `ServiceAccountKey`. */
  kind: string;
  /** Human label, singular. */
  label: string;
  plural: string;
  /** True when identified within a namespace (Kubernetes namespaced objects). */
  namespaced: boolean;
  category: NodeCategory;
  /** True for kinds whose pod template the Kubernetes mapper reads (`spec.template.spec`, CronJob's job template):
   * they run pods, take part in OWNS chains and are "workloads" for findings and impact. */
  workload?: true;
  /** Workload kinds whose controllers create objects of this workload kind and own them (`metadata.ownerReferences`:
   * a Deployment's ReplicaSets, a CronJob's Jobs, a DeploymentConfig's ReplicationControllers). Absent: a top-level
   * workload, the one a user edits (UIs list those first). */
  ownerKinds?: readonly string[];
  /** True for kinds keygraph does not model: the neutral fallback of {@link nodeKindSpec}. */
  generic?: true;
  /** Where the source's API serves the kind (Kubernetes: `/api/v1/RESOURCE` for group `''`, else
   * `/apis/GROUP/VERSION/RESOURCE`). Kinds without `api` are not listed by a live collector. */
  api?: KindApi;
  /** Impact actions worth offering for this kind, the default first (node page, `keygraph impact --action`). Absent:
   * {@link DEFAULT_IMPACT_ACTIONS} of its provider. */
  impactActions?: readonly ImpactActionName[];
  /** UI style: fill colour (hex) and cytoscape shape. */
  color: string;
  shape: 'ellipse' | 'round-rectangle' | 'diamond' | 'hexagon' | 'tag' | 'barrel' | 'octagon' | 'rhomboid';
}

/** The API facts of a kind (see {@link NodeKindSpec.api}). */
export interface KindApi {
  /** API group, `''` for core. */
  group: string;
  /** Versions a live collector tries in order (the next one when a version answers 404). */
  versions: readonly string[];
  /** Plural resource name in the path. */
  resource: string;
  /** Older groups whose documents are read as this kind too (`extensions` Deployments in old manifests). */
  legacyGroups?: readonly string[];
  /** A custom resource or an API not every cluster serves (OpenShift): a 404 for every version is "not installed"
   * (complete, 0 objects), not a failure. */
  optional?: true;
}

const api = (group: string, resource: string, versions: readonly string[] = ['v1'], more: Partial<KindApi> = {}): KindApi => ({ group, versions, resource, ...more });

const k8s = (
  kind: string,
  plural: string,
  category: NodeCategory,
  color: string,
  shape: NodeKindSpec['shape'],
  kindApi?: KindApi,
): NodeKindSpec => ({ provider: 'k8s', kind, label: kind, plural, namespaced: true, category, color, shape, ...(kindApi && { api: kindApi }) });
/** A Kubernetes kind with a pod template (see {@link NodeKindSpec.workload}). */
const workload = (kind: string, plural: string, color: string, kindApi: KindApi, ownerKinds?: readonly string[]): NodeKindSpec => ({
  ...k8s(kind, plural, 'workload', color, 'round-rectangle', kindApi), workload: true, ...(ownerKinds && { ownerKinds }),
});

/** Every node kind keyed `PROVIDER:KIND`. */
export const NODE_KINDS = {
  // Metadata-only lists answer PartialObjectMetadata of group meta.k8s.io.
  'k8s:Secret': { ...k8s('Secret', 'Secrets', 'secret', '#e8590c', 'diamond', api('', 'secrets', ['v1'], { legacyGroups: ['meta.k8s.io'] })), impactActions: ['delete', 'rename', 'rotate'] },
  /** core/v1 ConfigMap: data key names (`data` and `binaryData`), per-key HMAC fingerprints and size; never values. */
  'k8s:ConfigMap': { ...k8s('ConfigMap', 'ConfigMaps', 'config', '#fab005', 'diamond', api('', 'configmaps')), impactActions: ['delete', 'rename'] },
  'k8s:ServiceAccount': k8s('ServiceAccount', 'ServiceAccounts', 'identity', '#7048e8', 'hexagon', api('', 'serviceaccounts')),
  'k8s:Deployment': workload('Deployment', 'Deployments', '#1c7ed6', api('apps', 'deployments', ['v1'], { legacyGroups: ['extensions'] })),
  'k8s:StatefulSet': workload('StatefulSet', 'StatefulSets', '#1c7ed6', api('apps', 'statefulsets')),
  'k8s:DaemonSet': workload('DaemonSet', 'DaemonSets', '#1c7ed6', api('apps', 'daemonsets', ['v1'], { legacyGroups: ['extensions'] })),
  'k8s:ReplicaSet': workload('ReplicaSet', 'ReplicaSets', '#4dabf7', api('apps', 'replicasets', ['v1'], { legacyGroups: ['extensions'] }), ['Deployment']),
  'k8s:Job': workload('Job', 'Jobs', '#1098ad', api('batch', 'jobs'), ['CronJob']),
  'k8s:CronJob': workload('CronJob', 'CronJobs', '#1098ad', api('batch', 'cronjobs')),
  /** core/v1 ReplicationController (`spec.template`), the predecessor of ReplicaSet. */
  'k8s:ReplicationController': workload('ReplicationController', 'ReplicationControllers', '#4dabf7', api('', 'replicationcontrollers'), ['DeploymentConfig']),
  /** OpenShift apps.openshift.io/v1 DeploymentConfig (`spec.template`); it owns ReplicationControllers. */
  // OpenShift 3 templates write DeploymentConfig with the legacy `apiVersion: v1`; other clusters do not serve the group.
  'k8s:DeploymentConfig': workload('DeploymentConfig', 'DeploymentConfigs', '#1c7ed6', api('apps.openshift.io', 'deploymentconfigs', ['v1'], { legacyGroups: [''], optional: true })),
  'k8s:Pod': k8s('Pod', 'Pods', 'pod', '#74c0fc', 'ellipse', api('', 'pods')),
  'k8s:Ingress': k8s('Ingress', 'Ingresses', 'network', '#37b24d', 'tag', api('networking.k8s.io', 'ingresses', ['v1'], { legacyGroups: ['extensions'] })),
  'k8s:Certificate': k8s('Certificate', 'Certificates', 'producer', '#f08c00', 'barrel', api('cert-manager.io', 'certificates', ['v1'], { legacyGroups: ['certmanager.k8s.io'], optional: true })),
  'k8s:ExternalSecret': k8s('ExternalSecret', 'ExternalSecrets', 'producer', '#f08c00', 'barrel', api('external-secrets.io', 'externalsecrets', ['v1', 'v1beta1'], { optional: true })),
  'k8s:SealedSecret': k8s('SealedSecret', 'SealedSecrets', 'producer', '#f08c00', 'barrel', api('bitnami.com', 'sealedsecrets', ['v1alpha1'], { optional: true })),
  /** rbac.authorization.k8s.io/v1 Role: `rules` kept as properties; `resourceNames` on secrets/serviceaccounts → MENTIONS. */
  'k8s:Role': k8s('Role', 'Roles', 'access', '#5c940d', 'tag', api('rbac.authorization.k8s.io', 'roles')),
  /** Cluster-scoped (`k8s:CLUSTER/ClusterRole/NAME`); its `resourceNames` mention every Secret / ServiceAccount of that name. */
  'k8s:ClusterRole': { ...k8s('ClusterRole', 'ClusterRoles', 'access', '#5c940d', 'tag', api('rbac.authorization.k8s.io', 'clusterroles')), namespaced: false },
  /** rbac.authorization.k8s.io/v1 RoleBinding: `roleRef` (a Role of its namespace or a ClusterRole) → BINDS;
   * `subjects` kept as property `subjects` (User, Group, ServiceAccount); ServiceAccount subjects → BINDS_SUBJECT. */
  'k8s:RoleBinding': k8s('RoleBinding', 'RoleBindings', 'access', '#66a80f', 'tag', api('rbac.authorization.k8s.io', 'rolebindings')),
  /** Cluster-scoped (`k8s:CLUSTER/ClusterRoleBinding/NAME`): `roleRef` a ClusterRole → BINDS; subjects as RoleBinding. */
  'k8s:ClusterRoleBinding': { ...k8s('ClusterRoleBinding', 'ClusterRoleBindings', 'access', '#66a80f', 'tag', api('rbac.authorization.k8s.io', 'clusterrolebindings')), namespaced: false },
  'gcp:ServiceAccount': {
    provider: 'gcp', kind: 'ServiceAccount', label: 'GCP service account', plural: 'GCP service accounts',
    namespaced: false, category: 'identity', color: '#ae3ec9', shape: 'octagon',
  },
  'gcp:ServiceAccountKey': {
    provider: 'gcp', kind: 'ServiceAccountKey', label: 'Service account key', plural: 'Service account keys',
    namespaced: false, category: 'key', color: '#c2255c', shape: 'rhomboid', impactActions: ['delete', 'disable', 'rotate'],
  },
  /** A GCP project as an IAM resource (collectors/gcp-iam/): id `gcp:PROJECT/Project/PROJECT`; properties `iamBindings`
   * (the project IAM policy: `[{role, members, condition?}]`, absent when not read), `iamPolicyError`, `customRoles`
   * (custom roles of `roles.list`, with the access permissions lib/analysis/gcp-roles.ts reads), `projectNumber`. */
  'gcp:Project': {
    provider: 'gcp', kind: 'Project', label: 'GCP project', plural: 'GCP projects',
    namespaced: false, category: 'access', color: '#5c7cfa', shape: 'round-rectangle',
  },
  // ---- GCP Secret Manager (collectors/secret-manager/). Ids: `gcp:PROJECT/Secret/SECRET_ID` and
  // `gcp:PROJECT/SecretVersion/SECRET_ID@VERSION` (secret ids are [A-Za-z0-9_-], versions numbers: no `/`).
  /** secretmanager.googleapis.com/v1 Secret: replication, labels, annotation keys, expiry, rotation, IAM policy; never payloads. */
  'gcp:Secret': {
    provider: 'gcp', kind: 'Secret', label: 'Secret Manager secret', plural: 'Secret Manager secrets',
    namespaced: false, category: 'secret', color: '#d9480f', shape: 'diamond', impactActions: ['delete'],
    api: { group: 'secretmanager.googleapis.com', versions: ['v1'], resource: 'secrets' },
  },
  /** A version of a Secret Manager secret: state ENABLED / DISABLED / DESTROYED, createTime, destroyTime. */
  'gcp:SecretVersion': {
    provider: 'gcp', kind: 'SecretVersion', label: 'Secret Manager secret version', plural: 'Secret Manager secret versions',
    namespaced: false, category: 'key', color: '#e8590c', shape: 'rhomboid', impactActions: ['disable', 'delete'],
    api: { group: 'secretmanager.googleapis.com', versions: ['v1'], resource: 'versions' },
  },
} as const satisfies Record<string, NodeKindSpec>;

export type NodeKindKey = keyof typeof NODE_KINDS;
export const NODE_KIND_KEYS = Object.keys(NODE_KINDS) as NodeKindKey[];

/** Kind keys of `provider`'s declared kinds, in declaration order. */
export function kindKeysOf(provider: Provider): NodeKindKey[] {
  return NODE_KIND_KEYS.filter((k) => NODE_KINDS[k].provider === provider);
}

/** Kind keys of the kinds flagged `workload: true` (they hold a pod template), in declaration order. */
export const WORKLOAD_KIND_KEYS: NodeKindKey[] = NODE_KIND_KEYS.filter((k) => (NODE_KINDS[k] as NodeKindSpec).workload === true);
/** Workload kinds and Pods: what runs containers, and what a controller's row folds in (a Deployment's ReplicaSets and Pods). */
export const RUNNER_KIND_KEYS: NodeKindKey[] = [...WORKLOAD_KIND_KEYS, 'k8s:Pod'];
/** What controllers create and replace on every rollout or schedule (ReplicaSets, Jobs, Pods…): the churn a list of
 * changes folds into counts. */
export const CONTROLLER_CREATED_KIND_KEYS: NodeKindKey[] = [...WORKLOAD_KIND_KEYS.filter((k) => (NODE_KINDS[k] as NodeKindSpec).ownerKinds), 'k8s:Pod'];

/** Impact actions of a kind that declares none (see {@link NodeKindSpec.impactActions}): Kubernetes objects are
 * deleted or renamed, GCP objects deleted or disabled. */
export const DEFAULT_IMPACT_ACTIONS: Record<Provider, readonly ImpactActionName[]> = {
  k8s: ['delete', 'rename'],
  gcp: ['delete', 'disable'],
};

/** Impact actions worth offering for a node of `provider`/`kind`, the default first (kinds the model does not
 * declare: their provider's defaults; unknown providers: delete only). */
export function impactActionsFor(provider: string, kind: string): readonly ImpactActionName[] {
  const spec = nodeKindSpec(provider, kind);
  if (!spec.generic && spec.impactActions) return spec.impactActions;
  return isProvider(provider) ? DEFAULT_IMPACT_ACTIONS[provider] : ['delete'];
}

/**
 * Workload kind keys in the order a list of consumers shows them: top-level workloads (no {@link
 * NodeKindSpec.ownerKinds}: what a user edits) before the ones their controllers create, each in declaration order.
 */
export const WORKLOAD_DISPLAY_ORDER: NodeKindKey[] = [
  ...WORKLOAD_KIND_KEYS.filter((k) => !(NODE_KINDS[k] as NodeKindSpec).ownerKinds),
  ...WORKLOAD_KIND_KEYS.filter((k) => (NODE_KINDS[k] as NodeKindSpec).ownerKinds),
];

/** Colour of nodes of kinds the model does not declare. */
const GENERIC_COLOR = '#868e96';

/**
 * The spec of any node kind, total: the declared spec for kinds in {@link NODE_KINDS}, else a neutral fallback
 * (`category: 'other'`, grey, `generic: true`, label and plural the raw kind). Kubernetes objects of kinds keygraph
 * does not model are still stored when they mention a Secret or ServiceAccount (`k8s:SecretStore`, `k8s:Prometheus`…),
 * and a newer collector may write kinds an older UI does not know: never index NODE_KINDS with a stored kind.
 * `namespaced` of the fallback is a guess (true unless `namespaced` is given): read the node's own `namespace`.
 */
export function nodeKindSpec(provider: string, kind: string, namespaced = true): NodeKindSpec {
  const key = `${provider}:${kind}`;
  if (Object.prototype.hasOwnProperty.call(NODE_KINDS, key)) return NODE_KINDS[key as NodeKindKey];
  return {
    provider: isProvider(provider) ? provider : 'k8s', kind, label: kind, plural: kind, namespaced, category: 'other',
    color: GENERIC_COLOR, shape: 'round-rectangle', generic: true,
  };
}

/** Which endpoint of an edge depends on the other: deleting the depended-on end breaks the dependent end. */
export type DependentEnd = 'from' | 'to';

export interface EdgeKindSpec {
  /** Wording from the `from` node: "Deployment *uses secret* Secret". */
  forward: string;
  /** Wording from the `to` node: "Secret *is used by* Deployment". */
  inverse: string;
  /** Heading for the list of outbound edges of this kind on a node page. */
  outHeading: string;
  /** Heading for the list of inbound edges of this kind on a node page. */
  inHeading: string;
  /** Which end depends on the other (impact traverses towards dependents). */
  dependent: DependentEnd;
  description: string;
  /** UI style: line colour and style. */
  color: string;
  lineStyle: 'solid' | 'dashed' | 'dotted';
}

/** Every edge kind. Direction (`from` → `to`) as docs/ARCHITECTURE.md "The graph" gives it. */
export const EDGE_KINDS = {
  USES_SECRET: {
    forward: 'uses secret', inverse: 'is used by', outHeading: 'Uses Secrets', inHeading: 'Used by',
    dependent: 'from', color: '#e8590c', lineStyle: 'solid',
    description: 'A workload, pod, ServiceAccount or Ingress reads a Secret (env, envFrom, volume, projected, imagePullSecret, ingressTls, csi, …).',
  },
  USES_CONFIG_MAP: {
    forward: 'uses config map', inverse: 'is used by', outHeading: 'Uses ConfigMaps', inHeading: 'Used by',
    dependent: 'from', color: '#f59f00', lineStyle: 'solid',
    description: 'A workload or pod reads a ConfigMap (env configMapKeyRef, envFrom, volume, projected), or a custom resource names one (a CA bundle, a template, a mounted ConfigMap).',
  },
  RUNS_AS: {
    forward: 'runs as', inverse: 'is the identity of', outHeading: 'Runs as', inHeading: 'Identity of',
    dependent: 'from', color: '#7048e8', lineStyle: 'solid',
    description: 'A workload or pod runs as a Kubernetes ServiceAccount (spec.serviceAccountName, `default` when none is named).',
  },
  OWNS: {
    forward: 'owns', inverse: 'is owned by', outHeading: 'Owns', inHeading: 'Owned by',
    dependent: 'to', color: '#868e96', lineStyle: 'dotted',
    description: 'A controller owns a child object (metadata.ownerReferences of the child).',
  },
  PRODUCES: {
    forward: 'produces', inverse: 'is produced by', outHeading: 'Produces', inHeading: 'Produced by',
    dependent: 'to', color: '#f08c00', lineStyle: 'dashed',
    description: 'A cert-manager Certificate, ExternalSecret or SealedSecret writes a Secret.',
  },
  ACTS_AS: {
    forward: 'acts as', inverse: 'is acted as by', outHeading: 'Acts as (Workload Identity)', inHeading: 'Kubernetes ServiceAccounts acting as it',
    dependent: 'from', color: '#ae3ec9', lineStyle: 'dashed',
    description: 'GKE Workload Identity: a Kubernetes ServiceAccount acts as a GCP service account (annotation and/or workloadIdentityUser binding).',
  },
  HAS_KEY: {
    forward: 'has key', inverse: 'is a key of', outHeading: 'Keys', inHeading: 'Key of',
    dependent: 'to', color: '#c2255c', lineStyle: 'solid',
    description: 'A GCP service account has a service account key.',
  },
  HOLDS_KEY: {
    forward: 'holds key', inverse: 'is held by', outHeading: 'Holds key', inHeading: 'Held in Secrets',
    dependent: 'from', color: '#c2255c', lineStyle: 'dashed',
    description: 'A Secret value is a service account key file (matched by private_key_id and client_email).',
  },
  TOKEN_FOR: {
    forward: 'is a token for', inverse: 'has token Secret', outHeading: 'Token for', inHeading: 'Token Secrets',
    dependent: 'from', color: '#7048e8', lineStyle: 'dotted',
    description: 'A kubernetes.io/service-account-token Secret holds a token of a Kubernetes ServiceAccount.',
  },
  BINDS: {
    forward: 'binds', inverse: 'is bound by', outHeading: 'Binds role', inHeading: 'Bound by',
    dependent: 'from', color: '#66a80f', lineStyle: 'solid',
    description: 'A RoleBinding or ClusterRoleBinding grants a Role or ClusterRole (`roleRef`).',
  },
  BINDS_SUBJECT: {
    forward: 'grants its role to', inverse: 'is granted roles by', outHeading: 'Subjects', inHeading: 'Role bindings',
    dependent: 'from', color: '#66a80f', lineStyle: 'dashed',
    description: 'A RoleBinding or ClusterRoleBinding names a ServiceAccount in `subjects` (Users and Groups are kept in the binding\'s `subjects` property).',
  },
  MENTIONS: {
    forward: 'mentions', inverse: 'is mentioned by', outHeading: 'Mentions', inHeading: 'Mentioned by',
    dependent: 'from', color: '#adb5bd', lineStyle: 'dashed',
    description: 'An object keygraph does not model in detail names a Secret or ServiceAccount in a field that by Kubernetes convention refers to one (field path in `field`)',
  },
  // ---- GCP Secret Manager (collectors/secret-manager/).
  HAS_VERSION: {
    forward: 'has version', inverse: 'is a version of', outHeading: 'Versions', inHeading: 'Version of',
    dependent: 'to', color: '#d9480f', lineStyle: 'solid',
    description: 'A Secret Manager secret has a secret version.',
  },
  FETCHES_SECRET: {
    forward: 'fetches', inverse: 'is fetched by', outHeading: 'Fetches from Secret Manager', inHeading: 'Fetched by',
    dependent: 'from', color: '#d9480f', lineStyle: 'dashed',
    description: 'An ExternalSecret (remoteRef / dataFrom extract through a gcpsm store) or a Secrets Store CSI SecretProviderClass (resourceName) reads a Secret Manager secret version (`latest`: the newest enabled one).',
  },
} as const satisfies Record<string, EdgeKindSpec>;

export type EdgeKind = keyof typeof EDGE_KINDS;
export const EDGE_KIND_KEYS = Object.keys(EDGE_KINDS) as EdgeKind[];

/**
 * Access edges: derived at read time from RBAC and IAM policies (lib/analysis/access.ts, gcp-access.ts), never
 * stored, never traversed by impact (a subject losing access breaks nothing the graph models). The explorer draws
 * them in its Access mode (lib/analysis/access-overlay.ts) from a subject (a Kubernetes or GCP service account node,
 * or a principal keygraph holds no node for) to the Secret or service account.
 */
export const ACCESS_EDGE_KINDS = {
  CAN_READ: {
    forward: 'can read', inverse: 'can be read by', color: '#1971c2', lineStyle: 'dashed',
    description: 'A subject can read a Kubernetes Secret (RBAC get/list/watch on secrets) or a Secret Manager secret\'s versions (IAM secretmanager.versions.access).',
  },
  CAN_ACT_AS: {
    forward: 'can act as', inverse: 'can be acted as by', color: '#0c8599', lineStyle: 'dashed',
    description: 'A principal can act as a GCP service account, mint its tokens, sign as it or create its keys (IAM iam.serviceAccounts.actAs, getAccessToken, signBlob/signJwt, keys.create).',
  },
} as const satisfies Record<string, Pick<EdgeKindSpec, 'forward' | 'inverse' | 'color' | 'lineStyle' | 'description'>>;
export type AccessEdgeKind = keyof typeof ACCESS_EDGE_KINDS;

/** The node kinds with an access answer (lib/analysis/access.ts nodeAccess) and which access edge reaches them. */
export const ACCESS_TARGET_KINDS: Readonly<Record<string, AccessEdgeKind>> = {
  'k8s:Secret': 'CAN_READ',
  'gcp:Secret': 'CAN_READ',
  'gcp:SecretVersion': 'CAN_READ',
  'gcp:ServiceAccount': 'CAN_ACT_AS',
};

/**
 * The spec of any edge kind, total: the declared spec, else a neutral grey dotted fallback whose wording is the raw
 * kind (an edge written by a newer collector). `dependent` of the fallback is `from` (the conservative reading for
 * impact). Use it wherever a stored kind is looked up for display.
 */
export function edgeKindSpec(kind: string): EdgeKindSpec {
  if (Object.prototype.hasOwnProperty.call(EDGE_KINDS, kind)) return EDGE_KINDS[kind as EdgeKind];
  return {
    forward: kind, inverse: kind, outHeading: kind, inHeading: kind, dependent: 'from', color: '#868e96', lineStyle: 'dotted',
    description: `An edge kind this version of keygraph does not know (${kind}).`,
  };
}

/**
 * How a USES_SECRET / USES_CONFIG_MAP reference is made (property `via`). Pod specs: `env`, `envFrom`, `volume`,
 * `projected` (Secrets and ConfigMaps alike), `imagePullSecret`, `csi`, `inTreeVolume`, `googleApplicationCredentials`;
 * ServiceAccounts: `serviceAccountSecret`, `serviceAccountImagePullSecret`; Ingress: `ingressTls`. Custom resources
 * (collectors/kubernetes/references.ts, one value per family): `gatewayTls` (Gateway API listeners and
 * BackendTLSPolicy), `istioCredential` (Istio Gateway `credentialName`), `traefikTls` / `traefikAuth` (Traefik
 * IngressRoute, TLSStore, TLSOption, ServersTransport / Middleware), `issuerCredential` (cert-manager Issuer and
 * ClusterIssuer), `secretStoreAuth` (External Secrets SecretStore / ClusterSecretStore), `externalSecretTemplate`
 * (ExternalSecret `templateFrom`), `monitoringCredential` (prometheus-operator), `fluxSource` / `fluxValues` (Flux
 * sources, HelmRelease `valuesFrom`); `argocdRepository` (Argo CD repository / cluster Secrets) and
 * `argoWorkflowsConfig` (Argo Workflows controller ConfigMaps) are property markers (`usedBy`, references.ts
 * `API_CONSUMERS`). Each with the label the UI shows for it.
 */
export const SECRET_VIA_LABELS = {
  env: 'env var',
  envFrom: 'envFrom (all keys)',
  volume: 'volume',
  projected: 'projected volume',
  imagePullSecret: 'image pull secret',
  csi: 'CSI driver secret',
  inTreeVolume: 'in-tree volume secret',
  serviceAccountSecret: 'ServiceAccount secret',
  serviceAccountImagePullSecret: 'ServiceAccount image pull secret',
  ingressTls: 'Ingress TLS',
  googleApplicationCredentials: 'GOOGLE_APPLICATION_CREDENTIALS file',
  gatewayTls: 'Gateway TLS certificate',
  istioCredential: 'Istio Gateway credential',
  traefikTls: 'Traefik TLS',
  traefikAuth: 'Traefik auth middleware',
  issuerCredential: 'cert-manager issuer credential',
  secretStoreAuth: 'External Secrets store credential',
  externalSecretTemplate: 'ExternalSecret template',
  monitoringCredential: 'Prometheus scrape / alerting credential',
  fluxSource: 'Flux source credential',
  fluxValues: 'Flux HelmRelease values',
  argocdRepository: 'Argo CD repository / cluster',
  argoWorkflowsConfig: 'Argo Workflows configuration',
} as const;
export const SECRET_VIAS = Object.keys(SECRET_VIA_LABELS) as (keyof typeof SECRET_VIA_LABELS)[];
export type SecretVia = (typeof SECRET_VIAS)[number];

/** The declared kind key of `provider`/`kind`, or null when the model does not declare it (see {@link nodeKindSpec}). */
export function nodeKindKey(provider: Provider, kind: string): NodeKindKey | null {
  const key = `${provider}:${kind}`;
  return Object.prototype.hasOwnProperty.call(NODE_KINDS, key) ? (key as NodeKindKey) : null;
}

/** True for a declared edge kind (own keys only: `constructor`, `__proto__` are not kinds). */
export function isEdgeKind(kind: string): kind is EdgeKind {
  return Object.prototype.hasOwnProperty.call(EDGE_KINDS, kind);
}
