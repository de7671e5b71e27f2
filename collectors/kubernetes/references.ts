/**
 * References that custom resources make to Secrets, ServiceAccounts and ConfigMaps, declared as data: one row per
 * field, read by the Kubernetes mapper (precise USES_SECRET / RUNS_AS / USES_CONFIG_MAP edges instead of the generic
 * convention scan's MENTIONS) and by the live collector (which lists each row's kind where the API server serves it).
 * Adding a CRD is one {@link REFERENCE_APIS} entry (where it is served) and its {@link REFERENCES} rows.
 *
 * Field paths ({@link parseFieldPath}): dot-separated object keys from the object root; `[]` after a key walks every
 * item of an array; a key may be a glob (`*` any characters: `*SecretRef`) or alternatives (`secretRef|*SecretRef`);
 * `*` alone is any one key and `**` any number (0–8) of keys or items. The last step names the string that is the
 * target's name. Sibling fields of that string (the ref object: `namespace`, `key`, `kind`, `optional`) are read by
 * the row's `namespace`, `keys`, `when` and optional rules.
 */
import type { SecretVia } from '../../lib/graph/model';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a reference points at. */
export type ReferenceTarget = 'Secret' | 'ServiceAccount' | 'ConfigMap';

/**
 * Where the target lives. Resolution order: `istioGatewayWorkload` (the namespaces of the workloads and pods whose
 * pod labels match the Istio Gateway's `spec.selector`: Istio reads `credentialName` in the gateway workload's
 * namespace), then the `sibling` field of the ref when it is a DNS-1123 label, then the referring object's own
 * namespace, then `clusterDefault` (cluster-scoped objects: cert-manager reads a ClusterIssuer's Secrets in its
 * "cluster resource namespace", `cert-manager` unless the controller's `--cluster-resource-namespace` says
 * otherwise). When none applies (a cluster-scoped object whose ref names no namespace) the reference is not
 * precise: it becomes a MENTIONS of every target of that name seen, as the generic scan does.
 */
export interface NamespaceRule {
  sibling?: string;
  clusterDefault?: string;
  istioGatewayWorkload?: true;
}

/** One reference field of a custom resource. */
export interface ReferenceRow {
  /** API kinds (`Issuer`, `ClusterIssuer`). */
  kinds: readonly string[];
  /** API groups the row applies to (current and legacy: `traefik.io`, `traefik.containo.us`). */
  groups: readonly string[];
  /** Field path to the target's name ({@link parseFieldPath}), e.g. `spec.listeners[].tls.certificateRefs[].name`. */
  path: string;
  target: ReferenceTarget;
  /** Namespace rule; default: the object's own namespace. */
  namespace?: NamespaceRule;
  /** Path, relative to the ref object holding the name, of the data keys read (`key`, `items[].key`). */
  keys?: string;
  /** Sibling fields that must have one of these values (`null`: absent), e.g. a Gateway certificateRef's `kind`. */
  when?: Readonly<Record<string, readonly (string | null)[]>>;
  /** The controller works without the target (otherwise required, unless the ref itself says `optional: true`). */
  optional?: true;
  /** When the path is absent, the controller reads `PREFIX` + the object's `metadata.name` (edge property `defaulted`). */
  defaultNamePrefix?: string;
  via: SecretVia;
}

/** Where a kind with reference rows is served, for the live collector (`/apis/GROUP/VERSION/RESOURCE`). */
export interface ReferenceApi {
  kind: string;
  group: string;
  /** Versions in preference order; discovery picks the first one the server serves. */
  versions: readonly string[];
  resource: string;
  clusterScoped?: true;
}

const NS = { sibling: 'namespace' } as const;
const GATEWAY_API = ['gateway.networking.k8s.io'];
const ISTIO = ['networking.istio.io'];
const TRAEFIK = ['traefik.io', 'traefik.containo.us'];
/** cert-manager.io, and certmanager.k8s.io of cert-manager before 0.11 (old manifests; as the model's Certificate). */
const CERT_MANAGER = ['cert-manager.io', 'certmanager.k8s.io'];
const ESO = ['external-secrets.io'];
const MONITORING = ['monitoring.coreos.com'];
const FLUX_SOURCE = ['source.toolkit.fluxcd.io'];
const FLUX_HELM = ['helm.toolkit.fluxcd.io'];
const ISSUERS = ['Issuer', 'ClusterIssuer'];
/** cert-manager's default `--cluster-resource-namespace`. */
const CERT_MANAGER_NS = { clusterDefault: 'cert-manager' } as const;
/** prometheus-operator endpoint lists: ServiceMonitor `endpoints`, PodMonitor `podMetricsEndpoints`, Probe `spec`. */
const SCRAPE = 'spec.endpoints|podMetricsEndpoints[]';
const SCRAPERS = ['ServiceMonitor', 'PodMonitor'];
/** Remote write / read endpoint lists of Prometheus and PrometheusAgent. */
const REMOTE = 'spec.remoteWrite|remoteRead[]';
const SERVERS = ['Prometheus', 'Alertmanager', 'ThanosRuler', 'PrometheusAgent'];

/**
 * The rows. Sources: Gateway API v1 (`Gateway`, `BackendTLSPolicy`), Istio networking v1 `Gateway`, Traefik v3 CRDs,
 * cert-manager v1 `Issuer` / `ClusterIssuer`, External Secrets v1 `SecretStore` / `ClusterSecretStore` /
 * `ExternalSecret`, prometheus-operator monitoring.coreos.com/v1, Flux source v1 and helm v2 — each as in the
 * project's API reference.
 */
export const REFERENCES: readonly ReferenceRow[] = [
  // Gateway API: listener certificates (a Secret unless kind/group say otherwise; cross-namespace with a ReferenceGrant).
  { kinds: ['Gateway'], groups: GATEWAY_API, path: 'spec.listeners[].tls.certificateRefs[].name', target: 'Secret', namespace: NS, when: { kind: ['Secret', null], group: ['', null] }, via: 'gatewayTls' },
  { kinds: ['BackendTLSPolicy'], groups: GATEWAY_API, path: 'spec.validation.caCertificateRefs[].name', target: 'ConfigMap', when: { kind: ['ConfigMap'], group: ['', null] }, via: 'gatewayTls' },
  { kinds: ['BackendTLSPolicy'], groups: GATEWAY_API, path: 'spec.validation.caCertificateRefs[].name', target: 'Secret', when: { kind: ['Secret'], group: ['', null] }, via: 'gatewayTls' },
  // Istio: the Secret lives in the gateway workload's namespace.
  { kinds: ['Gateway'], groups: ISTIO, path: 'spec.servers[].tls.credentialName', target: 'Secret', namespace: { istioGatewayWorkload: true }, via: 'istioCredential' },
  // Traefik.
  { kinds: ['IngressRoute', 'IngressRouteTCP'], groups: TRAEFIK, path: 'spec.tls.secretName', target: 'Secret', via: 'traefikTls' },
  { kinds: ['TLSStore'], groups: TRAEFIK, path: 'spec.defaultCertificate.secretName', target: 'Secret', via: 'traefikTls' },
  { kinds: ['TLSStore'], groups: TRAEFIK, path: 'spec.certificates[].secretName', target: 'Secret', via: 'traefikTls' },
  { kinds: ['TLSOption'], groups: TRAEFIK, path: 'spec.clientAuth.secretNames[]', target: 'Secret', via: 'traefikTls' },
  { kinds: ['ServersTransport'], groups: TRAEFIK, path: 'spec.rootCAsSecrets|certificatesSecrets[]', target: 'Secret', via: 'traefikTls' },
  { kinds: ['Middleware'], groups: TRAEFIK, path: 'spec.basicAuth|digestAuth.secret', target: 'Secret', via: 'traefikAuth' },
  { kinds: ['Middleware'], groups: TRAEFIK, path: 'spec.forwardAuth.tls.secret|caSecret|certSecret', target: 'Secret', via: 'traefikAuth' },
  // cert-manager issuers: ACME account key and EAB, CA key pair, Vault, Venafi, DNS-01 provider credentials.
  // The ACME account key is created by cert-manager when it registers the account: absent is not broken (optional).
  { kinds: ISSUERS, groups: CERT_MANAGER, path: 'spec.acme.privateKeySecretRef.name', target: 'Secret', namespace: CERT_MANAGER_NS, optional: true, via: 'issuerCredential' },
  { kinds: ISSUERS, groups: CERT_MANAGER, path: 'spec.acme.externalAccountBinding.keySecretRef.name', target: 'Secret', namespace: CERT_MANAGER_NS, keys: 'key', via: 'issuerCredential' },
  { kinds: ISSUERS, groups: CERT_MANAGER, path: 'spec.ca.secretName', target: 'Secret', namespace: CERT_MANAGER_NS, via: 'issuerCredential' },
  { kinds: ISSUERS, groups: CERT_MANAGER, path: 'spec.vault.**.secretRef|*SecretRef.name', target: 'Secret', namespace: CERT_MANAGER_NS, keys: 'key', via: 'issuerCredential' },
  { kinds: ISSUERS, groups: CERT_MANAGER, path: 'spec.vault.auth.kubernetes.serviceAccountRef.name', target: 'ServiceAccount', namespace: CERT_MANAGER_NS, via: 'issuerCredential' },
  { kinds: ISSUERS, groups: CERT_MANAGER, path: 'spec.venafi.tpp.credentialsRef.name', target: 'Secret', namespace: CERT_MANAGER_NS, via: 'issuerCredential' },
  { kinds: ISSUERS, groups: CERT_MANAGER, path: 'spec.venafi.tpp.caBundleSecretRef.name', target: 'Secret', namespace: CERT_MANAGER_NS, keys: 'key', via: 'issuerCredential' },
  { kinds: ISSUERS, groups: CERT_MANAGER, path: 'spec.venafi.cloud.apiTokenSecretRef.name', target: 'Secret', namespace: CERT_MANAGER_NS, keys: 'key', via: 'issuerCredential' },
  { kinds: ISSUERS, groups: CERT_MANAGER, path: 'spec.acme.solvers[].dns01.*.*SecretRef.name', target: 'Secret', namespace: CERT_MANAGER_NS, keys: 'key', via: 'issuerCredential' },
  { kinds: ISSUERS, groups: CERT_MANAGER, path: 'spec.acme.solvers[].dns01.*.auth.kubernetes.serviceAccountRef.name', target: 'ServiceAccount', namespace: CERT_MANAGER_NS, via: 'issuerCredential' },
  // External Secrets stores: provider credentials. A SecretStore's refs are in its own namespace (the ref's
  // `namespace` is ignored); a ClusterSecretStore's name their namespace.
  ...(['SecretStore', 'ClusterSecretStore'] as const).flatMap((kind): ReferenceRow[] => {
    const kinds = [kind];
    const namespace = kind === 'ClusterSecretStore' ? NS : undefined;
    return [
      { kinds, groups: ESO, path: 'spec.provider.*.**.secretRef|*SecretRef.name', target: 'Secret', namespace, keys: 'key', via: 'secretStoreAuth' },
      { kinds, groups: ESO, path: 'spec.provider.azurekv.authSecretRef.*.name', target: 'Secret', namespace, keys: 'key', via: 'secretStoreAuth' },
      { kinds, groups: ESO, path: 'spec.provider.*.**.serviceAccountRef.name', target: 'ServiceAccount', namespace, via: 'secretStoreAuth' },
      { kinds, groups: ESO, path: 'spec.provider.*.caProvider.name', target: 'Secret', namespace, keys: 'key', when: { type: ['Secret'] }, via: 'secretStoreAuth' },
      { kinds, groups: ESO, path: 'spec.provider.*.caProvider.name', target: 'ConfigMap', namespace, keys: 'key', when: { type: ['ConfigMap'] }, via: 'secretStoreAuth' },
    ];
  }),
  { kinds: ['ExternalSecret'], groups: ESO, path: 'spec.target.template.templateFrom[].configMap.name', target: 'ConfigMap', keys: 'items[].key', via: 'externalSecretTemplate' },
  { kinds: ['ExternalSecret'], groups: ESO, path: 'spec.target.template.templateFrom[].secret.name', target: 'Secret', keys: 'items[].key', via: 'externalSecretTemplate' },
  // prometheus-operator: the servers' pods (ServiceAccount, mounted Secrets and ConfigMaps) and scrape credentials.
  { kinds: SERVERS, groups: MONITORING, path: 'spec.serviceAccountName', target: 'ServiceAccount', via: 'monitoringCredential' },
  { kinds: SERVERS, groups: MONITORING, path: 'spec.secrets[]', target: 'Secret', via: 'monitoringCredential' },
  { kinds: SERVERS, groups: MONITORING, path: 'spec.configMaps[]', target: 'ConfigMap', via: 'monitoringCredential' },
  // Without configSecret the operator reads `alertmanager-NAME`; absent, it provisions a minimal configuration (optional).
  { kinds: ['Alertmanager'], groups: MONITORING, path: 'spec.configSecret', target: 'Secret', optional: true, defaultNamePrefix: 'alertmanager-', via: 'monitoringCredential' },
  { kinds: ['Prometheus', 'PrometheusAgent'], groups: MONITORING, path: 'spec.additionalScrapeConfigs.name', target: 'Secret', keys: 'key', via: 'monitoringCredential' },
  { kinds: ['Prometheus'], groups: MONITORING, path: 'spec.additionalAlertManagerConfigs|additionalAlertRelabelConfigs.name', target: 'Secret', keys: 'key', via: 'monitoringCredential' },
  // Remote write / read endpoints of the servers (Mimir, Thanos receive, Cortex…): the same credential shapes, plus SigV4.
  { kinds: ['Prometheus', 'PrometheusAgent'], groups: MONITORING, path: `${REMOTE}.basicAuth.username|password.name`, target: 'Secret', keys: 'key', via: 'monitoringCredential' },
  { kinds: ['Prometheus', 'PrometheusAgent'], groups: MONITORING, path: `${REMOTE}.authorization.credentials.name`, target: 'Secret', keys: 'key', via: 'monitoringCredential' },
  { kinds: ['Prometheus', 'PrometheusAgent'], groups: MONITORING, path: `${REMOTE}.oauth2.clientSecret.name`, target: 'Secret', keys: 'key', via: 'monitoringCredential' },
  { kinds: ['Prometheus', 'PrometheusAgent'], groups: MONITORING, path: `${REMOTE}.tlsConfig.ca|cert.secret.name`, target: 'Secret', keys: 'key', via: 'monitoringCredential' },
  { kinds: ['Prometheus', 'PrometheusAgent'], groups: MONITORING, path: 'spec.remoteWrite[].sigv4.accessKey|secretKey.name', target: 'Secret', keys: 'key', via: 'monitoringCredential' },
  { kinds: SCRAPERS, groups: MONITORING, path: `${SCRAPE}.basicAuth.username|password.name`, target: 'Secret', keys: 'key', via: 'monitoringCredential' },
  { kinds: SCRAPERS, groups: MONITORING, path: `${SCRAPE}.bearerTokenSecret.name`, target: 'Secret', keys: 'key', via: 'monitoringCredential' },
  { kinds: SCRAPERS, groups: MONITORING, path: `${SCRAPE}.authorization.credentials.name`, target: 'Secret', keys: 'key', via: 'monitoringCredential' },
  { kinds: SCRAPERS, groups: MONITORING, path: `${SCRAPE}.oauth2.clientSecret.name`, target: 'Secret', keys: 'key', via: 'monitoringCredential' },
  { kinds: SCRAPERS, groups: MONITORING, path: `${SCRAPE}.tlsConfig.keySecret.name`, target: 'Secret', keys: 'key', via: 'monitoringCredential' },
  { kinds: SCRAPERS, groups: MONITORING, path: `${SCRAPE}.tlsConfig|oauth2.ca|cert|clientId.secret.name`, target: 'Secret', keys: 'key', via: 'monitoringCredential' },
  { kinds: SCRAPERS, groups: MONITORING, path: `${SCRAPE}.tlsConfig|oauth2.ca|cert|clientId.configMap.name`, target: 'ConfigMap', keys: 'key', via: 'monitoringCredential' },
  // Flux sources and HelmRelease values.
  { kinds: ['GitRepository', 'HelmRepository', 'OCIRepository', 'Bucket'], groups: FLUX_SOURCE, path: 'spec.secretRef|certSecretRef|proxySecretRef.name', target: 'Secret', via: 'fluxSource' },
  { kinds: ['GitRepository', 'OCIRepository', 'HelmChart'], groups: FLUX_SOURCE, path: 'spec.verify.secretRef.name', target: 'Secret', via: 'fluxSource' },
  { kinds: ['OCIRepository'], groups: FLUX_SOURCE, path: 'spec.serviceAccountName', target: 'ServiceAccount', via: 'fluxSource' },
  { kinds: ['HelmRelease'], groups: FLUX_HELM, path: 'spec.valuesFrom[].name', target: 'Secret', keys: 'valuesKey', when: { kind: ['Secret'] }, via: 'fluxValues' },
  { kinds: ['HelmRelease'], groups: FLUX_HELM, path: 'spec.valuesFrom[].name', target: 'ConfigMap', keys: 'valuesKey', when: { kind: ['ConfigMap'] }, via: 'fluxValues' },
];

/**
 * Where each kind with rows is served (live discovery and listing); one entry per group that serves the kind. Kinds
 * the model declares (ExternalSecret) are listed through the model's `api` facts instead and are not repeated here.
 */
export const REFERENCE_APIS: readonly ReferenceApi[] = [
  { kind: 'Gateway', group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1'], resource: 'gateways' },
  { kind: 'BackendTLSPolicy', group: 'gateway.networking.k8s.io', versions: ['v1', 'v1alpha3'], resource: 'backendtlspolicies' },
  { kind: 'Gateway', group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'], resource: 'gateways' },
  { kind: 'IngressRoute', group: 'traefik.io', versions: ['v1alpha1'], resource: 'ingressroutes' },
  { kind: 'IngressRouteTCP', group: 'traefik.io', versions: ['v1alpha1'], resource: 'ingressroutetcps' },
  { kind: 'TLSStore', group: 'traefik.io', versions: ['v1alpha1'], resource: 'tlsstores' },
  { kind: 'TLSOption', group: 'traefik.io', versions: ['v1alpha1'], resource: 'tlsoptions' },
  { kind: 'ServersTransport', group: 'traefik.io', versions: ['v1alpha1'], resource: 'serverstransports' },
  { kind: 'Middleware', group: 'traefik.io', versions: ['v1alpha1'], resource: 'middlewares' },
  { kind: 'Issuer', group: 'cert-manager.io', versions: ['v1'], resource: 'issuers' },
  { kind: 'ClusterIssuer', group: 'cert-manager.io', versions: ['v1'], resource: 'clusterissuers', clusterScoped: true },
  { kind: 'SecretStore', group: 'external-secrets.io', versions: ['v1', 'v1beta1'], resource: 'secretstores' },
  { kind: 'ClusterSecretStore', group: 'external-secrets.io', versions: ['v1', 'v1beta1'], resource: 'clustersecretstores', clusterScoped: true },
  { kind: 'Prometheus', group: 'monitoring.coreos.com', versions: ['v1'], resource: 'prometheuses' },
  { kind: 'PrometheusAgent', group: 'monitoring.coreos.com', versions: ['v1alpha1'], resource: 'prometheusagents' },
  { kind: 'Alertmanager', group: 'monitoring.coreos.com', versions: ['v1'], resource: 'alertmanagers' },
  { kind: 'ThanosRuler', group: 'monitoring.coreos.com', versions: ['v1'], resource: 'thanosrulers' },
  { kind: 'ServiceMonitor', group: 'monitoring.coreos.com', versions: ['v1'], resource: 'servicemonitors' },
  { kind: 'PodMonitor', group: 'monitoring.coreos.com', versions: ['v1'], resource: 'podmonitors' },
  { kind: 'GitRepository', group: 'source.toolkit.fluxcd.io', versions: ['v1', 'v1beta2'], resource: 'gitrepositories' },
  { kind: 'HelmRepository', group: 'source.toolkit.fluxcd.io', versions: ['v1', 'v1beta2'], resource: 'helmrepositories' },
  { kind: 'OCIRepository', group: 'source.toolkit.fluxcd.io', versions: ['v1', 'v1beta2'], resource: 'ocirepositories' },
  { kind: 'Bucket', group: 'source.toolkit.fluxcd.io', versions: ['v1', 'v1beta2'], resource: 'buckets' },
  { kind: 'HelmChart', group: 'source.toolkit.fluxcd.io', versions: ['v1', 'v1beta2'], resource: 'helmcharts' },
  { kind: 'HelmRelease', group: 'helm.toolkit.fluxcd.io', versions: ['v2', 'v2beta2'], resource: 'helmreleases' },
];

/**
 * Secrets and ConfigMaps that a controller reads through the API by a label, an annotation or a fixed name (no
 * object names them): Argo CD repository, repository-credential and cluster Secrets (`argocd.argoproj.io/secret-type`,
 * read by the Argo CD controllers in their namespace); Argo Workflows' controller configuration
 * (`workflow-controller-configmap`, its `--configmap` default), artifact repositories (annotation
 * `workflows.argoproj.io/default-artifact-repository`), typed ConfigMaps (label `workflows.argoproj.io/configmap-type`)
 * and the webhook clients Secret the Argo Server reads by name (`argo-workflows-webhook-clients`).
 *
 * Modelled as a property of the node, `usedBy` (`[{controller, via, label}]`), not as an edge: the reader is a
 * controller keygraph cannot name from the object, and a synthetic node would be an object that does not exist.
 * unused-secret and unused-config-map skip such objects. With `configRefs`, each data value of the ConfigMap is
 * configuration (YAML or JSON) that names Secrets by the usual conventions (`passwordSecret: {name, key}`): the
 * convention scan reads it and the ConfigMap MENTIONS those Secrets (`field` `data.KEY.…`, required: the
 * controller needs them), so they are not unused either.
 */
export interface ApiConsumer {
  kind: 'Secret' | 'ConfigMap';
  /** Label key with one of `values`, an annotation key present, or one of `names`. */
  label?: string;
  values?: readonly string[];
  annotation?: string;
  names?: readonly string[];
  controller: string;
  via: SecretVia;
  configRefs?: true;
}

export const API_CONSUMERS: readonly ApiConsumer[] = [
  { kind: 'Secret', label: 'argocd.argoproj.io/secret-type', values: ['repository', 'repo-creds', 'repository-write', 'repo-write-creds', 'cluster'], controller: 'Argo CD', via: 'argocdRepository' },
  { kind: 'ConfigMap', names: ['workflow-controller-configmap'], controller: 'Argo Workflows', via: 'argoWorkflowsConfig', configRefs: true },
  { kind: 'ConfigMap', annotation: 'workflows.argoproj.io/default-artifact-repository', controller: 'Argo Workflows', via: 'argoWorkflowsConfig', configRefs: true },
  { kind: 'ConfigMap', label: 'workflows.argoproj.io/configmap-type', controller: 'Argo Workflows', via: 'argoWorkflowsConfig' },
  { kind: 'Secret', names: ['argo-workflows-webhook-clients'], controller: 'Argo Workflows', via: 'argoWorkflowsConfig' },
];

/** The consumers ({@link API_CONSUMERS}) of a Secret / ConfigMap by its name, labels and annotations. */
export function apiConsumers(kind: 'Secret' | 'ConfigMap', name: string, labels: Record<string, string> | undefined, annotations: Record<string, string> | undefined): ApiConsumer[] {
  return API_CONSUMERS.filter((c) => c.kind === kind && (
    (c.label !== undefined && labels?.[c.label] !== undefined && (!c.values || c.values.includes(labels[c.label]!)))
    || (c.annotation !== undefined && annotations?.[c.annotation] !== undefined)
    || (c.names?.includes(name) ?? false)));
}

/** The `usedBy` property of an object read by {@link API_CONSUMERS}; empty when none applies. */
export function usedByOf(kind: 'Secret' | 'ConfigMap', name: string, labels: Record<string, string> | undefined, annotations: Record<string, string> | undefined): Array<{ controller: string; via: SecretVia; label: string }> {
  return apiConsumers(kind, name, labels, annotations).map((c) => ({
    controller: c.controller, via: c.via,
    label: c.label ? `${c.label}=${labels![c.label]}` : c.annotation ? `annotation ${c.annotation}` : `name ${name}`,
  }));
}

// ------------------------------------------------------------------ field paths

/** One step of a parsed field path. */
export type PathStep = { t: 'key'; match: (k: string) => boolean; literal?: string } | { t: 'each' } | { t: 'deep' };

const globRe = (g: string) => new RegExp(`^${g.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

/**
 * Parses a field path (see the module doc). Throws on an empty step (a bug in a row, caught by the tests).
 * `a|b` alternatives and `*` globs match object keys; `[]` after a key walks an array; `**` any depth.
 */
export function parseFieldPath(path: string): PathStep[] {
  const out: PathStep[] = [];
  for (const raw of path.split('.')) {
    let tok = raw;
    let each = 0;
    while (tok.endsWith('[]')) {
      tok = tok.slice(0, -2);
      each++;
    }
    if (tok === '') throw new Error(`field path ${JSON.stringify(path)}: empty step`);
    if (tok === '**') out.push({ t: 'deep' });
    else if (tok === '*') out.push({ t: 'key', match: () => true });
    else {
      const alts = tok.split('|');
      if (alts.length === 1 && !tok.includes('*')) out.push({ t: 'key', match: (k) => k === tok, literal: tok });
      else {
        const res = alts.map(globRe);
        out.push({ t: 'key', match: (k) => res.some((r) => r.test(k)) });
      }
    }
    for (let i = 0; i < each; i++) out.push({ t: 'each' });
  }
  return out;
}

/** One value a path reached: the value, the object holding it (null when it is an array item) and its concrete path. */
export interface PathMatch {
  value: unknown;
  parent: Obj | null;
  /** Concrete path from the root in the mapper's MENTIONS `field` syntax: `spec.servers[0].tls.credentialName`. */
  field: string;
}

/** Limits of one evaluation (hostile input): values visited, items per array, depth of `**`. */
export const PATH_LIMITS = { maxVisits: 5_000, maxItems: 1_000, maxDeep: 8 } as const;

const stepName = (path: string, k: string) => (/^[A-Za-z0-9_$-]{1,100}$/.test(k) ? (path ? `${path}.${k}` : k) : `${path}[${JSON.stringify(k.slice(0, 100))}]`);

/** Every value `steps` reach from `root`, bounded by {@link PATH_LIMITS}, deduplicated by concrete path. */
export function evalFieldPath(root: unknown, steps: readonly PathStep[]): PathMatch[] {
  const out = new Map<string, PathMatch>();
  let visits = 0;
  const go = (v: unknown, parent: Obj | null, field: string, i: number, deepLeft: number): void => {
    if (++visits > PATH_LIMITS.maxVisits) return;
    if (i === steps.length) {
      if (!out.has(field)) out.set(field, { value: v, parent, field });
      return;
    }
    const s = steps[i]!;
    if (s.t === 'each') {
      if (!Array.isArray(v)) return;
      const n = Math.min(v.length, PATH_LIMITS.maxItems);
      for (let j = 0; j < n; j++) go(v[j], null, `${field}[${j}]`, i + 1, deepLeft);
      return;
    }
    if (s.t === 'deep') {
      go(v, parent, field, i + 1, PATH_LIMITS.maxDeep); // zero steps
      if (deepLeft <= 0) return;
      if (Array.isArray(v)) {
        const n = Math.min(v.length, PATH_LIMITS.maxItems);
        for (let j = 0; j < n; j++) go(v[j], null, `${field}[${j}]`, i, deepLeft - 1);
      } else if (isObj(v)) {
        for (const k of Object.keys(v)) go(v[k], v, stepName(field, k), i, deepLeft - 1);
      }
      return;
    }
    if (!isObj(v)) return;
    if (s.literal !== undefined) {
      if (Object.prototype.hasOwnProperty.call(v, s.literal)) go(v[s.literal], v, stepName(field, s.literal), i + 1, deepLeft);
      return;
    }
    for (const k of Object.keys(v)) if (s.match(k)) go(v[k], v, stepName(field, k), i + 1, deepLeft);
  };
  go(root, null, '', 0, PATH_LIMITS.maxDeep);
  return [...out.values()];
}

/** A row with its path parsed once. */
export interface CompiledReferenceRow extends ReferenceRow {
  steps: PathStep[];
  keySteps?: PathStep[];
}

/** Rows by API kind, paths parsed (the mapper's lookup). */
export const REFERENCES_BY_KIND: ReadonlyMap<string, readonly CompiledReferenceRow[]> = (() => {
  const m = new Map<string, CompiledReferenceRow[]>();
  for (const r of REFERENCES) {
    const c: CompiledReferenceRow = { ...r, steps: parseFieldPath(r.path), ...(r.keys && { keySteps: parseFieldPath(r.keys) }) };
    for (const k of r.kinds) {
      const l = m.get(k);
      if (l) l.push(c);
      else m.set(k, [c]);
    }
  }
  return m;
})();

/** One reference found in an object by the table, before namespace resolution. */
export interface FoundReference {
  row: CompiledReferenceRow;
  name: string;
  /** Concrete field path of the name. */
  field: string;
  /** Value of the row's `namespace.sibling` field, when a string. */
  siblingNamespace?: string;
  keys?: string[];
  optional: boolean;
  /** The name is the row's default (`defaultNamePrefix` + the object's name): the field is absent. */
  defaulted?: true;
}

/**
 * The table's references in object `o` of API group `group` and kind `kind`. Names are returned as found (the
 * mapper validates them as object names); `optional` is the row's or the ref's own `optional: true`.
 */
export function findReferences(o: unknown, group: string, kind: string): FoundReference[] {
  const rows = REFERENCES_BY_KIND.get(kind);
  if (!rows) return [];
  const out: FoundReference[] = [];
  for (const row of rows) {
    if (!row.groups.includes(group)) continue;
    const matches = evalFieldPath(o, row.steps);
    const objName = isObj(o) && isObj(o.metadata) && typeof o.metadata.name === 'string' ? o.metadata.name : undefined;
    if (row.defaultNamePrefix && objName && !matches.some((m) => typeof m.value === 'string' && m.value !== '')) {
      out.push({ row, name: `${row.defaultNamePrefix}${objName}`, field: row.path, optional: row.optional === true, defaulted: true });
      continue;
    }
    for (const m of matches) {
      if (typeof m.value !== 'string' || m.value === '') continue;
      const p = m.parent;
      if (row.when && !Object.entries(row.when).every(([f, allowed]) => {
        const v = p ? p[f] : undefined;
        return allowed.includes(typeof v === 'string' ? v : null) && (typeof v === 'string' || v === undefined || v === null);
      })) continue;
      const sib = row.namespace?.sibling && p ? p[row.namespace.sibling] : undefined;
      const keys = row.keySteps && p
        ? evalFieldPath(p, row.keySteps).map((k) => k.value).filter((k): k is string => typeof k === 'string' && k !== '')
        : [];
      out.push({
        row, name: m.value, field: m.field,
        ...(typeof sib === 'string' && sib !== '' && { siblingNamespace: sib }),
        ...(keys.length && { keys: [...new Set(keys)].sort() }),
        optional: row.optional === true || (p !== null && p.optional === true),
      });
    }
  }
  return out;
}
