/**
 * Maps Kubernetes API objects (as returned by the API, found in manifests, or in `kubectl get -o json|yaml` dumps)
 * to graph records (DESIGN.md "The graph").
 *
 * Mapped kinds (everything else is ignored, `add` returns false): core/v1 `Secret`, `ServiceAccount`, `Pod`;
 * apps `Deployment`, `StatefulSet`, `DaemonSet`, `ReplicaSet`; batch `Job`, `CronJob`; networking `Ingress`;
 * cert-manager.io `Certificate`; external-secrets.io `ExternalSecret`; bitnami.com `SealedSecret`. An object with
 * no `apiVersion` (items of typed client list responses) is recognised by `kind` alone.
 *
 * Secret values are read here, transiently, and never leave this module: a Secret node keeps key names, per-key
 * HMAC fingerprints, total size, and, for `kubernetes.io/tls`, the certificate's public fields; a value that is a
 * GCP service-account key file yields a `HOLDS_KEY` edge (only `private_key_id` and `client_email` are kept). No
 * property, edge or warning holds a value or its base64.
 */
import { X509Certificate } from 'node:crypto';
import type { CollectionResult, EdgeProperties, EdgeRecord, NodeRecord } from '../../lib/graph/records';
import { edgeKey } from '../../lib/graph/records';
import type { EdgeKind, NodeKindKey } from '../../lib/graph/model';
import { gcpKeyId, gcpServiceAccountId, k8sId } from '../../lib/graph/ids';
import type { Fingerprinter } from '../../lib/secrets/fingerprint';

export interface KubernetesMapperOptions {
  /** Cluster name used in every node id. */
  cluster: string;
  /** Namespace for namespaced objects that carry none (manifests); default `default`. */
  defaultNamespace?: string;
  fingerprint: Fingerprinter;
  /** Files mode: emit an implicit `default` ServiceAccount per namespace seen (Kubernetes creates it), with
   * `properties.implicit = true`, so that RUNS_AS default never looks dangling in a GitOps folder. */
  implicitDefaults?: boolean;
  /** Called (instead of throwing) for an object of a mapped kind that cannot be mapped (no valid
   * `metadata.name`, name not usable in an id). The message names the kind and the reason, never content. */
  onWarning?: (message: string) => void;
}

export interface KubernetesMapper {
  /**
   * Adds one object. Secret values are read here (fingerprints, key files, certificates) and dropped at once.
   * Returns false when the object is not of a kind keygraph maps, or is not a valid object of such a kind (no
   * `metadata.name`, non-object): it is ignored, never thrown about (see `onWarning`). A `*List` object with
   * `items` is added item by item (true when any item was mapped).
   *
   * @param asKind optional: map the object as this kind. Use it for `PartialObjectMetadata` (metadata-only
   *   listings carry kind `PartialObjectMetadata`): `add(item, 'Secret')`. A Secret whose kind is
   *   `PartialObjectMetadata` or whose `apiVersion` is `meta.k8s.io/*` is metadata-only: `dataKeys` undefined,
   *   `metadataOnly: true`.
   */
  add(obj: unknown, asKind?: string): boolean;
  /** Finishes: merged nodes (last object with an id wins) and edges (edges with the same edgeKey merged). */
  finish(): Pick<CollectionResult, 'nodes' | 'edges'>;
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

/** API group (part of apiVersion before `/`; '' for core `v1`); undefined when apiVersion is absent. */
function apiGroup(apiVersion: unknown): string | undefined {
  if (typeof apiVersion !== 'string' || apiVersion === '') return undefined;
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** Accepted API groups per mapped kind. */
const KIND_GROUPS: Record<string, readonly string[]> = {
  Secret: ['', 'meta.k8s.io'],
  ServiceAccount: [''],
  Pod: [''],
  Deployment: ['apps', 'extensions'],
  StatefulSet: ['apps'],
  DaemonSet: ['apps', 'extensions'],
  ReplicaSet: ['apps', 'extensions'],
  Job: ['batch'],
  CronJob: ['batch'],
  Ingress: ['networking.k8s.io', 'extensions'],
  Certificate: ['cert-manager.io', 'certmanager.k8s.io'],
  ExternalSecret: ['external-secrets.io'],
  SealedSecret: ['bitnami.com'],
};

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob']);

/** Legacy in-tree volume types whose secret is named by `secretRef.name` (azureFile: `secretName`). */
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

const ARRAY_PROPS = new Set(['mountPaths', 'hosts', 'containers']);

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
 * - Secret: `type`, `data` (base64), `stringData` (text), `immutable`; `tls.crt` of `kubernetes.io/tls` (never
 *   `tls.key`); annotations `kubernetes.io/service-account.{name,uid}`;
 * - ServiceAccount: `secrets[].name`, `imagePullSecrets[].name`, `automountServiceAccountToken`, annotation
 *   `iam.gke.io/gcp-service-account`;
 * - Ingress: `spec.tls[].{secretName,hosts}`, `spec.ingressClassName`;
 * - Certificate: `spec.{secretName,dnsNames,commonName,issuerRef}`, `status.{notAfter,notBefore,renewalTime}`;
 * - ExternalSecret: `spec.target.{name,creationPolicy}` (name defaults to the ExternalSecret's name),
 *   `spec.secretStoreRef`, `spec.refreshInterval`; SealedSecret: `spec.template.{metadata.name,type}`,
 *   `spec.encryptedData` key names.
 *
 * Edges emitted (direction per DESIGN.md): USES_SECRET (properties `via` ∈ model.SECRET_VIAS, `container`,
 * `envVar`, `volume`, `mountPaths` as `CONTAINER:PATH` strings, `keys`, `optional`, plus `volumeType` /
 * `driver` / `hosts` where relevant), RUNS_AS (`implicit: true` when no name was given, `deprecatedField: true`
 * for `serviceAccount`), OWNS (`controller`), PRODUCES, TOKEN_FOR, HOLDS_KEY (`dataKey`, `clientEmail`, `keys`),
 * ACTS_AS (KSA → GSA from the annotation: `annotation: true`). Every edge's `originKind` is the kind key of the
 * object it was read from. Targets are not checked for existence: the store makes missing nodes.
 */
export function createKubernetesMapper(opts: KubernetesMapperOptions): KubernetesMapper {
  const { cluster, fingerprint } = opts;
  const defaultNs = opts.defaultNamespace || 'default';
  const nodes = new Map<string, NodeRecord>();
  const edges = new Map<string, EdgeRecord>();
  const namespaces = new Set<string>();

  const id = (ns: string, kind: string, name: string) => k8sId(cluster, ns, kind, name);

  function addEdge(kind: EdgeKind, from: string, to: string, originKind: NodeKindKey, properties: EdgeProperties): void {
    const props = compact(properties) as EdgeProperties;
    const e: EdgeRecord = { kind, from, to, originKind, properties: props };
    const k = edgeKey(e);
    const prev = edges.get(k);
    if (prev) mergeEdge(prev, e);
    else edges.set(k, e);
  }

  function useSecret(from: string, ns: string, secretName: unknown, origin: NodeKindKey, props: EdgeProperties): void {
    const name = validName(secretName);
    if (!name) return;
    addEdge('USES_SECRET', from, id(ns, 'Secret', name), origin, props);
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
      for (const ef of objs(c.spec.envFrom)) {
        const ref = obj(ef.secretRef);
        if (ref) useSecret(from, ns, ref.name, origin, { via: 'envFrom', container: c.name, optional: ref.optional === true });
      }
    }

    // volumes: mount paths of each volume, over all containers.
    const mounts = new Map<string, string[]>();
    for (const c of containers) {
      for (const m of objs(c.spec.volumeMounts)) {
        const vn = str(m.name);
        const mp = str(m.mountPath);
        if (!vn || !mp) continue;
        let l = mounts.get(vn);
        if (!l) mounts.set(vn, (l = []));
        l.push(`${c.name}:${mp}`);
      }
    }
    const mountPathsOf = (vn: string) => {
      const l = mounts.get(vn);
      return l?.length ? sortedUnique(l) : undefined;
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
          via: 'volume', volume: vn, mountPaths, keys: itemKeys(sec.items), optional: sec.optional === true,
        });
      }
      const projected = obj(v.projected);
      if (projected) {
        for (const src of objs(projected.sources)) {
          const s = obj(src.secret);
          if (s) useSecret(from, ns, s.name, origin, {
            via: 'projected', volume: vn, mountPaths, keys: itemKeys(s.items), optional: s.optional === true,
          });
        }
      }
      const csi = obj(v.csi);
      if (csi) {
        const ref = obj(csi.nodePublishSecretRef);
        if (ref) useSecret(from, ns, ref.name, origin, { via: 'csi', volume: vn, mountPaths, driver: str(csi.driver), optional: false });
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
    const anns = obj(md.annotations);
    if (type === 'kubernetes.io/service-account-token' && anns) {
      const sa = validName(anns[SA_NAME_ANNOTATION]);
      if (sa) addEdge('TOKEN_FOR', nodeId, id(ns, 'ServiceAccount', sa), 'k8s:Secret', { serviceAccountUid: str(anns[SA_UID_ANNOTATION]) });
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
    for (const s of objs(o.secrets)) useSecret(nodeId, ns, s.name, 'k8s:ServiceAccount', { via: 'serviceAccountSecret' });
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
    if (kind === 'Certificate') {
      const issuer = obj(spec.issuerRef);
      Object.assign(props, {
        secretName: str(spec.secretName),
        commonName: str(spec.commonName),
        dnsNames: arr(spec.dnsNames).filter((d) => typeof d === 'string'),
        issuerRef: issuer ? compact({ kind: str(issuer.kind), name: str(issuer.name), group: str(issuer.group) }) : undefined,
        notBefore: isoTime(status.notBefore),
        notAfter: isoTime(status.notAfter),
        renewalTime: isoTime(status.renewalTime),
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

  // ---------------------------------------------------------------- add

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
    if (!groups) return false;
    const group = apiGroup(o.apiVersion);
    if (group !== undefined && !groups.includes(group) && !(partial && asKind)) return false;
    const md = obj(o.metadata);
    const name = validName(md?.name);
    if (!md || !name) {
      opts.onWarning?.(`${kind} without a usable metadata.name ignored`);
      return false;
    }
    const ns = validName(md.namespace) ?? defaultNs;
    const kindKey = `k8s:${kind}` as NodeKindKey;
    const nodeId = id(ns, kind, name);
    namespaces.add(ns);
    const props = commonProps(o, md);

    if (kind === 'Secret') mapSecret(o, nodeId, ns, props, partial);
    else if (kind === 'ServiceAccount') mapServiceAccount(o, nodeId, ns, props);
    else if (kind === 'Ingress') mapIngress(o, nodeId, ns, props);
    else if (kind === 'Certificate' || kind === 'ExternalSecret' || kind === 'SealedSecret') mapProducer(kind, o, nodeId, ns, name, props);
    else if (kind === 'Pod') {
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
      if (kind === 'CronJob') {
        const jt = obj(spec.jobTemplate);
        tplSpec = obj(obj(obj(jt?.spec)?.template)?.spec);
        props.schedule = str(spec.schedule);
        if (typeof spec.suspend === 'boolean') props.suspend = spec.suspend;
      } else {
        tplSpec = obj(obj(spec.template)?.spec);
      }
      if (typeof spec.replicas === 'number') props.replicas = spec.replicas;
      if (typeof status.readyReplicas === 'number') props.readyReplicas = status.readyReplicas;
      if (tplSpec) mapPodSpec(nodeId, ns, kindKey, tplSpec, props);
    }

    // OWNS from ownerReferences (owners of mapped kinds only; same namespace).
    for (const r of objs(md.ownerReferences)) {
      const ok = str(r.kind);
      const on = validName(r.name);
      if (!ok || !on || !KIND_GROUPS[ok]) continue;
      addEdge('OWNS', id(ns, ok, on), nodeId, kindKey, { controller: r.controller === true ? true : undefined });
    }

    nodes.set(nodeId, { id: nodeId, provider: 'k8s', kind, realm: cluster, namespace: ns, name, properties: compact(props) });
    return true;
  }

  function finish(): Pick<CollectionResult, 'nodes' | 'edges'> {
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
    }
    return { nodes: [...nodes.values()], edges: [...edges.values()] };
  }

  return { add, finish };
}
