/**
 * Maps Kubernetes API objects (as returned by the API, found in manifests, or in `kubectl get -o json|yaml` dumps)
 * to graph records (docs/ARCHITECTURE.md "The graph").
 *
 * Mapped kinds: core/v1 `Secret`, `ConfigMap`, `ServiceAccount`, `Pod`, `ReplicationController`; apps `Deployment`,
 * `StatefulSet`, `DaemonSet`, `ReplicaSet`; apps.openshift.io `DeploymentConfig`; batch `Job`, `CronJob`; networking
 * `Ingress`; cert-manager.io `Certificate`; external-secrets.io `ExternalSecret`; bitnami.com `SealedSecret`;
 * rbac.authorization.k8s.io `Role`, `ClusterRole`, `RoleBinding`, `ClusterRoleBinding` (the Cluster ones cluster-scoped). An object with no `apiVersion` (items of typed
 * client list responses) is recognised by `kind` alone. Objects of any other kind are scanned for mentions of
 * Secrets / ServiceAccounts ({@link scanMentions}) and become generic nodes only when they mention something;
 * every object not mapped is reported through `onSkipped` (never silently dropped).
 *
 * Secret values are read here, transiently, and never leave this module: a Secret node keeps key names, per-key
 * HMAC fingerprints, total size, and, for `kubernetes.io/tls`, the certificate's public fields; a value that is a
 * GCP service-account key file yields a `HOLDS_KEY` edge (only `private_key_id` and `client_email` are kept). No
 * property, edge or warning holds a value or its base64.
 */
import { externalSecretRemoteRefs, secretManagerFacts, SECRETS_STORE_CSI_DRIVER } from '../secret-manager/kubernetes-facts';
import { X509Certificate } from 'node:crypto';
import type { CollectionResult, EdgeProperties, EdgeRecord, NodeRecord, SkippedObject } from '../../lib/graph/records';
import { edgeKey } from '../../lib/graph/records';
import { NODE_KIND_KEYS, NODE_KINDS, WORKLOAD_KIND_KEYS, nodeKindKey, type EdgeKind, type NodeKindKey, type NodeKindSpec } from '../../lib/graph/model';
import { gcpKeyId, gcpServiceAccountId, k8sId, parseId } from '../../lib/graph/ids';
import type { Fingerprinter } from '../../lib/secrets/fingerprint';
import { reloaderTarget, reloaderWorkload, vaultSecretFacts } from './rotation';
import { gatewayListeners } from './tls';
import { parse as parseYaml } from 'yaml';
import { apiConsumers, findReferences, usedByOf, type FoundReference, type ReferenceTarget } from './references';

export interface KubernetesMapperOptions {
  /** Cluster name used in every node id. */
  cluster: string;
  /** Namespace for namespaced objects that carry none (manifests); default `default`. */
  defaultNamespace?: string;
  fingerprint: Fingerprinter;
  /** Files mode: emit an implicit `default` ServiceAccount per namespace seen, and an implicit `kube-root-ca.crt`
   * ConfigMap (key `ca.crt`) in each namespace where something reads it (every pod's projected service-account token
   * volume does), with `properties.implicit = true`: Kubernetes creates both in every namespace, so neither looks
   * dangling in a GitOps folder or a dump that did not list ConfigMaps. Implicit nodes vouch for nothing (coverage). */
  implicitDefaults?: boolean;
  /** Called (instead of throwing) for an object of a mapped kind that cannot be mapped (no valid
   * `metadata.name`, name not usable in an id, invalid namespace) and for duplicate ids, when `onSkipped` is not
   * given (with `onSkipped`, only `onSkipped` is called). Never for `kind-not-read`. The message names the kind and
   * the reason, never content. */
  onWarning?: (message: string) => void;
  /** Called once per object the mapper does not map, with the reason (lib/graph/records.ts SkippedObject):
   * `kind-not-read`, `invalid-namespace`, `invalid-name`, and `duplicate-id` for an earlier document replaced by a
   * later one with the same id. */
  onSkipped?: (s: SkippedObject) => void;
}

export interface KubernetesMapper {
  /**
   * Adds one object. Secret values are read here (fingerprints, key files, certificates) and dropped at once.
   * Returns true when the object became a node: an object of a mapped kind, or of another kind that mentions a
   * Secret / ServiceAccount (a generic node). Returns false when it was not mapped (a kind not read, no usable
   * `metadata.name`, an invalid namespace, a non-object): it is reported through `onSkipped` (non-objects and
   * objects without `kind` are not Kubernetes objects and are not reported), never thrown about. A `*List` object
   * with `items` is added item by item (true when any item was mapped).
   *
   * @param asKind optional: map the object as this kind. Use it for `PartialObjectMetadata` (metadata-only
   *   listings carry kind `PartialObjectMetadata`): `add(item, 'Secret')`. A Secret whose kind is
   *   `PartialObjectMetadata` or whose `apiVersion` is `meta.k8s.io/*` is metadata-only: `dataKeys` undefined,
   *   `metadataOnly: true`.
   */
  add(obj: unknown, asKind?: string): boolean;
  /**
   * Finishes: nodes (the last document with an id replaces earlier ones, edges included) and edges (edges of one
   * document with the same edgeKey merged); MENTIONS without a namespace (ClusterRole `resourceNames`, refs of
   * cluster-scoped custom resources) are resolved here to every Secret / ServiceAccount of that name seen.
   * `genericKinds`: kind keys (`k8s:SecretStore`…) of every object the generic mention scan read, whether or not it
   * mentioned something (a files run can vouch for them: an object that stopped mentioning is gone).
   */
  finish(): Pick<CollectionResult, 'nodes' | 'edges'> & { genericKinds: string[] };
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const objs = (v: unknown): Obj[] => arr(v).filter(isObj);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Obj | undefined => (isObj(v) ? v : undefined);

/** A usable id segment: a non-empty name with no `/`, whitespace or control characters (ids.ts parseId). */
const NAME_OK = /^[^/\s\u0000-\u001f]{1,320}$/;
const validName = (v: unknown): string | undefined => {
  const s = str(v);
  return s && NAME_OK.test(s) && s !== '.' && s !== '..' ? s : undefined;
};

/** DNS-1123 label (namespaces): lowercase alphanumerics and `-`, at most 63 characters. */
const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
/** DNS-1123 subdomain (Secret and ServiceAccount names a mention may name), at most 253 characters. */
const DNS_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$/;
/** A Kubernetes kind usable as an id segment and a kind key (`SecretStore`, `ClusterIssuer`). */
const KIND_OK = /^[A-Za-z][A-Za-z0-9]{0,62}$/;

/** `s` quoted for a message: JSON escapes, non-ASCII as `\uXXXX` (no bidi spoofing), at most 80 characters. */
function quote(s: string): string {
  const t = s.length > 80 ? `${s.slice(0, 80)}…` : s;
  return JSON.stringify(t).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
const clip = (s: string | undefined, n: number) => (s === undefined ? undefined : s.length > n ? `${s.slice(0, n)}…` : s);

/** API group (part of apiVersion before `/`; '' for core `v1`); undefined when apiVersion is absent. */
function apiGroup(apiVersion: unknown): string | undefined {
  if (typeof apiVersion !== 'string' || apiVersion === '') return undefined;
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** Accepted API groups per mapped kind: the model's `api.group` and `api.legacyGroups` (lib/graph/model.ts). */
const KIND_GROUPS: Record<string, readonly string[]> = Object.fromEntries(
  NODE_KIND_KEYS.flatMap((k) => {
    const spec: NodeKindSpec = NODE_KINDS[k];
    return spec.provider === 'k8s' && spec.api ? [[spec.kind, [spec.api.group, ...(spec.api.legacyGroups ?? [])]]] : [];
  }),
);

/** API kinds with a pod template (lib/graph/model.ts `workload: true`). */
const WORKLOAD_KINDS = new Set<string>(WORKLOAD_KIND_KEYS.map((k) => NODE_KINDS[k].kind));

/** Core / well-known kinds that are cluster-scoped although their name does not start with `Cluster`. */
const CLUSTER_SCOPED_KINDS = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'StorageClass', 'CustomResourceDefinition', 'APIService', 'PriorityClass',
  'IngressClass', 'CSIDriver', 'VolumeSnapshotClass', 'RuntimeClass', 'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
]);

/** RBAC verbs whose grant on named Secrets is a mention (reading or changing them). */
const SECRET_VERBS = new Set(['get', 'list', 'watch', 'update', 'patch', 'delete', '*']);
/** …on named ServiceAccounts (`impersonate`: act as them); `create` on `serviceaccounts/token` mints tokens. */
const SA_VERBS = new Set([...SECRET_VERBS, 'impersonate']);

/** Legacy in-tree volume types whose secret is named by `secretRef.name` (azureFile: `secretName`). */
/** The ConfigMap Kubernetes publishes in every namespace (the cluster CA, key `ca.crt`), read by every pod's token volume. */
const ROOT_CA_CONFIG_MAP = 'kube-root-ca.crt';

const IN_TREE_SECRET_VOLUMES = ['cephfs', 'rbd', 'iscsi', 'flexVolume', 'scaleIO', 'storageos', 'cinder'] as const;

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const GKE_WI_ANNOTATION = 'iam.gke.io/gcp-service-account';
const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';
/** Largest decoded value that is tried as a GCP key file (real key files are ~2.3 KiB). */
const MAX_KEY_FILE_BYTES = 64 * 1024;

function isoTime(v: unknown): string | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString();
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isObj(v)) return undefined;
  const out: Record<string, string> = {};
  let n = 0;
  for (const [k, val] of Object.entries(v)) {
    if (k === LAST_APPLIED) continue;
    out[k] = typeof val === 'string' ? val : String(val);
    n++;
  }
  return n ? out : undefined;
}

/** Drops undefined values so properties stay small and JSON-clean. */
function compact(o: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

const sortedUnique = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

/** Strict standard base64 alphabet with at most two trailing `=` (no backtracking: safe on multi-megabyte values). */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes strict standard base64 (Go's decoder also skips \r and \n, so they are removed first); null if invalid. */
function decodeBase64(s: string): Buffer | null {
  const clean = s.includes('\n') || s.includes('\r') ? s.replace(/[\r\n]/g, '') : s;
  if (clean.length % 4 !== 0 || !BASE64.test(clean)) return null;
  return Buffer.from(clean, 'base64');
}

function scalarBytes(v: unknown): Buffer | null {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (typeof v === 'number' || typeof v === 'boolean') return Buffer.from(String(v), 'utf8');
  if (v === null) return Buffer.alloc(0);
  return null;
}

/** Public fields of the first certificate of a PEM chain, or an error marker; never throws. */
function certificateSummary(pem: Buffer): Record<string, unknown> {
  const text = pem.toString('latin1');
  const m = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text);
  if (!m) return { error: 'no PEM certificate in tls.crt' };
  try {
    const c = new X509Certificate(m[0]);
    const san = c.subjectAltName ? c.subjectAltName.split(/,\s*/).filter(Boolean) : [];
    return compact({
      subject: c.subject,
      issuer: c.issuer,
      subjectAltName: san,
      validFrom: new Date(c.validFrom).toISOString(),
      validTo: new Date(c.validTo).toISOString(),
      serialNumber: c.serialNumber,
      chainLength: text.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 1,
    });
  } catch {
    return { error: 'tls.crt does not parse as an X.509 certificate' };
  }
}

/** What a GCP key file links by (read transiently; the file itself is dropped). */
export interface KeyFileRef {
  keyId: string;
  clientEmail: string;
  project: string;
  nested?: string;
}

/** Reads `private_key_id`, `client_email` and the project of a service-account key file; null when not one. */
function keyFileRef(j: unknown): KeyFileRef | null {
  if (!isObj(j) || j.type !== 'service_account') return null;
  const keyId = str(j.private_key_id);
  const clientEmail = str(j.client_email);
  if (!keyId || !clientEmail || !NAME_OK.test(keyId) || !NAME_OK.test(clientEmail)) return null;
  const project = validName(j.project_id) ?? /^[^@]+@([a-z0-9-]+)\.iam\.gserviceaccount\.com$/i.exec(clientEmail)?.[1];
  if (!project) return null;
  return { keyId, clientEmail, project };
}

/**
 * When `bytes` is a GCP service-account key file (`type: service_account` with `private_key_id` and
 * `client_email`; or an `impersonated_service_account` file whose `source_credentials` is one), returns its key
 * id, email and project. The parsed JSON is dropped before returning. `external_account`, `authorized_user` and
 * `gdch_service_account` files are not GCP IAM keys and give null.
 */
export function detectKeyFile(bytes: Uint8Array): KeyFileRef | null {
  if (bytes.length < 2 || bytes.length > MAX_KEY_FILE_BYTES) return null;
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] !== 0x7b /* { */) return null;
  let j: unknown;
  try {
    j = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    return null;
  }
  const direct = keyFileRef(j);
  if (direct) return direct;
  if (isObj(j) && j.type === 'impersonated_service_account') {
    const src = keyFileRef(j.source_credentials);
    if (src) return { ...src, nested: 'source_credentials' };
  }
  return null;
}

const ARRAY_PROPS = new Set(['mountPaths', 'subPathMounts', 'hosts', 'containers', 'fields']);

/** Merges `b` into `a` (same edgeKey): keys union (undefined = whole Secret wins), optional only when both are,
 * array properties unioned; other scalars keep the first value. */
function mergeEdge(a: EdgeRecord, b: EdgeRecord): void {
  const pa = a.properties;
  const pb = b.properties;
  if ('keys' in pa || 'keys' in pb) {
    pa.keys = pa.keys && pb.keys ? sortedUnique([...pa.keys, ...pb.keys]) : undefined;
    if (pa.keys === undefined) delete pa.keys;
  }
  if (pa.optional !== undefined || pb.optional !== undefined) pa.optional = pa.optional === true && pb.optional === true;
  for (const [k, v] of Object.entries(pb)) {
    if (k === 'keys' || k === 'optional') continue;
    if (ARRAY_PROPS.has(k) && Array.isArray(v)) {
      const cur = Array.isArray(pa[k]) ? (pa[k] as string[]) : [];
      pa[k] = sortedUnique([...cur, ...(v as string[])]);
    } else if (pa[k] === undefined && v !== undefined) {
      pa[k] = v;
    }
  }
}

/** One mention found by {@link scanMentions}. */
export interface Mention {
  target: 'Secret' | 'ServiceAccount';
  name: string;
  /** JSON path from the object root, e.g. `spec.provider.vault.auth.tokenSecretRef.name`, `spec.secrets[0]`. */
  field: string;
  /** Data key named next to the name (`{name, key}` selectors). */
  key?: string;
  /** Namespace named by the ref itself (`{name, namespace}`), when it is a valid DNS-1123 label. */
  namespace?: string;
  /** `optional: true` on the ref. */
  optional?: true;
}

/** Limits of the scan (hostile input: deep or huge specs). */
export const MENTION_SCAN_LIMITS = { maxDepth: 24, maxVisits: 20_000, maxMentions: 256, maxKeys: 1_000, maxItems: 2_000 } as const;

/** String-valued keys that hold a Secret name. */
const SECRET_NAME_KEYS = new Set(['secretName', 'existingSecret', 'credentialName', 'configSecret']);
/** `*SecretRef` / `secretRef` keys (object with `name`). */
const SECRET_REF_KEY = /(?:^s|S)ecretRef$/;
/** `*Secret` / `secret` keys (selector object with `name`). */
const SECRET_OBJ_KEY = /(?:^s|S)ecret$/;
/** `*ServiceAccountRef` / `serviceAccountRef` keys (object with `name`). */
const SA_REF_KEY = /(?:^s|S)erviceAccountRef$/;
/** Keys under which a bare `{name, key}` object is a Secret key selector. */
const SECRETISH_KEY = /secret|password|passwd|username|credential|token|basicauth|authorization|accesskey|apikey|privatekey/i;
/** prometheus-operator SecretKeySelector fields whose names say nothing about secrets. */
const PROMETHEUS_SECRET_SELECTORS = new Set([
  'additionalScrapeConfigs', 'additionalAlertManagerConfigs', 'additionalAlertRelabelConfigs', 'objectStorageConfig',
  'tracingConfig', 'alertmanagersConfig', 'queryConfig',
]);
const CONFIGMAPISH_KEY = /configmap/i;

/**
 * Mentions known to be required (`required: true` on the edge): the object's controller cannot do its work without
 * the named object. By API group, optionally kinds and a field-path pattern. A ref with `optional: true` is never
 * required.
 * - external-secrets.io SecretStore / ClusterSecretStore: every ref under `spec.provider` (the store's credentials);
 * - cert-manager.io Issuer / ClusterIssuer: every ref (ACME account key, CA key pair, Vault/Venafi/DNS-01 credentials);
 * - monitoring.coreos.com (prometheus-operator): every ref (the operator rejects resources whose Secrets are absent;
 *   the pods of Prometheus / Alertmanager run as `serviceAccountName`);
 * - networking.istio.io Gateway: `credentialName` (the TLS server certificate).
 */
const REQUIRED_MENTIONS: ReadonlyArray<{ group: string; kinds?: readonly string[]; field?: RegExp }> = [
  { group: 'external-secrets.io', kinds: ['SecretStore', 'ClusterSecretStore'], field: /^spec\.provider\./ },
  { group: 'cert-manager.io', kinds: ['Issuer', 'ClusterIssuer'] },
  { group: 'monitoring.coreos.com' },
  { group: 'networking.istio.io', kinds: ['Gateway'], field: /\.credentialName$/ },
];

/** Whether a mention at `field` of an object of `group`/`kind` is known to be required ({@link REQUIRED_MENTIONS}). */
function requiredMention(group: string, kind: string, field: string): boolean {
  return REQUIRED_MENTIONS.some((r) => r.group === group && (!r.kinds || r.kinds.includes(kind)) && (!r.field || r.field.test(field)));
}

/** `.key` or `["odd key"]`: one JSON path step. */
const step = (path: string, k: string) => (/^[A-Za-z0-9_$-]{1,100}$/.test(k) ? (path ? `${path}.${k}` : k) : `${path}[${JSON.stringify(k.slice(0, 100))}]`);

/** A mention target name: a DNS-1123 subdomain (Secret and ServiceAccount names are), so a secret value in a
 * mistaken field is unlikely to be taken for a name (and a name is never a value). */
const targetName = (v: unknown): string | undefined => (typeof v === 'string' && DNS_SUBDOMAIN.test(v) ? v : undefined);

/**
 * Finds the Secrets and ServiceAccounts an object of a kind keygraph does not model names, by field-name
 * convention, walking `spec` (only `spec`: status and metadata are not references). Rules, for every key `k` at
 * any depth (path `p`), where "a ref object" is an object with a string `name` (optional `key`, `namespace`,
 * `optional`):
 * 1. `k` ∈ {`secretName`, `existingSecret`, `credentialName` (Istio), `configSecret` (Alertmanager)} or `k` ends in
 *    `SecretName`, with a string value → Secret (field `p`).
 * 2. `k` is `secretRef` or ends in `SecretRef` (`tokenSecretRef`, `privateKeySecretRef`,
 *    `secretAccessKeySecretRef`, `apiTokenSecretRef`…), value a ref object → Secret (field `p.name`; `key`,
 *    `namespace` kept).
 * 3. `k` is `secret` or ends in `Secret` (`bearerTokenSecret`, `keySecret`, `clientSecret`), value a ref object →
 *    Secret. (A string under such a key is never read: it may be a value.)
 * 4. value an object with exactly `name` and `key` (and optionally `optional`), under a secret-ish key: `k` or the
 *    parent key matches /secret|password|username|credential|token|basicAuth|authorization|accessKey|apiKey|
 *    privateKey/i (prometheus-operator `basicAuth.username`, `authorization.credentials`, `sigv4.accessKey`), or
 *    `k` is a prometheus-operator SecretKeySelector field (`additionalScrapeConfigs`,
 *    `additionalAlertManagerConfigs`, `additionalAlertRelabelConfigs`, `objectStorageConfig`, `tracingConfig`,
 *    `alertmanagersConfig`, `queryConfig`) → Secret, unless `k` or the parent key names a ConfigMap.
 * 5. `k` is `serviceAccountRef` or ends in `ServiceAccountRef`, value a ref object → ServiceAccount.
 * 6. any ref object with `kind: Secret` or `kind: ServiceAccount` (Flux `valuesFrom`) → that kind.
 * 7. `k` is `secrets` with an array value (Alertmanager/Prometheus `spec.secrets`): each string item, or each
 *    item's `name` → Secret (field `p[i]` / `p[i].name`); `k` is `imagePullSecrets`: each item's `name` → Secret.
 * 8. `k` is `serviceAccountName` or `serviceAccount` with a string value → ServiceAccount.
 * Names must be DNS-1123 subdomains. A matched ref object is not descended into. Bounded by
 * {@link MENTION_SCAN_LIMITS} (depth, values visited, mentions, keys per object, items per array): beyond them the
 * scan stops silently, keeping what it found.
 */
export function scanMentions(obj: unknown): Mention[] {
  const out: Mention[] = [];
  const L = MENTION_SCAN_LIMITS;
  let visits = 0;
  const spec = isObj(obj) ? obj.spec : undefined;
  if (!isObj(spec)) return out;
  const push = (m: Mention) => {
    if (out.length < L.maxMentions) out.push(compact({ ...m }) as unknown as Mention);
  };
  const refOf = (target: Mention['target'], v: Obj, field: string): boolean => {
    const name = targetName(v.name);
    if (!name) return false;
    const ns = typeof v.namespace === 'string' && DNS_LABEL.test(v.namespace) ? v.namespace : undefined;
    if (typeof v.namespace === 'string' && v.namespace !== '' && !ns) return true; // names an unusable namespace: no mention
    push({ target, name, field: `${field}.name`, key: str(v.key), namespace: ns, optional: v.optional === true ? true : undefined });
    return true;
  };
  const isKeySelector = (v: Obj) => typeof v.name === 'string' && typeof v.key === 'string' && Object.keys(v).every((k) => k === 'name' || k === 'key' || k === 'optional');

  const walk = (v: unknown, path: string, key: string, parentKey: string, depth: number): void => {
    if (++visits > L.maxVisits || depth > L.maxDepth || out.length >= L.maxMentions) return;
    if (Array.isArray(v)) {
      const n = Math.min(v.length, L.maxItems);
      for (let i = 0; i < n; i++) {
        const item = v[i];
        const p = `${path}[${i}]`;
        if (isObj(item) && (item.kind === 'Secret' || item.kind === 'ServiceAccount') && refOf(item.kind as Mention['target'], item, p)) continue;
        walk(item, p, key, parentKey, depth + 1);
      }
      return;
    }
    if (!isObj(v)) return;
    let seen = 0;
    for (const k in v) {
      if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
      if (++seen > L.maxKeys || out.length >= L.maxMentions) break;
      const val = v[k];
      const p = step(path, k);
      if (typeof val === 'string') {
        if (SECRET_NAME_KEYS.has(k) || k.endsWith('SecretName')) {
          const name = targetName(val);
          if (name) push({ target: 'Secret', name, field: p });
        } else if (k === 'serviceAccountName' || k === 'serviceAccount') {
          const name = targetName(val);
          if (name) push({ target: 'ServiceAccount', name, field: p });
        }
        continue;
      }
      if (Array.isArray(val) && (k === 'secrets' || k === 'imagePullSecrets')) {
        const n = Math.min(val.length, L.maxItems);
        for (let i = 0; i < n; i++) {
          const item = val[i];
          if (k === 'secrets' && typeof item === 'string') {
            const name = targetName(item);
            if (name) push({ target: 'Secret', name, field: `${p}[${i}]` });
          } else if (isObj(item)) refOf('Secret', item, `${p}[${i}]`);
        }
        continue;
      }
      if (isObj(val) && typeof val.name === 'string') {
        const cm = CONFIGMAPISH_KEY.test(k) || CONFIGMAPISH_KEY.test(key);
        let matched = false;
        if (SECRET_REF_KEY.test(k) || SECRET_OBJ_KEY.test(k)) matched = refOf('Secret', val, p);
        else if (SA_REF_KEY.test(k)) matched = refOf('ServiceAccount', val, p);
        else if (val.kind === 'Secret' || val.kind === 'ServiceAccount') matched = refOf(val.kind as Mention['target'], val, p);
        else if (!cm && isKeySelector(val) && (SECRETISH_KEY.test(k) || SECRETISH_KEY.test(key) || PROMETHEUS_SECRET_SELECTORS.has(k))) {
          matched = refOf('Secret', val, p);
        }
        if (matched) continue;
      }
      if (typeof val === 'object' && val !== null) walk(val, p, k, key, depth + 1);
    }
  };
  walk(spec, 'spec', 'spec', '', 0);
  return out;
}

interface Container {
  name: string;
  spec: Obj;
  list: 'containers' | 'initContainers' | 'ephemeralContainers';
}

/**
 * Creates a mapper. Field paths read:
 * - every object: `kind`, `apiVersion`, `metadata.{name,namespace,uid,creationTimestamp,labels,annotations,
 *   ownerReferences}` (annotations without `kubectl.kubernetes.io/last-applied-configuration`);
 * - pod specs (`spec` of a Pod, `spec.template.spec` of Deployment/StatefulSet/DaemonSet/ReplicaSet/Job,
 *   `spec.jobTemplate.spec.template.spec` of CronJob): `containers`, `initContainers`, `ephemeralContainers`
 *   (`name`, `image`, `env[].valueFrom.secretKeyRef`, `env[].value` of GOOGLE_APPLICATION_CREDENTIALS,
 *   `envFrom[].secretRef`, `volumeMounts`), `volumes[]` (`secret`, `projected.sources[].secret`,
 *   `csi.nodePublishSecretRef`, legacy `cephfs|rbd|iscsi|flexVolume|scaleIO|storageos|cinder.secretRef`,
 *   `azureFile.secretName`), `imagePullSecrets`, `serviceAccountName` / `serviceAccount`,
 *   `automountServiceAccountToken`; Pod `status.{phase,startTime,containerStatuses}`, `spec.nodeName`;
 *   `volumeMounts[].subPath|subPathExpr` of a Secret / projected volume: edge `subPath: true`, `subPathMounts`;
 * - workloads: Stakater Reloader annotations, normalised as property `reloader` (rotation.ts reloaderWorkload);
 * - Secret: `type`, `data` (base64), `stringData` (text), `immutable`; `tls.crt` of `kubernetes.io/tls` (never
 *   `tls.key`); annotations `kubernetes.io/service-account.{name,uid}`, Reloader `match` / `ignore` (property
 *   `reloader`);
 * - ServiceAccount: `secrets[].name`, `imagePullSecrets[].name`, `automountServiceAccountToken`, annotation
 *   `iam.gke.io/gcp-service-account`;
 * - Ingress: `spec.tls[].{secretName,hosts}`, `spec.ingressClassName`;
 * - Certificate: `spec.{secretName,dnsNames,commonName,issuerRef}`, `status.{notAfter,notBefore,renewalTime}`;
 * - Role / ClusterRole: `rules[].{apiGroups,resources,verbs,resourceNames,nonResourceURLs}`, ClusterRole
 *   `aggregationRule.clusterRoleSelectors[].matchLabels`; a rule of API group `''` (or `*`) with `resourceNames`
 *   granting get/list/watch/update/patch/delete/`*` on `secrets` → MENTIONS each named Secret (`field`
 *   `rules[i].resourceNames[j]`, `verbs`); on `serviceaccounts` (also `impersonate`) or `create` on
 *   `serviceaccounts/token` → MENTIONS each named ServiceAccount; on `configmaps` → MENTIONS each named ConfigMap.
 *   Role: in its namespace; ClusterRole: every object of that name seen (resolved in finish());
 * - ConfigMap: `data` and `binaryData` key names, per-key HMAC fingerprints, size, `immutable` (values dropped);
 *   pod specs' `env[].valueFrom.configMapKeyRef`, `envFrom[].configMapRef`, `volumes[].configMap` and projected
 *   `sources[].configMap` → USES_CONFIG_MAP (`via` env/envFrom/volume/projected, `keys`, `optional`);
 * - custom resources with rows in the reference table (references.ts): precise USES_SECRET / USES_CONFIG_MAP /
 *   RUNS_AS (`via` of the row's family, `field`, `fields`, `keys`, `optional`, `namespace` when another), the
 *   convention scan for their other fields; Secrets labelled for a controller that reads them by label (Argo CD)
 *   get `properties.usedBy`;
 * - ExternalSecret: `spec.target.{name,creationPolicy}` (name defaults to the ExternalSecret's name),
 *   `spec.secretStoreRef`, `spec.refreshInterval`; SealedSecret: `spec.template.{metadata.name,type}`,
 *   `spec.encryptedData` key names.
 *
 * Edges emitted (direction per docs/ARCHITECTURE.md): USES_SECRET (properties `via` ∈ model.SECRET_VIAS, `container`,
 * `envVar`, `volume`, `mountPaths` as `CONTAINER:PATH` strings, `keys`, `optional`, plus `volumeType` /
 * `driver` / `hosts` where relevant), RUNS_AS (`implicit: true` when no name was given, `deprecatedField: true`
 * for `serviceAccount`), OWNS (`controller`), PRODUCES, TOKEN_FOR, HOLDS_KEY (`dataKey`, `clientEmail`, `keys`),
 * ACTS_AS (KSA → GSA from the annotation: `annotation: true`), MENTIONS (`field`, `fields` when several fields name
 * the same target, `required`, `keys`, `namespace`, `optional`, RBAC `verbs`). Every edge's `originKind` is the kind
 * key of the object it was read from (absent for generic objects: the store takes the `from` node's kind). Targets
 * are not checked for existence: the store makes missing nodes.
 *
 * Namespaces: an object whose `metadata.namespace` is present but not a DNS-1123 label is skipped
 * (`invalid-namespace`), never moved to the default namespace. The same id twice: the later document replaces the
 * earlier one, node and edges (`duplicate-id` reported). Throws when `defaultNamespace` is not a DNS-1123 label.
 */
export function createKubernetesMapper(opts: KubernetesMapperOptions): KubernetesMapper {
  const { cluster, fingerprint } = opts;
  if (opts.defaultNamespace && !DNS_LABEL.test(opts.defaultNamespace)) {
    throw new Error(`default namespace ${quote(opts.defaultNamespace)} is not a valid namespace (a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters)`);
  }
  const defaultNs = opts.defaultNamespace || 'default';
  const nodes = new Map<string, NodeRecord>();
  const edges = new Map<string, EdgeRecord>();
  const namespaces = new Set<string>();
  /** Edge keys asserted by each object (node id), so that a later document with the same id replaces them. */
  const edgesByObject = new Map<string, Set<string>>();
  /** MENTIONS of a name in no particular namespace, resolved in finish(), by mentioning object. */
  const pendingByObject = new Map<string, Array<{ target: Mention['target'] | 'ConfigMap'; name: string; origin: NodeKindKey | undefined; props: EdgeProperties }>>();
  const genericKinds = new Set<string>();
  /** Pod labels (pod template labels of workloads, a Pod's own labels) by node id: Istio Gateway selectors. */
  const podLabels = new Map<string, { ns: string; labels: Record<string, string> }>();
  /** Istio Gateway `credentialName` references, resolved in finish() against {@link podLabels}. */
  const pendingIstio = new Map<string, Array<{ ns: string | null; selector: Record<string, string>; ref: FoundReference; name: string }>>();
  /** The object being added (edges are recorded against it). */
  let current = '';

  const id = (ns: string | null, kind: string, name: string) => k8sId(cluster, ns, kind, name);

  function skipped(s: SkippedObject): void {
    if (opts.onSkipped) opts.onSkipped(s);
    else if (s.reason !== 'kind-not-read') opts.onWarning?.(s.message);
  }

  /** Adds an edge asserted by the current object. `originKind` absent: the store uses the `from` node's kind. */
  function addEdge(kind: EdgeKind, from: string, to: string, originKind: NodeKindKey | undefined, properties: EdgeProperties): void {
    const props = compact(properties) as EdgeProperties;
    const e: EdgeRecord = { kind, from, to, properties: props };
    if (originKind) e.originKind = originKind;
    const k = edgeKey(e);
    const prev = edges.get(k);
    if (prev && kind === 'MENTIONS') mergeMention(prev.properties, props);
    else if (prev) mergeEdge(prev, e);
    else edges.set(k, e);
    let mine = edgesByObject.get(current);
    if (!mine) edgesByObject.set(current, (mine = new Set()));
    mine.add(k);
  }

  /** Several fields of one object mention the same target: one edge, `field` the first, `fields` all of them. */
  function mergeMention(a: EdgeProperties, b: EdgeProperties): void {
    const fields = Array.isArray(a.fields) ? (a.fields as string[]) : [a.field as string];
    if (typeof b.field === 'string' && !fields.includes(b.field)) fields.push(b.field);
    if (fields.length > 1) a.fields = fields;
    if (b.required === true) a.required = true;
    if (a.keys || b.keys) {
      a.keys = a.keys && b.keys ? sortedUnique([...a.keys, ...b.keys]) : undefined;
      if (a.keys === undefined) delete a.keys;
    }
    if (Array.isArray(b.verbs)) a.verbs = sortedUnique([...((a.verbs as string[] | undefined) ?? []), ...(b.verbs as string[])]);
  }

  /** A MENTIONS edge from the current object; `ns` null: every target of that name seen (resolved in finish()). */
  function mention(from: string, target: Mention['target'] | 'ConfigMap', ns: string | null, name: string, origin: NodeKindKey | undefined, props: EdgeProperties): void {
    if (ns) {
      addEdge('MENTIONS', from, id(ns, target, name), origin, props);
      return;
    }
    let l = pendingByObject.get(from);
    if (!l) pendingByObject.set(from, (l = []));
    l.push({ target, name, origin, props });
  }

  /** Edge kind of a table reference to each target kind. */
  const REFERENCE_EDGE: Record<ReferenceTarget, EdgeKind> = { Secret: 'USES_SECRET', ConfigMap: 'USES_CONFIG_MAP', ServiceAccount: 'RUNS_AS' };

  /**
   * A precise edge for table reference `r` of the current object (namespace `objNs`, null when cluster-scoped) to
   * `name` in `targetNs`; `targetNs` null (a cluster-scoped object whose ref names no namespace): a required
   * MENTIONS of every target of that name seen, as the convention scan would make (ConfigMaps included).
   */
  function reference(from: string, objNs: string | null, targetNs: string | null, r: FoundReference, name: string): void {
    const props: EdgeProperties = {
      via: r.row.via, field: r.field, fields: [r.field], keys: r.keys, optional: r.optional, defaulted: r.defaulted,
      namespace: targetNs && targetNs !== objNs ? targetNs : undefined,
    };
    if (!targetNs) {
      const l = pendingByObject.get(from) ?? [];
      pendingByObject.set(from, l);
      l.push({ target: r.row.target, name, origin: undefined, props: compact({ field: r.field, via: r.row.via, required: r.optional ? undefined : true, keys: r.keys, optional: r.optional || undefined }) as EdgeProperties });
      return;
    }
    addEdge(REFERENCE_EDGE[r.row.target], from, id(targetNs, r.row.target, name), undefined, props);
  }

  /**
   * Adds the edges of table references `refs` found in object `o` (node `nodeId`, namespace `ns`, null when
   * cluster-scoped): namespace by the row's rule (references.ts NamespaceRule; Istio's resolved in finish()).
   * Returns the fields and `TARGET/NAME`s covered, for the convention scan to skip.
   */
  function applyReferences(o: Obj, nodeId: string, ns: string | null, refs: FoundReference[]): { coveredFields: Set<string>; coveredTargets: Set<string> } {
    const coveredFields = new Set<string>();
    const coveredTargets = new Set<string>();
    for (const r of refs) {
      coveredFields.add(r.field);
      const target = targetName(r.name);
      if (!target) continue;
      coveredTargets.add(`${r.row.target}/${target}`);
      if (r.row.namespace?.istioGatewayWorkload) {
        const selector = stringMap(obj(o.spec)?.selector) ?? {};
        let l = pendingIstio.get(nodeId);
        if (!l) pendingIstio.set(nodeId, (l = []));
        l.push({ ns, selector, ref: r, name: target });
        continue;
      }
      const sib = r.siblingNamespace && DNS_LABEL.test(r.siblingNamespace) ? r.siblingNamespace : undefined;
      const targetNs = sib ?? ns ?? r.row.namespace?.clusterDefault ?? null;
      reference(nodeId, ns, targetNs, r, target);
    }
    return { coveredFields, coveredTargets };
  }

  /** Merges convention-scan mention `m` into the precise edges from `from` to `to` (see addGeneric). */
  function foldIntoPrecise(from: string, to: string, m: Mention): void {
    for (const k of edgesByObject.get(from) ?? []) {
      const e = edges.get(k);
      if (!e || e.to !== to || e.kind === 'MENTIONS') continue;
      const p = e.properties;
      p.fields = sortedUnique([...((p.fields as string[] | undefined) ?? []), m.field]);
      if (!m.key) delete p.keys;
      else if (p.keys) p.keys = sortedUnique([...p.keys, m.key]);
    }
  }

  /** Drops what an earlier document with this id asserted (the later document replaces it). */
  function forget(nodeId: string): void {
    for (const k of edgesByObject.get(nodeId) ?? []) edges.delete(k);
    edgesByObject.delete(nodeId);
    pendingByObject.delete(nodeId);
    pendingIstio.delete(nodeId);
    podLabels.delete(nodeId);
  }

  function useSecret(from: string, ns: string, secretName: unknown, origin: NodeKindKey, props: EdgeProperties): void {
    const name = validName(secretName);
    if (!name) return;
    addEdge('USES_SECRET', from, id(ns, 'Secret', name), origin, props);
  }

  function useConfigMap(from: string, ns: string, configMapName: unknown, origin: NodeKindKey | undefined, props: EdgeProperties): void {
    const name = validName(configMapName);
    if (!name) return;
    addEdge('USES_CONFIG_MAP', from, id(ns, 'ConfigMap', name), origin, props);
  }

  function commonProps(o: Obj, md: Obj): Record<string, unknown> {
    const owners = objs(md.ownerReferences)
      .map((r) => compact({ kind: str(r.kind), name: str(r.name), controller: r.controller === true ? true : undefined }))
      .filter((r) => r.kind && r.name);
    return compact({
      apiVersion: str(o.apiVersion),
      uid: str(md.uid),
      creationTimestamp: isoTime(md.creationTimestamp),
      labels: stringMap(md.labels),
      annotations: stringMap(md.annotations),
      ownerReferences: owners.length ? owners : undefined,
    });
  }

  // ---------------------------------------------------------------- pod specs

  function containersOf(spec: Obj): Container[] {
    const out: Container[] = [];
    for (const list of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
      for (const c of objs(spec[list])) out.push({ name: str(c.name) ?? '', spec: c, list });
    }
    return out;
  }

  function mapPodSpec(from: string, ns: string, origin: NodeKindKey, spec: Obj, props: Record<string, unknown>): void {
    const containers = containersOf(spec);
    const volumes = objs(spec.volumes);
    const volumesByName = new Map<string, Obj>();
    for (const v of volumes) {
      const n = str(v.name);
      if (n) volumesByName.set(n, v);
    }

    // Node properties of the workload / pod.
    const summary = (list: Container['list']) => {
      const cs = containers.filter((c) => c.list === list).map((c) => compact({ name: c.name, image: str(c.spec.image) }));
      return cs.length ? cs : undefined;
    };
    const saExplicit = str(spec.serviceAccountName) ?? str(spec.serviceAccount);
    props.containers = summary('containers');
    props.initContainers = summary('initContainers');
    props.serviceAccountName = saExplicit ?? 'default';
    if (typeof spec.automountServiceAccountToken === 'boolean') props.automountServiceAccountToken = spec.automountServiceAccountToken;

    // env / envFrom
    for (const c of containers) {
      for (const env of objs(c.spec.env)) {
        const ref = obj(obj(env.valueFrom)?.secretKeyRef);
        if (ref) {
          const key = str(ref.key);
          useSecret(from, ns, ref.name, origin, {
            via: 'env', container: c.name, envVar: str(env.name), keys: key ? [key] : undefined, optional: ref.optional === true,
          });
        }
      }
      for (const env of objs(c.spec.env)) {
        const ref = obj(obj(env.valueFrom)?.configMapKeyRef);
        if (ref) {
          const key = str(ref.key);
          useConfigMap(from, ns, ref.name, origin, {
            via: 'env', container: c.name, envVar: str(env.name), keys: key ? [key] : undefined, optional: ref.optional === true,
          });
        }
      }
      for (const ef of objs(c.spec.envFrom)) {
        const ref = obj(ef.secretRef);
        if (ref) useSecret(from, ns, ref.name, origin, { via: 'envFrom', container: c.name, optional: ref.optional === true });
        const cm = obj(ef.configMapRef);
        if (cm) useConfigMap(from, ns, cm.name, origin, { via: 'envFrom', container: c.name, optional: cm.optional === true });
      }
    }

    // volumes: mount paths of each volume, over all containers; mounts with `subPath` / `subPathExpr` apart (the
    // kubelet never refreshes a file mounted that way: a rotated value needs a restart).
    const mounts = new Map<string, string[]>();
    const subPathMounts = new Map<string, string[]>();
    for (const c of containers) {
      for (const m of objs(c.spec.volumeMounts)) {
        const vn = str(m.name);
        const mp = str(m.mountPath);
        if (!vn || !mp) continue;
        let l = mounts.get(vn);
        if (!l) mounts.set(vn, (l = []));
        l.push(`${c.name}:${mp}`);
        if (str(m.subPath) || str(m.subPathExpr)) {
          let sl = subPathMounts.get(vn);
          if (!sl) subPathMounts.set(vn, (sl = []));
          sl.push(`${c.name}:${mp}`);
        }
      }
    }
    const mountPathsOf = (vn: string) => {
      const l = mounts.get(vn);
      return l?.length ? sortedUnique(l) : undefined;
    };
    /** `subPath: true` and the `CONTAINER:PATH` mounts using it, for a Secret or projected volume. */
    const subPathOf = (vn: string): EdgeProperties => {
      const l = subPathMounts.get(vn);
      return l?.length ? { subPath: true, subPathMounts: sortedUnique(l) } : {};
    };
    const itemKeys = (items: unknown) => {
      const ks = objs(items).map((i) => str(i.key)).filter((k): k is string => !!k);
      return Array.isArray(items) && items.length ? sortedUnique(ks) : undefined;
    };

    for (const v of volumes) {
      const vn = str(v.name);
      if (!vn) continue;
      const mountPaths = mountPathsOf(vn);
      const sec = obj(v.secret);
      if (sec) {
        useSecret(from, ns, sec.secretName, origin, {
          via: 'volume', volume: vn, mountPaths, keys: itemKeys(sec.items), optional: sec.optional === true, ...subPathOf(vn),
        });
      }
      const cmv = obj(v.configMap);
      if (cmv) {
        useConfigMap(from, ns, cmv.name, origin, {
          via: 'volume', volume: vn, mountPaths, keys: itemKeys(cmv.items), optional: cmv.optional === true,
        });
      }
      const projected = obj(v.projected);
      if (projected) {
        for (const src of objs(projected.sources)) {
          const s = obj(src.secret);
          if (s) useSecret(from, ns, s.name, origin, {
            via: 'projected', volume: vn, mountPaths, keys: itemKeys(s.items), optional: s.optional === true, ...subPathOf(vn),
          });
          const cm = obj(src.configMap);
          if (cm) useConfigMap(from, ns, cm.name, origin, {
            via: 'projected', volume: vn, mountPaths, keys: itemKeys(cm.items), optional: cm.optional === true,
          });
        }
      }
      const csi = obj(v.csi);
      if (csi) {
        const ref = obj(csi.nodePublishSecretRef);
        if (ref) useSecret(from, ns, ref.name, origin, { via: 'csi', volume: vn, mountPaths, driver: str(csi.driver), optional: false });
        // Secrets Store CSI driver: the pod needs its SecretProviderClass (collectors/secret-manager/links.ts).
        const spc = csi.driver === SECRETS_STORE_CSI_DRIVER ? validName(obj(csi.volumeAttributes)?.secretProviderClass) : undefined;
        if (spc) addEdge('MENTIONS', from, id(ns, 'SecretProviderClass', spc), origin, { field: `spec.volumes[${vn}].csi.volumeAttributes.secretProviderClass`, volume: vn, mountPaths, required: true });
      }
      for (const t of IN_TREE_SECRET_VOLUMES) {
        const tv = obj(v[t]);
        const ref = tv && obj(tv.secretRef);
        if (ref) useSecret(from, ns, ref.name, origin, { via: 'inTreeVolume', volume: vn, volumeType: t, mountPaths, optional: false });
      }
      const az = obj(v.azureFile);
      if (az) useSecret(from, ns, az.secretName, origin, { via: 'inTreeVolume', volume: vn, volumeType: 'azureFile', mountPaths, optional: false });
    }

    // imagePullSecrets
    for (const ips of objs(spec.imagePullSecrets)) {
      useSecret(from, ns, ips.name, origin, { via: 'imagePullSecret', optional: false });
    }

    // GOOGLE_APPLICATION_CREDENTIALS pointing into a mounted secret volume.
    for (const c of containers) {
      for (const env of objs(c.spec.env)) {
        if (env.name !== 'GOOGLE_APPLICATION_CREDENTIALS') continue;
        const p = str(env.value);
        if (p) credentialsFile(from, ns, origin, c, p, volumesByName);
      }
    }

    // RUNS_AS
    const saName = validName(saExplicit) ?? 'default';
    addEdge('RUNS_AS', from, id(ns, 'ServiceAccount', saName), origin, {
      implicit: saExplicit ? undefined : true,
      deprecatedField: !str(spec.serviceAccountName) && str(spec.serviceAccount) ? true : undefined,
      // Pod-level setting; it overrides the ServiceAccount's (impact: is a legacy token Secret mounted?).
      automountServiceAccountToken: typeof spec.automountServiceAccountToken === 'boolean' ? spec.automountServiceAccountToken : undefined,
    });
  }

  /** Resolves a credentials file path to (secret, key) through the container's mounts of secret/projected volumes. */
  function credentialsFile(from: string, ns: string, origin: NodeKindKey, c: Container, filePath: string, volumes: Map<string, Obj>): void {
    let best: { mount: Obj; mountPath: string } | undefined;
    for (const m of objs(c.spec.volumeMounts)) {
      const mp = str(m.mountPath)?.replace(/\/+$/, '');
      if (mp === undefined) continue;
      const inside = filePath === mp || filePath.startsWith(mp + '/');
      if (inside && (!best || mp.length > best.mountPath.length)) best = { mount: m, mountPath: mp };
    }
    if (!best) return;
    const vol = volumes.get(str(best.mount.name) ?? '');
    if (!vol) return;
    // Path of the file inside the volume.
    let rel = filePath === best.mountPath ? '' : filePath.slice(best.mountPath.length + 1);
    const subPath = str(best.mount.subPath);
    if (subPath) rel = rel ? `${subPath.replace(/\/+$/, '')}/${rel}` : subPath;
    if (!rel) return;
    const base = rel.slice(rel.lastIndexOf('/') + 1);
    const props = (optional: boolean, key: string): EdgeProperties => ({
      via: 'googleApplicationCredentials', container: c.name, envVar: 'GOOGLE_APPLICATION_CREDENTIALS',
      volume: str(vol.name), keys: [key], optional,
    });
    const keyFor = (items: unknown): string | undefined => {
      const list = objs(items);
      if (!Array.isArray(items) || list.length === 0) return rel.includes('/') ? undefined : base;
      return str(list.find((i) => str(i.path) === rel)?.key);
    };
    const sec = obj(vol.secret);
    if (sec) {
      const key = keyFor(sec.items) ?? base;
      useSecret(from, ns, sec.secretName, origin, props(sec.optional === true, key));
      return;
    }
    const projected = obj(vol.projected);
    if (projected) {
      const sources = objs(projected.sources).map((s) => obj(s.secret)).filter((s): s is Obj => !!s);
      const match = sources.find((s) => Array.isArray(s.items) && keyFor(s.items));
      if (match) {
        useSecret(from, ns, match.name, origin, props(match.optional === true, keyFor(match.items)!));
      } else {
        const whole = sources.filter((s) => !Array.isArray(s.items) || s.items.length === 0);
        if (whole.length === 1) useSecret(from, ns, whole[0]!.name, origin, props(whole[0]!.optional === true, base));
      }
    }
  }

  // ---------------------------------------------------------------- per kind

  function mapSecret(o: Obj, nodeId: string, ns: string, props: Record<string, unknown>, metadataOnly: boolean): void {
    const md = obj(o.metadata)!;
    const type = str(o.type);
    props.type = type ?? (metadataOnly ? undefined : 'Opaque');
    if (typeof o.immutable === 'boolean') props.immutable = o.immutable;
    if (metadataOnly) {
      props.metadataOnly = true;
    } else {
      const data = obj(o.data) ?? {};
      const stringData = obj(o.stringData) ?? {};
      // stringData wins over data for the same key (as the API server merges them).
      const values = new Map<string, Buffer>();
      const invalidBase64: string[] = [];
      const invalidValue: string[] = [];
      for (const [k, v] of Object.entries(data)) {
        if (typeof v === 'string') {
          const dec = decodeBase64(v);
          if (dec) values.set(k, dec);
          else {
            values.set(k, Buffer.from(v, 'utf8'));
            invalidBase64.push(k);
          }
        } else {
          const b = scalarBytes(v);
          if (b) values.set(k, b);
          else invalidValue.push(k);
        }
      }
      for (const [k, v] of Object.entries(stringData)) {
        const b = scalarBytes(v);
        if (b) {
          values.set(k, b);
          const i = invalidBase64.indexOf(k);
          if (i >= 0) invalidBase64.splice(i, 1);
        } else invalidValue.push(k);
      }
      const fingerprints: Record<string, string> = {};
      let size = 0;
      const keys = sortedUnique([...values.keys(), ...invalidValue]);
      for (const k of [...values.keys()].sort()) {
        const b = values.get(k)!;
        fingerprints[k] = fingerprint(b);
        size += b.length;
        const kf = detectKeyFile(b);
        if (kf) {
          addEdge('HOLDS_KEY', nodeId, gcpKeyId(kf.project, kf.keyId), 'k8s:Secret', {
            dataKey: k, clientEmail: kf.clientEmail, keys: [k], nested: kf.nested,
          });
        }
      }
      props.dataKeys = keys;
      props.fingerprints = fingerprints;
      props.size = size;
      if (invalidBase64.length) props.invalidBase64Keys = invalidBase64.sort();
      if (invalidValue.length) props.invalidValueKeys = sortedUnique(invalidValue);
      if (type === 'kubernetes.io/tls') {
        const crt = values.get('tls.crt');
        if (crt) props.certificate = certificateSummary(crt);
      }
      values.clear();
    }
    const usedBy = usedByOf('Secret', str(md.name) ?? '', stringMap(md.labels), stringMap(md.annotations));
    if (usedBy.length) props.usedBy = usedBy;
    const anns = obj(md.annotations);
    props.reloader = reloaderTarget(anns);
    if (type === 'kubernetes.io/service-account-token' && anns) {
      const sa = validName(anns[SA_NAME_ANNOTATION]);
      if (sa) addEdge('TOKEN_FOR', nodeId, id(ns, 'ServiceAccount', sa), 'k8s:Secret', { serviceAccountUid: str(anns[SA_UID_ANNOTATION]) });
    }
  }

  /**
   * ConfigMap: `data` (text values, fingerprinted as their UTF-8 bytes) and `binaryData` (base64) → `dataKeys` (both
   * maps; a key in both is reported once, as the API server rejects it), `fingerprints` (HMAC per key, as for
   * Secrets), `size` (bytes), `binaryKeys`, `immutable`. Values are dropped here.
   */
  function mapConfigMap(o: Obj, nodeId: string, ns: string, props: Record<string, unknown>): void {
    if (typeof o.immutable === 'boolean') props.immutable = o.immutable;
    const md = obj(o.metadata)!;
    const consumers = apiConsumers('ConfigMap', str(md.name) ?? '', stringMap(md.labels), stringMap(md.annotations));
    const usedBy = usedByOf('ConfigMap', str(md.name) ?? '', stringMap(md.labels), stringMap(md.annotations));
    if (usedBy.length) props.usedBy = usedBy;
    if (consumers.some((c) => c.configRefs)) configRefs(o, nodeId, ns);
    const values = new Map<string, Buffer>();
    const invalid: string[] = [];
    for (const [k, v] of Object.entries(obj(o.data) ?? {})) {
      const b = scalarBytes(v);
      if (b) values.set(k, b);
      else invalid.push(k);
    }
    const binaryKeys: string[] = [];
    for (const [k, v] of Object.entries(obj(o.binaryData) ?? {})) {
      const dec = typeof v === 'string' ? decodeBase64(v) : null;
      if (dec) values.set(k, dec);
      else invalid.push(k);
      binaryKeys.push(k);
    }
    const fingerprints: Record<string, string> = {};
    let size = 0;
    for (const k of [...values.keys()].sort()) {
      const b = values.get(k)!;
      fingerprints[k] = fingerprint(b);
      size += b.length;
    }
    values.clear();
    props.dataKeys = sortedUnique([...Object.keys(fingerprints), ...invalid]);
    props.fingerprints = fingerprints;
    props.size = size;
    if (binaryKeys.length) props.binaryKeys = binaryKeys.sort();
    if (invalid.length) props.invalidValueKeys = sortedUnique(invalid);
  }

  /**
   * A controller configuration ConfigMap (references.ts `configRefs`): each `data` value parsed as YAML (JSON is
   * YAML), at most 256 KiB, and scanned by the convention scan as if it were a spec; each Secret / ServiceAccount it
   * names is a required MENTIONS from the ConfigMap in its namespace (the controller reads them there), `field`
   * `data.KEY.…`. Values are parsed here and dropped; a value that does not parse is skipped.
   */
  function configRefs(o: Obj, nodeId: string, ns: string): void {
    for (const [k, v] of Object.entries(obj(o.data) ?? {}).slice(0, 200)) {
      if (typeof v !== 'string' || v.length > 256 * 1024) continue;
      let parsed: unknown;
      try {
        parsed = parseYaml(v, { maxAliasCount: 50 });
      } catch {
        continue;
      }
      if (!isObj(parsed)) continue;
      for (const m of scanMentions({ spec: parsed })) {
        const field = step('data', k) + m.field.slice('spec'.length);
        mention(nodeId, m.target, m.namespace ?? ns, m.name, 'k8s:ConfigMap', {
          field, required: m.optional ? undefined : true, keys: m.key ? [m.key] : undefined, optional: m.optional,
        });
      }
    }
  }

  function mapServiceAccount(o: Obj, nodeId: string, ns: string, props: Record<string, unknown>): void {
    const md = obj(o.metadata)!;
    if (typeof o.automountServiceAccountToken === 'boolean') props.automountServiceAccountToken = o.automountServiceAccountToken;
    const gsa = str(obj(md.annotations)?.[GKE_WI_ANNOTATION])?.trim();
    if (gsa) {
      props.gcpServiceAccount = gsa;
      const project = /^[^@\s/]+@([a-z0-9-]+)\.iam\.gserviceaccount\.com$/i.exec(gsa)?.[1];
      if (project) addEdge('ACTS_AS', nodeId, gcpServiceAccountId(project, gsa), 'k8s:ServiceAccount', { annotation: true });
    }
    const automount = typeof o.automountServiceAccountToken === 'boolean' ? o.automountServiceAccountToken : undefined;
    for (const s of objs(o.secrets)) useSecret(nodeId, ns, s.name, 'k8s:ServiceAccount', { via: 'serviceAccountSecret', automountServiceAccountToken: automount });
    for (const s of objs(o.imagePullSecrets)) useSecret(nodeId, ns, s.name, 'k8s:ServiceAccount', { via: 'serviceAccountImagePullSecret' });
  }

  function mapIngress(o: Obj, nodeId: string, ns: string, props: Record<string, unknown>): void {
    const spec = obj(o.spec) ?? {};
    props.ingressClassName = str(spec.ingressClassName);
    const hosts: string[] = [];
    for (const r of objs(spec.rules)) if (str(r.host)) hosts.push(r.host as string);
    if (hosts.length) props.hosts = sortedUnique(hosts);
    for (const t of objs(spec.tls)) {
      const th = arr(t.hosts).filter((h): h is string => typeof h === 'string');
      useSecret(nodeId, ns, t.secretName, 'k8s:Ingress', { via: 'ingressTls', hosts: th.length ? sortedUnique(th) : undefined });
    }
  }

  function produces(from: string, ns: string, name: unknown, origin: NodeKindKey): void {
    const n = validName(name);
    if (n) addEdge('PRODUCES', from, id(ns, 'Secret', n), origin, {});
  }

  function mapProducer(kind: string, o: Obj, nodeId: string, ns: string, name: string, props: Record<string, unknown>): void {
    const spec = obj(o.spec) ?? {};
    const status = obj(o.status) ?? {};
    // status.conditions[type=Ready] (cert-manager, External Secrets, Sealed Secrets all set it): `ready`, `readyReason`.
    const ready = objs(status.conditions).find((c) => c.type === 'Ready');
    if (ready && (ready.status === 'True' || ready.status === 'False')) {
      props.ready = ready.status === 'True';
      props.readyReason = validName(ready.reason);
      // The controller's own words (cert-manager: "Issuing certificate as Secret was previously issued by …"); no values.
      if (ready.status === 'False') props.readyMessage = clip(str(ready.message), 500);
    }
    if (kind === 'Certificate') {
      const issuer = obj(spec.issuerRef);
      // cert-manager's `Issuing` condition: False with reason Failed when the last (re-)issuance failed.
      const issuing = objs(status.conditions).find((c) => c.type === 'Issuing');
      if (issuing?.status === 'False' && issuing.reason === 'Failed') {
        props.issuingFailed = true;
        props.issuingMessage = clip(str(issuing.message), 500);
      }
      Object.assign(props, {
        secretName: str(spec.secretName),
        commonName: str(spec.commonName),
        dnsNames: arr(spec.dnsNames).filter((d) => typeof d === 'string'),
        issuerRef: issuer ? compact({ kind: str(issuer.kind), name: str(issuer.name), group: str(issuer.group) }) : undefined,
        notBefore: isoTime(status.notBefore),
        notAfter: isoTime(status.notAfter),
        renewalTime: isoTime(status.renewalTime),
        failedIssuanceAttempts: typeof status.failedIssuanceAttempts === 'number' ? status.failedIssuanceAttempts : undefined,
        lastFailureTime: isoTime(status.lastFailureTime),
      });
      produces(nodeId, ns, spec.secretName, 'k8s:Certificate');
    } else if (kind === 'ExternalSecret') {
      const target = obj(spec.target) ?? {};
      const store = obj(spec.secretStoreRef);
      const targetName = str(target.name) ?? name;
      Object.assign(props, {
        targetName,
        creationPolicy: str(target.creationPolicy),
        secretStoreRef: store ? compact({ kind: str(store.kind), name: str(store.name) }) : undefined,
        refreshInterval: str(spec.refreshInterval),
        // Secret Manager keys it fetches (collectors/secret-manager/links.ts joins them through the store's project).
        remoteRefs: externalSecretRemoteRefs(spec).length ? externalSecretRemoteRefs(spec) : undefined,
      });
      produces(nodeId, ns, targetName, 'k8s:ExternalSecret');
    } else if (kind === 'SealedSecret') {
      const tpl = obj(spec.template) ?? {};
      const targetName = str(obj(tpl.metadata)?.name) ?? name;
      const enc = obj(spec.encryptedData);
      Object.assign(props, {
        targetName,
        secretType: str(tpl.type),
        encryptedKeys: enc ? Object.keys(enc).sort() : undefined,
      });
      produces(nodeId, ns, targetName, 'k8s:SealedSecret');
    }
  }

  // ---------------------------------------------------------------- RBAC

  /** Strings of a list field, capped (hostile input). */
  const strList = (v: unknown, max = 200): string[] =>
    arr(v).slice(0, max).filter((x): x is string => typeof x === 'string' && x.length <= 512);

  function mapRole(kind: 'Role' | 'ClusterRole', o: Obj, nodeId: string, ns: string | null, props: Record<string, unknown>): void {
    const origin: NodeKindKey = `k8s:${kind}`;
    const rules = objs(o.rules).slice(0, 500);
    props.rules = rules.map((r) => {
      const rule = compact({
        apiGroups: strList(r.apiGroups), resources: strList(r.resources), verbs: strList(r.verbs),
        resourceNames: Array.isArray(r.resourceNames) ? strList(r.resourceNames) : undefined,
        nonResourceURLs: Array.isArray(r.nonResourceURLs) ? strList(r.nonResourceURLs) : undefined,
      });
      return rule;
    });
    const agg = obj(o.aggregationRule);
    if (agg) {
      props.aggregationRule = {
        clusterRoleSelectors: objs(agg.clusterRoleSelectors).slice(0, 50).map((sel) => compact({ matchLabels: stringMap(sel.matchLabels) })),
      };
    }
    rules.forEach((r, i) => {
      const groups = strList(r.apiGroups);
      if (!groups.includes('') && !groups.includes('*')) return;
      const names = strList(r.resourceNames);
      if (!names.length) return;
      const verbs = strList(r.verbs);
      const resources = strList(r.resources);
      const onSecrets = resources.includes('secrets') && verbs.some((v) => SECRET_VERBS.has(v));
      const onSAs = (resources.includes('serviceaccounts') && verbs.some((v) => SA_VERBS.has(v)))
        || (resources.includes('serviceaccounts/token') && verbs.some((v) => v === 'create' || v === '*'));
      // Named ConfigMaps a Role lets someone read or change: read through the API (leader election, operators).
      const onConfigMaps = resources.includes('configmaps') && verbs.some((v) => SECRET_VERBS.has(v));
      if (!onSecrets && !onSAs && !onConfigMaps) return;
      names.forEach((n, j) => {
        if (!DNS_SUBDOMAIN.test(n)) return;
        const field = `rules[${i}].resourceNames[${j}]`;
        if (onSecrets) mention(nodeId, 'Secret', ns, n, origin, { field, verbs: sortedUnique(verbs.filter((v) => SECRET_VERBS.has(v))) });
        if (onSAs) mention(nodeId, 'ServiceAccount', ns, n, origin, { field, verbs: sortedUnique(verbs.filter((v) => SA_VERBS.has(v) || v === 'create')) });
        if (onConfigMaps) mention(nodeId, 'ConfigMap', ns, n, origin, { field, verbs: sortedUnique(verbs.filter((v) => SECRET_VERBS.has(v))) });
      });
    });
  }

  /**
   * RoleBinding / ClusterRoleBinding: `roleRef` → property `roleRef` {kind, name} and BINDS to the Role (of the
   * binding's namespace) or ClusterRole; `subjects[]` → property `subjects` [{kind, name, namespace?}] (User, Group,
   * ServiceAccount; others dropped), each ServiceAccount subject → BINDS_SUBJECT to `k8s:CLUSTER/NS/ServiceAccount/
   * NAME` (`namespace` required on a ClusterRoleBinding; a RoleBinding's defaults to its own namespace). Users and
   * Groups are identities outside the cluster's API: kept as properties, not nodes.
   */
  function mapBinding(kind: 'RoleBinding' | 'ClusterRoleBinding', o: Obj, nodeId: string, ns: string | null, props: Record<string, unknown>): void {
    const origin: NodeKindKey = `k8s:${kind}`;
    const ref = obj(o.roleRef);
    const refKind = str(ref?.kind);
    const refName = validName(ref?.name);
    if (ref && refName && (refKind === 'ClusterRole' || (refKind === 'Role' && ns !== null))) {
      props.roleRef = { kind: refKind, name: refName };
      addEdge('BINDS', nodeId, id(refKind === 'Role' ? ns : null, refKind, refName), origin, { field: 'roleRef' });
    }
    const subjects: { kind: string; name: string; namespace?: string }[] = [];
    objs(o.subjects).slice(0, 500).forEach((sub, i) => {
      const sk = str(sub.kind);
      const sn = typeof sub.name === 'string' && sub.name.length > 0 && sub.name.length <= 512 ? sub.name : undefined;
      if (!sn || (sk !== 'User' && sk !== 'Group' && sk !== 'ServiceAccount')) return;
      if (sk !== 'ServiceAccount') return void subjects.push({ kind: sk, name: sn });
      const raw = typeof sub.namespace === 'string' && sub.namespace !== '' ? sub.namespace : ns;
      if (!raw || !DNS_LABEL.test(raw) || !DNS_SUBDOMAIN.test(sn)) return;
      subjects.push({ kind: sk, name: sn, namespace: raw });
      addEdge('BINDS_SUBJECT', nodeId, id(raw, 'ServiceAccount', sn), origin, { field: `subjects[${i}]` });
    });
    props.subjects = subjects;
  }

  // ---------------------------------------------------------------- kinds keygraph does not model

  /**
   * An object of a kind the model does not declare: scanned for mentions ({@link scanMentions}); a node of its own
   * kind (`k8s:SecretStore`), with `generic: true`, only when it mentions something. Cluster-scoped when it has no
   * namespace and its kind starts with `Cluster` (or is a well-known cluster-scoped kind). Refs without a namespace
   * resolve to the object's namespace, or (cluster-scoped) to every Secret / ServiceAccount of that name.
   * A Vault Secrets Operator secret resource (rotation.ts vaultSecretFacts) is kept even without mentions: PRODUCES
   * its `spec.destination.name` Secret, properties `destination`, `destinationCreate`, `rolloutRestartTargets`. A
   * Gateway API Gateway keeps its TLS listeners (tls.ts gatewayListeners) as property `listeners`.
   */
  function addGeneric(o: Obj, kind: string, why: string): boolean {
    const md = obj(o.metadata);
    const apiVersion = clip(str(o.apiVersion), 253);
    const rawName = typeof md?.name === 'string' ? md.name : undefined;
    const rawNs = typeof md?.namespace === 'string' ? md.namespace : undefined;
    const notRead = () => {
      skipped({ kind: clip(kind, 100)!, apiVersion, name: clip(rawName, 253), namespace: clip(rawNs, 63), reason: 'kind-not-read', message: `${quote(kind)}${apiVersion ? ` (${quote(apiVersion)})` : ''} ${rawName ? `${quote(rawName)} ` : ''}not read: ${why}` });
      return false;
    };
    if (!KIND_OK.test(kind) || nodeKindKey('k8s', kind)) return notRead();
    const kindKey = `k8s:${kind}`;
    genericKinds.add(kindKey);
    const group = apiGroup(o.apiVersion) ?? '';
    const refs = findReferences(o, group, kind);
    const mentions = scanMentions(o);
    // Vault Secrets Operator resources write a Secret and may restart workloads (rotation.ts).
    const vso = vaultSecretFacts(apiGroup(o.apiVersion), kind, o);
    // Gateway API listeners' hostnames and certificateRefs (tls.ts): the tls-host-mismatch finding reads them.
    const listeners = gatewayListeners(apiGroup(o.apiVersion), kind, o);
    // Secret Manager stores and SecretProviderClasses (collectors/secret-manager/kubernetes-facts.ts).
    const sm = secretManagerFacts(apiGroup(o.apiVersion), kind, o);
    if (!mentions.length && !refs.length && !vso && !listeners && !sm) return notRead();
    const name = validName(md?.name);
    if (!md || !name) {
      skipped({ kind, apiVersion, name: clip(rawName, 253), namespace: clip(rawNs, 63), reason: 'invalid-name', message: `${kind} without a usable metadata.name ignored` });
      return false;
    }
    const nsField = md.namespace;
    const hasNs = nsField !== undefined && nsField !== null && nsField !== '';
    const clusterScoped = !hasNs && (kind.startsWith('Cluster') || CLUSTER_SCOPED_KINDS.has(kind));
    let ns: string | null = null;
    if (!clusterScoped) {
      const n = namespaceOf(kind, md, apiVersion, name);
      if (n === undefined) return false;
      ns = n;
    }
    const nodeId = id(ns, kind, name);
    begin(nodeId, kind, apiVersion, name, ns);
    // Precise references of the table first; the convention scan then skips what they covered (same field, or the
    // same target named in another field), so one object never has both a precise edge and a MENTIONS to a target.
    const { coveredFields, coveredTargets } = applyReferences(o, nodeId, ns, refs);
    for (const m of mentions) {
      if (coveredFields.has(m.field)) continue;
      if (coveredTargets.has(`${m.target}/${m.name}`)) {
        // Another field names a target the table already made a precise edge to: fold it into that edge (its field
        // and data key), so no key read there looks unused and no second edge is made.
        const targetNs = m.namespace ?? ns;
        if (targetNs) foldIntoPrecise(nodeId, id(targetNs, m.target, m.name), m);
        continue;
      }
      const required = m.optional ? undefined : requiredMention(group, kind, m.field) ? true : undefined;
      const targetNs = m.namespace ?? ns;
      mention(nodeId, m.target, targetNs, m.name, undefined, {
        field: m.field, required, keys: m.key ? [m.key] : undefined,
        namespace: m.namespace && m.namespace !== ns ? m.namespace : undefined, optional: m.optional,
      });
    }
    const extra: Record<string, unknown> = { listeners, ...sm };
    if (vso && ns) {
      addEdge('PRODUCES', nodeId, id(ns, 'Secret', vso.destination), undefined, {});
      Object.assign(extra, {
        destination: vso.destination, destinationCreate: vso.create,
        rolloutRestartTargets: vso.rolloutRestartTargets.length ? vso.rolloutRestartTargets : undefined,
      });
    }
    nodes.set(nodeId, {
      id: nodeId, provider: 'k8s', kind, realm: cluster, namespace: ns, name,
      properties: compact({ ...commonProps(o, md), generic: true, ...extra }),
    });
    return true;
  }

  // ---------------------------------------------------------------- add

  /**
   * The namespace of a namespaced object: `metadata.namespace`, or the default when absent or empty. Undefined (and
   * reported `invalid-namespace`) when present but not a DNS-1123 label: such an object is skipped, never moved to
   * the default namespace (where it would replace a real object).
   */
  function namespaceOf(kind: string, md: Obj, apiVersion: string | undefined, name: string): string | undefined {
    const v = md.namespace;
    if (v === undefined || v === null || v === '') return defaultNs;
    if (typeof v === 'string' && DNS_LABEL.test(v)) return v;
    const shown = typeof v === 'string' ? quote(v) : `of type ${Array.isArray(v) ? 'array' : typeof v}`;
    skipped({
      kind, apiVersion, name: clip(name, 253), namespace: typeof v === 'string' ? clip(v, 63) : undefined, reason: 'invalid-namespace',
      message: `${kind} ${quote(name)} skipped: metadata.namespace ${shown} is not a valid namespace (a DNS-1123 label); it is not moved to ${quote(defaultNs)}`,
    });
    return undefined;
  }

  /** Starts mapping object `nodeId`: an earlier document with the same id is replaced (and reported). */
  function begin(nodeId: string, kind: string, apiVersion: string | undefined, name: string, ns: string | null): void {
    current = nodeId;
    if (!nodes.has(nodeId)) return;
    forget(nodeId);
    nodes.delete(nodeId);
    skipped({
      kind, apiVersion, name, namespace: ns ?? undefined, reason: 'duplicate-id',
      message: `duplicate id ${nodeId}: a later document replaces the earlier one (its references are dropped, not merged)`,
    });
  }

  function add(input: unknown, asKind?: string): boolean {
    if (!isObj(input)) return false;
    const o = input;
    const rawKind = str(o.kind);
    if (!asKind && rawKind && rawKind.endsWith('List') && Array.isArray(o.items)) {
      let any = false;
      for (const item of o.items) any = add(item) || any;
      return any;
    }
    const partial = rawKind === 'PartialObjectMetadata' || apiGroup(o.apiVersion) === 'meta.k8s.io';
    const kind = asKind ?? rawKind;
    if (!kind) return false;
    const groups = KIND_GROUPS[kind];
    const group = apiGroup(o.apiVersion);
    if (!groups) return addGeneric(o, kind, 'a kind keygraph does not model, and no field of its spec mentions a Secret or ServiceAccount');
    if (group !== undefined && !groups.includes(group) && !(partial && asKind)) {
      return addGeneric(o, kind, `keygraph reads ${kind} of API group ${groups.map((g) => quote(g || 'core')).join(' or ')} only`);
    }
    const md = obj(o.metadata);
    const name = validName(md?.name);
    const apiVersion = clip(str(o.apiVersion), 253);
    if (!md || !name) {
      skipped({
        kind, apiVersion, name: clip(typeof md?.name === 'string' ? md.name : undefined, 253), reason: 'invalid-name',
        message: `${kind} without a usable metadata.name ignored`,
      });
      return false;
    }
    const kindKey = `k8s:${kind}` as NodeKindKey;
    const namespaced = NODE_KINDS[kindKey].namespaced;
    let ns: string | null = null;
    if (namespaced) {
      const n = namespaceOf(kind, md, apiVersion, name);
      if (n === undefined) return false;
      ns = n;
      namespaces.add(n);
    }
    const nodeId = id(ns, kind, name);
    begin(nodeId, kind, apiVersion, name, ns);
    const props = commonProps(o, md);

    if (ns === null) {
      if (kind === 'ClusterRole') mapRole(kind, o, nodeId, null, props);
      else if (kind === 'ClusterRoleBinding') mapBinding(kind, o, nodeId, null, props);
    } else if (kind === 'Secret') mapSecret(o, nodeId, ns, props, partial);
    else if (kind === 'ConfigMap') mapConfigMap(o, nodeId, ns, props);
    else if (kind === 'ServiceAccount') mapServiceAccount(o, nodeId, ns, props);
    else if (kind === 'Ingress') mapIngress(o, nodeId, ns, props);
    else if (kind === 'Role') mapRole(kind, o, nodeId, ns, props);
    else if (kind === 'RoleBinding') mapBinding(kind, o, nodeId, ns, props);
    else if (kind === 'Certificate' || kind === 'ExternalSecret' || kind === 'SealedSecret') mapProducer(kind, o, nodeId, ns, name, props);
    else if (kind === 'Pod') {
      const labels = stringMap(md.labels);
      if (labels) podLabels.set(nodeId, { ns, labels });
      const spec = obj(o.spec);
      const status = obj(o.status) ?? {};
      if (spec) mapPodSpec(nodeId, ns, kindKey, spec, props);
      Object.assign(props, {
        nodeName: str(spec?.nodeName),
        phase: str(status.phase),
        startTime: isoTime(status.startTime),
      });
      const cs = objs(status.containerStatuses).map((s) => compact({
        name: str(s.name),
        ready: typeof s.ready === 'boolean' ? s.ready : undefined,
        started: typeof s.started === 'boolean' ? s.started : undefined,
        restartCount: typeof s.restartCount === 'number' ? s.restartCount : undefined,
      }));
      if (cs.length) props.containerStatuses = cs;
    } else if (WORKLOAD_KINDS.has(kind)) {
      const spec = obj(o.spec) ?? {};
      const status = obj(o.status) ?? {};
      let tplSpec: Obj | undefined;
      const tplLabels = stringMap(obj(obj(kind === 'CronJob' ? obj(obj(spec.jobTemplate)?.spec)?.template : spec.template)?.metadata)?.labels);
      if (tplLabels) podLabels.set(nodeId, { ns, labels: tplLabels });
      if (kind === 'CronJob') {
        const jt = obj(spec.jobTemplate);
        tplSpec = obj(obj(obj(jt?.spec)?.template)?.spec);
        props.schedule = str(spec.schedule);
        if (typeof spec.timeZone === 'string') props.timeZone = spec.timeZone;
        if (typeof spec.suspend === 'boolean') props.suspend = spec.suspend;
      } else {
        tplSpec = obj(obj(spec.template)?.spec);
      }
      if (typeof spec.replicas === 'number') props.replicas = spec.replicas;
      props.reloader = reloaderWorkload(md.annotations);
      if (typeof status.readyReplicas === 'number') props.readyReplicas = status.readyReplicas;
      if (tplSpec) mapPodSpec(nodeId, ns, kindKey, tplSpec, props);
    }

    // Table references of modelled kinds (ExternalSecret templateFrom).
    if (group !== undefined || !partial) {
      const refs = findReferences(o, group ?? groups[0] ?? '', kind);
      if (refs.length) applyReferences(o, nodeId, ns, refs);
    }

    // OWNS from ownerReferences (owners of mapped namespaced kinds only; same namespace).
    for (const r of objs(md.ownerReferences)) {
      const ok = str(r.kind);
      const on = validName(r.name);
      if (ns === null || !ok || !on || !KIND_GROUPS[ok] || !NODE_KINDS[`k8s:${ok}` as NodeKindKey].namespaced) continue;
      addEdge('OWNS', id(ns, ok, on), nodeId, kindKey, { controller: r.controller === true ? true : undefined });
    }

    nodes.set(nodeId, { id: nodeId, provider: 'k8s', kind, realm: cluster, namespace: ns, name, properties: compact(props) });
    return true;
  }

  function finish(): Pick<CollectionResult, 'nodes' | 'edges'> & { genericKinds: string[] } {
    if (opts.implicitDefaults) {
      for (const ns of [...namespaces].sort()) {
        const saId = id(ns, 'ServiceAccount', 'default');
        if (!nodes.has(saId)) {
          nodes.set(saId, {
            id: saId, provider: 'k8s', kind: 'ServiceAccount', realm: cluster, namespace: ns, name: 'default',
            properties: { implicit: true },
          });
        }
      }
      const rootCa = new Set<string>();
      for (const e of edges.values()) if (e.kind === 'USES_CONFIG_MAP' && parseId(e.to)?.name === ROOT_CA_CONFIG_MAP) rootCa.add(e.to);
      for (const cmId of [...rootCa].sort()) {
        if (nodes.has(cmId)) continue;
        const ns = parseId(cmId)!.namespace!;
        nodes.set(cmId, {
          id: cmId, provider: 'k8s', kind: 'ConfigMap', realm: cluster, namespace: ns, name: ROOT_CA_CONFIG_MAP,
          properties: { implicit: true, dataKeys: ['ca.crt'] },
        });
      }
    }
    // Istio Gateway credentialName: the Secret is read in the namespace of the gateway workload its selector picks.
    for (const [from, list] of pendingIstio) {
      current = from;
      for (const p of list) {
        const sel = Object.entries(p.selector);
        const nss = sel.length
          ? sortedUnique([...podLabels.values()].filter((w) => sel.every(([k, v]) => w.labels[k] === v)).map((w) => w.ns))
          : [];
        if (!nss.length) {
          // No gateway workload seen: the namespace is unknown, so a mention of every Secret of that name.
          reference(from, p.ns, null, p.ref, p.name);
          continue;
        }
        for (const ns of nss) reference(from, p.ns, ns, p.ref, p.name);
      }
    }
    pendingIstio.clear();
    // Mentions of a name in no namespace: every Secret / ServiceAccount / ConfigMap of that name seen (none seen: no edge).
    if (pendingByObject.size) {
      const byName = new Map<string, string[]>();
      for (const n of nodes.values()) {
        if ((n.kind !== 'Secret' && n.kind !== 'ServiceAccount' && n.kind !== 'ConfigMap') || n.namespace === null) continue;
        const k = `${n.kind}/${n.name}`;
        const l = byName.get(k);
        if (l) l.push(n.id);
        else byName.set(k, [n.id]);
      }
      for (const [from, list] of pendingByObject) {
        current = from;
        for (const p of list) {
          for (const to of byName.get(`${p.target}/${p.name}`) ?? []) addEdge('MENTIONS', from, to, p.origin, { ...p.props });
        }
      }
      pendingByObject.clear();
    }
    return { nodes: [...nodes.values()], edges: [...edges.values()], genericKinds: [...genericKinds].sort() };
  }

  return { add, finish };
}
