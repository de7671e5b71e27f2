/**
 * Builds the shipped demo snapshots `lib/demo/day1/*.yaml` and `lib/demo/day2/*.yaml` (cluster `demo`).
 *
 * The YAML files are the product (they are what `keygraph demo` and `keygraph collect files lib/demo/day1
 * --cluster demo` read); this script only keeps the two days consistent with each other: stable uids, owner
 * references that match, ReplicaSet/Pod names that carry the right `pod-template-hash`, pods whose spec is the
 * template plus what admission adds. Edit the story here, then regenerate:
 *
 *     node --import tsx lib/demo/build.ts
 *
 * Every secret value is fake and says so (`demo-not-a-real-…`). The one certificate is a throwaway self-signed
 * PUBLIC certificate generated for this demo with openssl; its private key was discarded and is not in the repo.
 * See lib/demo/README.md for the story the data tells.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

/** A Kubernetes object as plain JSON. */
export type K8sObject = Record<string, unknown> & { apiVersion: string; kind: string; metadata: Meta };

/** The subset of ObjectMeta the demo sets. */
interface Meta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerRef[];
  [k: string]: unknown;
}

interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: boolean;
  blockOwnerDeletion: boolean;
}

/** Which snapshot is being built. */
export type Day = 1 | 2;

/** Collection instants of the two snapshots (UTC). */
export const SNAPSHOT_TIMES: Record<Day, string> = { 1: '2024-10-07T06:00:00Z', 2: '2024-10-08T06:00:00Z' };

/** GCP project the demo's Workload Identity annotation and key files point at. */
export const DEMO_PROJECT = 'keygraph-demo';

/**
 * How `keygraph demo` collects the shipped days (lib/cli/serve.ts): each day is a full dump of cluster `demo`, so
 * every kind is listed completely in every namespace, as `keygraph collect files DAY --cluster demo --complete` does.
 */
export const DEMO_COLLECT_OPTIONS = { cluster: 'demo', namespace: 'default', complete: true } as const;

/**
 * Throwaway self-signed certificate for `ota.demo.example.com` (and `ota-api.demo.example.com`), ECDSA P-256,
 * valid 2024-09-20 .. 2029-09-19. Public material only; the key was shredded right after signing.
 */
export const DEMO_TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIB8DCCAZWgAwIBAgICEAAwCgYIKoZIzj0EAwIwNzEdMBsGA1UEAwwUb3RhLmRl
bW8uZXhhbXBsZS5jb20xFjAUBgNVBAoMDWtleWdyYXBoIGRlbW8wHhcNMjQwOTIw
MDgzMDEyWhcNMjkwOTE5MDgzMDEyWjA3MR0wGwYDVQQDDBRvdGEuZGVtby5leGFt
cGxlLmNvbTEWMBQGA1UECgwNa2V5Z3JhcGggZGVtbzBZMBMGByqGSM49AgEGCCqG
SM49AwEHA0IABPzYF9WmttvRI7MTtYiMwQK6K5tRBnGzo8uqcZmgUUi/T2SpL65M
gwuUhnCBgxQE53JEg4ORoTlDhOA5/FN100KjgZAwgY0wOQYDVR0RBDIwMIIUb3Rh
LmRlbW8uZXhhbXBsZS5jb22CGG90YS1hcGkuZGVtby5leGFtcGxlLmNvbTAOBgNV
HQ8BAf8EBAMCBaAwEwYDVR0lBAwwCgYIKwYBBQUHAwEwDAYDVR0TAQH/BAIwADAd
BgNVHQ4EFgQUs+RGh2ndsV/IYb+u3LIEtDznFGMwCgYIKoZIzj0EAwIDSQAwRgIh
ALPsqgUYqbQNz8rMB8B8CWKZzjKvyWq3cGA9xGfLUK7NAiEA1NhZXUQ/aw8dKZop
dduEL4TCKnHfUw9NO0o955eEYkQ=
-----END CERTIFICATE-----
`;

// ---------------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------------

/** Deterministic hex digest of a label (sha256), so uids and digests are stable across regenerations. */
function hex(label: string, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += createHash('sha256').update(`${label}#${i}`).digest('hex');
  return out.slice(0, length);
}

/** Stable object uid in UUID format, derived from the object's identity (same object, same uid on both days). */
export function demoUid(kind: string, namespace: string, name: string): string {
  const h = hex(`uid:${kind}/${namespace}/${name}`, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Base64 of a UTF-8 string (how Secret `data` holds values). */
function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

/** Secret `data` from plain (fake) values. */
function data(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, b64(v)]));
}

/** Fake base64 blob that looks like sealed-secrets ciphertext (`Ag…`) without being any. */
function fakeSealed(label: string): string {
  return `AgDEMO${Buffer.from(hex(`sealed:${label}`, 96), 'hex').toString('base64')}`;
}

/** Random-looking name suffix from the alphabet Kubernetes uses for generated names (no vowels, no 0/1/3). */
function k8sSuffix(label: string, length: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const bytes = Buffer.from(hex(`suffix:${label}`, length * 2), 'hex');
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}

/** An RFC 3339 instant `seconds` later. */
function addSeconds(instant: string, seconds: number): string {
  return new Date(Date.parse(instant) + seconds * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

/**
 * Sets `metadata.resourceVersion` from the object's content, so an object that did not change between the two
 * days keeps its resourceVersion and one that changed (spec, data or status) gets a new one, as on a real cluster.
 */
function stampResourceVersion(obj: K8sObject): void {
  const { resourceVersion: _old, ...rest } = obj.metadata;
  const rv = String((parseInt(hex(`rv:${JSON.stringify({ ...obj, metadata: rest })}`, 8), 16) % 900_000_000) + 100_000_000);
  // Keep kubectl's field order: name, (generateName,) namespace, uid, resourceVersion, then the rest.
  const ordered: Meta = { name: rest.name };
  for (const [k, v] of Object.entries(rest)) {
    ordered[k] = v;
    if (k === 'uid') ordered.resourceVersion = rv;
  }
  obj.metadata = ordered;
}

/** ObjectMeta with uid filled in (resourceVersion is stamped last, from content). */
function meta(kind: string, namespace: string, name: string, created: string, extra: Partial<Meta> = {}): Meta {
  return {
    name,
    namespace,
    uid: demoUid(kind, namespace, name),
    creationTimestamp: created,
    ...extra,
  };
}

/** ObjectMeta of a cluster-scoped object (ClusterRole, ClusterRoleBinding, ClusterSecretStore): no namespace. */
function clusterMeta(kind: string, name: string, created: string, extra: Partial<Meta> = {}): Meta {
  return { name, uid: demoUid(kind, '', name), creationTimestamp: created, ...extra };
}

/** A controller ownerReference pointing at `owner`. */
function ownerRef(owner: K8sObject): OwnerRef {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Image digest as the kubelet reports it (fake but stable). */
function imageId(image: string): string {
  const repo = image.split(':')[0]!;
  return `${repo}@sha256:${hex(`image:${image}`, 64)}`;
}

const NODES = ['gke-demo-default-pool-6b0e4a1c-7m2x', 'gke-demo-default-pool-6b0e4a1c-q9vd'] as const;
const NODE_IPS: Record<string, string> = { [NODES[0]]: '10.128.0.14', [NODES[1]]: '10.128.0.15' };

// ---------------------------------------------------------------------------------------------------------------
// Workload builders: Deployment -> ReplicaSet -> Pod, with what admission adds to pods
// ---------------------------------------------------------------------------------------------------------------

type PodSpec = Record<string, unknown> & {
  serviceAccountName?: string;
  containers: Array<Record<string, unknown> & { name: string; image: string; volumeMounts?: unknown[] }>;
  initContainers?: Array<Record<string, unknown> & { name: string; image: string; volumeMounts?: unknown[] }>;
  volumes?: unknown[];
  imagePullSecrets?: Array<{ name: string }>;
};

interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

/** Options for one running (or finished) pod. */
interface PodOpts {
  namespace: string;
  name: string;
  template: PodTemplate;
  owner: K8sObject;
  node: (typeof NODES)[number];
  startTime: string;
  podIP: string;
  extraLabels?: Record<string, string>;
  /** ServiceAccount imagePullSecrets that admission copies into the pod when the template names none. */
  saImagePullSecrets?: string[];
  /** `Succeeded` for job pods; default `Running`. */
  phase?: 'Running' | 'Succeeded';
  finishedAt?: string;
}

/** A Pod as `kubectl get pod -o yaml` shows it: template spec plus the ServiceAccount token volume, node, status. */
function pod(o: PodOpts): K8sObject {
  const spec = structuredClone(o.template.spec);
  const sa = spec.serviceAccountName ?? 'default';
  const tokenVolume = `kube-api-access-${k8sSuffix(`kaa:${o.namespace}/${o.name}`, 5)}`;
  const mount = { name: tokenVolume, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true };
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    c.volumeMounts = [...(c.volumeMounts ?? []), mount];
    c.terminationMessagePath = '/dev/termination-log';
    c.terminationMessagePolicy = 'File';
    c.imagePullPolicy = c.imagePullPolicy ?? 'IfNotPresent';
  }
  spec.volumes = [
    ...(spec.volumes ?? []),
    {
      name: tokenVolume,
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    },
  ];
  if (!spec.imagePullSecrets && o.saImagePullSecrets?.length) {
    spec.imagePullSecrets = o.saImagePullSecrets.map((name) => ({ name }));
  }
  const phase = o.phase ?? 'Running';
  const running = phase === 'Running';
  const containerStatuses = spec.containers.map((c) => ({
    name: c.name,
    image: c.image,
    imageID: imageId(c.image),
    containerID: `containerd://${hex(`ctr:${o.namespace}/${o.name}/${c.name}`, 64)}`,
    ready: running,
    started: running,
    restartCount: 0,
    state: running
      ? { running: { startedAt: addSeconds(o.startTime, spec.initContainers ? 14 : 6) } }
      : { terminated: { exitCode: 0, reason: 'Completed', startedAt: o.startTime, finishedAt: o.finishedAt ?? o.startTime } },
    lastState: {},
  }));
  const initContainerStatuses = spec.initContainers?.map((c) => ({
    name: c.name,
    image: c.image,
    imageID: imageId(c.image),
    ready: true,
    restartCount: 0,
    state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: o.startTime, finishedAt: o.startTime } },
    lastState: {},
  }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...meta('Pod', o.namespace, o.name, o.startTime),
      generateName: o.name.replace(/[^-]+$/, ''),
      labels: { ...o.template.metadata.labels, ...o.extraLabels },
      ...(o.template.metadata.annotations ? { annotations: o.template.metadata.annotations } : {}),
      ownerReferences: [ownerRef(o.owner)],
    },
    spec: {
      ...spec,
      serviceAccountName: sa,
      serviceAccount: sa,
      nodeName: o.node,
      restartPolicy: spec.restartPolicy ?? 'Always',
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      terminationGracePeriodSeconds: 30,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
    },
    status: {
      phase,
      hostIP: NODE_IPS[o.node],
      podIP: o.podIP,
      podIPs: [{ ip: o.podIP }],
      startTime: o.startTime,
      qosClass: 'Burstable',
      conditions: [
        { type: 'Initialized', status: 'True', lastTransitionTime: o.startTime },
        { type: 'Ready', status: running ? 'True' : 'False', lastTransitionTime: o.startTime, ...(running ? {} : { reason: 'PodCompleted' }) },
        { type: 'ContainersReady', status: running ? 'True' : 'False', lastTransitionTime: o.startTime, ...(running ? {} : { reason: 'PodCompleted' }) },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: o.startTime },
      ],
      ...(initContainerStatuses ? { initContainerStatuses } : {}),
      containerStatuses,
    },
  };
}

/** A Deployment and what it owns: one ReplicaSet per revision, and the pods of the current one. */
interface DeploymentOpts {
  namespace: string;
  name: string;
  created: string;
  labels: Record<string, string>;
  replicas: number;
  template: PodTemplate;
  revision: number;
  /** pod-template-hash of the current ReplicaSet. */
  hash: string;
  rsCreated: string;
  /** Older ReplicaSets kept by revisionHistoryLimit, scaled to zero: [hash, created, template]. */
  oldReplicaSets?: Array<{ hash: string; created: string; template: PodTemplate; revision: number }>;
  pods: Array<{ suffix: string; node: (typeof NODES)[number]; startTime: string; podIP: string }>;
  saImagePullSecrets?: string[];
}

/** Builds Deployment, ReplicaSets and Pods. */
function deployment(o: DeploymentOpts): { deployment: K8sObject; replicaSets: K8sObject[]; pods: K8sObject[] } {
  const dep: K8sObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      ...meta('Deployment', o.namespace, o.name, o.created),
      generation: o.revision,
      labels: o.labels,
      annotations: { 'deployment.kubernetes.io/revision': String(o.revision) },
    },
    spec: {
      replicas: o.replicas,
      revisionHistoryLimit: 3,
      progressDeadlineSeconds: 600,
      selector: { matchLabels: { 'app.kubernetes.io/name': o.template.metadata.labels['app.kubernetes.io/name']! } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: o.template,
    },
    status: {
      observedGeneration: o.revision,
      replicas: o.replicas,
      updatedReplicas: o.replicas,
      readyReplicas: o.replicas,
      availableReplicas: o.replicas,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: o.rsCreated, lastTransitionTime: o.rsCreated },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${o.name}-${o.hash}" has successfully progressed.`, lastUpdateTime: o.rsCreated, lastTransitionTime: o.created },
      ],
    },
  };
  const rs = (hash: string, created: string, template: PodTemplate, revision: number, replicas: number): K8sObject => {
    const t = structuredClone(template);
    t.metadata.labels = { ...t.metadata.labels, 'pod-template-hash': hash };
    const name = `${o.name}-${hash}`;
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        ...meta('ReplicaSet', o.namespace, name, created),
        generation: replicas === 0 ? 2 : 1,
        labels: t.metadata.labels,
        annotations: {
          'deployment.kubernetes.io/desired-replicas': String(o.replicas),
          'deployment.kubernetes.io/max-replicas': String(o.replicas + Math.ceil(o.replicas / 4)),
          'deployment.kubernetes.io/revision': String(revision),
        },
        ownerReferences: [ownerRef(dep)],
      },
      spec: {
        replicas,
        selector: { matchLabels: { 'app.kubernetes.io/name': t.metadata.labels['app.kubernetes.io/name']!, 'pod-template-hash': hash } },
        template: t,
      },
      status: replicas === 0
        ? { replicas: 0, observedGeneration: 2 }
        : { replicas, fullyLabeledReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas, observedGeneration: 1 },
    };
  };
  const current = rs(o.hash, o.rsCreated, o.template, o.revision, o.replicas);
  const old = (o.oldReplicaSets ?? []).map((r) => rs(r.hash, r.created, r.template, r.revision, 0));
  const currentTemplate = (current.spec as { template: PodTemplate }).template;
  const pods = o.pods.map((p) =>
    pod({
      namespace: o.namespace,
      name: `${o.name}-${o.hash}-${p.suffix}`,
      template: currentTemplate,
      owner: current,
      node: p.node,
      startTime: p.startTime,
      podIP: p.podIP,
      saImagePullSecrets: o.saImagePullSecrets,
    }),
  );
  return { deployment: dep, replicaSets: [...old, current], pods };
}

/** A Secret. `values` are plain fake strings; they are base64-encoded into `data` like the API returns them. */
function secret(
  namespace: string,
  name: string,
  created: string,
  type: string,
  values: Record<string, string>,
  extra: Partial<Meta> = {},
): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta('Secret', namespace, name, created, extra),
    type,
    data: data(values),
  };
}

/** A ConfigMap (values are plain text, as the API returns them). */
function configMap(namespace: string, name: string, created: string, values: Record<string, string>, extra: Partial<Meta> = {}): K8sObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('ConfigMap', namespace, name, created, extra), data: values };
}

/** A fake GCP service-account key file: right shape, obviously fake key material. */
function fakeKeyFile(account: string): { json: string; privateKeyId: string; clientEmail: string } {
  const clientEmail = `${account}@${DEMO_PROJECT}.iam.gserviceaccount.com`;
  const privateKeyId = hex(`key-id:${clientEmail}`, 40);
  const file = {
    type: 'service_account',
    project_id: DEMO_PROJECT,
    private_key_id: privateKeyId,
    private_key: '-----BEGIN PRIVATE KEY-----\nZmFrZQ==\n-----END PRIVATE KEY-----\n',
    client_email: clientEmail,
    client_id: String(BigInt(`0x${hex(`client-id:${clientEmail}`, 16)}`) % 10n ** 21n).padStart(21, '1'),
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(clientEmail)}`,
    universe_domain: 'googleapis.com',
  };
  return { json: `${JSON.stringify(file, null, 2)}\n`, privateKeyId, clientEmail };
}

/** Key files held by demo Secrets (exported so tests and a GCP-side demo can refer to the same key ids). */
export const DEMO_KEY_FILES = {
  otaBackupUploader: fakeKeyFile('ota-backup-uploader'),
  logShipper: fakeKeyFile('log-shipper'),
} as const;

const REGISTRY = 'europe-docker.pkg.dev/keygraph-demo/apps';

// ---------------------------------------------------------------------------------------------------------------
// The snapshots
// ---------------------------------------------------------------------------------------------------------------

/** One output file: name and either a multi-document manifest or a kubectl `List` dump. */
export interface DemoFile {
  file: string;
  style: 'manifests' | 'list';
  objects: K8sObject[];
}

/** Builds every file of one day's snapshot. */
export function buildDay(day: Day): DemoFile[] {
  const d2 = day === 2;

  // ---- namespaces ---------------------------------------------------------------------------------------------
  const namespaces = ['ota', 'payments', 'monitoring', 'ingress-nginx', 'external-secrets'].map((ns): K8sObject => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: ns,
      uid: demoUid('Namespace', '', ns),
      creationTimestamp: '2024-03-11T09:02:41Z',
      labels: { 'kubernetes.io/metadata.name': ns },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  }));

  // ---- ota: the incident ----------------------------------------------------------------------------------------
  const otaLabels = (name: string): Record<string, string> => ({
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/part-of': 'ota',
    'app.kubernetes.io/managed-by': 'argocd',
  });
  const otaSa: K8sObject = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: meta('ServiceAccount', 'ota', 'ota-lite-api', '2024-03-11T09:05:12Z', {
      labels: otaLabels('ota-lite-api'),
      annotations: { 'iam.gke.io/gcp-service-account': `ota-lite-api@${DEMO_PROJECT}.iam.gserviceaccount.com` },
    }),
    imagePullSecrets: [{ name: 'registry-pull' }],
  };
  // Same values on both days: the day-2 copy is the "rotated" secret that was really only renamed.
  const targetsBackupValues = {
    'key-id': 'demo-targets-backup-7f3c2a91',
    'targets-backup.json': `${JSON.stringify({
      keytype: 'ed25519',
      scheme: 'ed25519',
      keyid: hex('targets-backup-keyid', 64),
      keyval: { public: 'demo-not-a-real-public-key', private: 'demo-not-a-real-private-key' },
    })}\n`,
  };
  const targetsBackupKey = d2
    ? secret('ota', 'targets-backup-key-2024-10-08', '2024-10-08T02:14:09Z', 'Opaque', targetsBackupValues, {
        labels: { 'app.kubernetes.io/part-of': 'ota', 'ota.example.com/key-role': 'targets-backup' },
      })
    : secret('ota', 'targets-backup-key', '2024-04-02T13:47:55Z', 'Opaque', targetsBackupValues, {
        labels: { 'app.kubernetes.io/part-of': 'ota', 'ota.example.com/key-role': 'targets-backup' },
      });
  const registryPull = secret(
    'ota',
    'registry-pull',
    '2024-03-11T09:05:12Z',
    'kubernetes.io/dockerconfigjson',
    {
      '.dockerconfigjson': JSON.stringify({
        auths: {
          'europe-docker.pkg.dev': { username: 'demo', password: 'demo-not-a-real-password', auth: b64('demo:demo-not-a-real-password') },
        },
      }),
    },
  );
  const otaDbExternal: K8sObject = {
    apiVersion: 'external-secrets.io/v1beta1',
    kind: 'ExternalSecret',
    metadata: meta('ExternalSecret', 'ota', 'ota-db-credentials', '2024-03-11T09:05:12Z', { generation: 1, labels: otaLabels('ota-lite-api') }),
    spec: {
      refreshInterval: '1h0m0s',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'gcp-secret-manager' },
      target: { name: 'ota-db-credentials', creationPolicy: 'Owner', deletionPolicy: 'Retain' },
      // Secret Manager secrets of project keygraph-demo (buildSecretManagerDay): host and user are properties of
      // the JSON secret ota-db-config (pinned), the password follows `latest` of ota-db-password.
      data: [
        { secretKey: 'DB_HOST', remoteRef: { key: 'ota-db-config', property: 'host', version: '1' } },
        { secretKey: 'DB_USER', remoteRef: { key: 'ota-db-config', property: 'user', version: '1' } },
        { secretKey: 'DB_PASSWORD', remoteRef: { key: 'ota-db-password', version: 'latest' } },
      ],
    },
    status: {
      binding: { name: 'ota-db-credentials' },
      refreshTime: d2 ? '2024-10-08T05:41:18Z' : '2024-10-07T05:41:18Z',
      // Day 2: the refresh after ota-db-password version 4 was added (2024-10-08T05:20Z) rewrote the Secret.
      syncedResourceVersion: `1-${hex(d2 ? 'ota-db-es-sync-v4' : 'ota-db-es-sync', 32)}`,
      conditions: [{ type: 'Ready', status: 'True', reason: 'SecretSynced', message: 'secret synced', lastTransitionTime: '2024-03-11T09:05:14Z' }],
    },
  };
  const otaDbSecret = secret(
    'ota',
    'ota-db-credentials',
    '2024-03-11T09:05:14Z',
    'Opaque',
    { DB_HOST: '10.20.0.5', DB_USER: 'ota', DB_PASSWORD: d2 ? 'demo-not-a-real-password-ota-v4' : 'demo-not-a-real-password-ota-v3' },
    {
      labels: { 'reconcile.external-secrets.io/created-by': hex('ota-db-es-created-by', 32), 'reconcile.external-secrets.io/managed': 'true' },
      annotations: { 'reconcile.external-secrets.io/data-hash': hex(d2 ? 'ota-db-es-data-hash-v4' : 'ota-db-es-data-hash', 32) },
      ownerReferences: [ownerRef(otaDbExternal)],
    },
  );
  const otaCert: K8sObject = {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: meta('Certificate', 'ota', 'ota-lite-api-tls', '2024-09-20T08:29:58Z', { generation: 1, labels: otaLabels('ota-lite-api') }),
    spec: {
      secretName: 'ota-lite-api-tls',
      commonName: 'ota.demo.example.com',
      dnsNames: ['ota.demo.example.com', 'ota-api.demo.example.com'],
      duration: '43800h0m0s',
      renewBefore: '720h0m0s',
      issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'demo-selfsigned' },
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      usages: ['server auth', 'digital signature', 'key encipherment'],
    },
    status: {
      notBefore: '2024-09-20T08:30:12Z',
      notAfter: '2029-09-19T08:30:12Z',
      renewalTime: '2029-08-20T08:30:12Z',
      revision: 1,
      conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'Certificate is up to date and has not expired', observedGeneration: 1, lastTransitionTime: '2024-09-20T08:30:13Z' }],
    },
  };
  const otaTls = secret('ota', 'ota-lite-api-tls', '2024-09-20T08:30:13Z', 'kubernetes.io/tls', {
      'ca.crt': DEMO_TLS_CERT,
      'tls.crt': DEMO_TLS_CERT,
      'tls.key': 'demo-not-a-real-key',
    }, {
      labels: { 'controller.cert-manager.io/fao': 'true' },
      annotations: {
        'cert-manager.io/alt-names': 'ota.demo.example.com,ota-api.demo.example.com',
        'cert-manager.io/certificate-name': 'ota-lite-api-tls',
        'cert-manager.io/common-name': 'ota.demo.example.com',
        'cert-manager.io/ip-sans': '',
        'cert-manager.io/issuer-group': 'cert-manager.io',
        'cert-manager.io/issuer-kind': 'ClusterIssuer',
        'cert-manager.io/issuer-name': 'demo-selfsigned',
        'cert-manager.io/uri-sans': '',
      },
    });
  const otaIngress: K8sObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta('Ingress', 'ota', 'ota-lite-api', '2024-03-11T09:05:12Z', { generation: 2, labels: otaLabels('ota-lite-api') }),
    spec: {
      ingressClassName: 'nginx',
      tls: [{ hosts: ['ota.demo.example.com', 'ota-api.demo.example.com'], secretName: 'ota-lite-api-tls' }],
      rules: ['ota.demo.example.com', 'ota-api.demo.example.com'].map((host) => ({
        host,
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'ota-lite-api', port: { name: 'http' } } } }] },
      })),
    },
    status: { loadBalancer: { ingress: [{ ip: '34.90.112.47' }] } },
  };
  const otaApiTemplate: PodTemplate = {
    metadata: {
      labels: { 'app.kubernetes.io/name': 'ota-lite-api', 'app.kubernetes.io/part-of': 'ota' },
      annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-10-03T09:10:02Z' },
    },
    spec: {
      serviceAccountName: 'ota-lite-api',
      containers: [
        {
          name: 'api',
          image: `${REGISTRY}/ota-lite-api:1.14.2`,
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
          env: [
            { name: 'OTA_TARGETS_BACKUP_KEY_FILE', value: '/etc/ota/keys/targets-backup.json' },
            { name: 'OTA_TARGETS_BACKUP_KEY_ID', valueFrom: { secretKeyRef: { name: 'targets-backup-key', key: 'key-id' } } },
          ],
          envFrom: [{ secretRef: { name: 'ota-db-credentials' } }],
          volumeMounts: [
            { name: 'targets-backup-key', mountPath: '/etc/ota/keys', readOnly: true },
            { name: 'targets-signing-key', mountPath: '/etc/ota/signing', readOnly: true },
          ],
          readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 5, periodSeconds: 10 },
          resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '512Mi' } },
        },
      ],
      volumes: [
        {
          name: 'targets-backup-key',
          secret: { secretName: 'targets-backup-key', defaultMode: 256, items: [{ key: 'targets-backup.json', path: 'targets-backup.json' }] },
        },
        // Secrets Store CSI driver, GCP provider: the pod's KSA (Workload Identity: ota-lite-api@) fetches
        // Secret Manager ota-targets-signing-key, version `latest`.
        {
          name: 'targets-signing-key',
          csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: 'ota-lite-api-signing' } },
        },
      ],
    },
  };
  const otaApi = deployment({
    namespace: 'ota',
    name: 'ota-lite-api',
    created: '2024-03-11T09:05:12Z',
    labels: otaLabels('ota-lite-api'),
    replicas: 3,
    template: otaApiTemplate,
    revision: 7,
    hash: '7c9d8f6b54',
    rsCreated: '2024-10-03T09:10:02Z',
    saImagePullSecrets: ['registry-pull'],
    pods: [
      { suffix: 'x2kqp', node: NODES[0], startTime: '2024-10-03T09:10:02Z', podIP: '10.4.0.23' },
      { suffix: 'm8hzt', node: NODES[1], startTime: '2024-10-03T09:10:31Z', podIP: '10.4.1.17' },
      { suffix: 'r4wvn', node: NODES[0], startTime: '2024-10-03T09:11:04Z', podIP: '10.4.0.29' },
    ],
  });

  // Day 2 only: a new service written after the rename, already pointing at the new name.
  const schedulerTemplate: PodTemplate = {
    metadata: { labels: { 'app.kubernetes.io/name': 'ota-campaign-scheduler', 'app.kubernetes.io/part-of': 'ota' } },
    spec: {
      serviceAccountName: 'ota-lite-api',
      containers: [
        {
          name: 'scheduler',
          image: `${REGISTRY}/ota-campaign-scheduler:0.3.0`,
          env: [
            { name: 'OTA_TARGETS_BACKUP_KEY_ID', valueFrom: { secretKeyRef: { name: 'targets-backup-key-2024-10-08', key: 'key-id' } } },
            { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'ota-db-credentials', key: 'DB_PASSWORD' } } },
          ],
          resources: { requests: { cpu: '50m', memory: '128Mi' } },
        },
      ],
    },
  };
  const scheduler = deployment({
    namespace: 'ota',
    name: 'ota-campaign-scheduler',
    created: '2024-10-08T03:02:40Z',
    labels: otaLabels('ota-campaign-scheduler'),
    replicas: 1,
    template: schedulerTemplate,
    revision: 1,
    hash: '5b8f7d9c6f',
    rsCreated: '2024-10-08T03:02:40Z',
    saImagePullSecrets: ['registry-pull'],
    pods: [{ suffix: 'qk7tz', node: NODES[1], startTime: '2024-10-08T03:02:41Z', podIP: '10.4.1.44' }],
  });

  // Secrets Store CSI driver GCP provider classes (secrets-store-csi-driver-provider-gcp): `parameters.secrets` is a
  // YAML string. The API mounts the newest version; the backup verifies against the key of version 2, pinned until
  // the archived metadata is re-signed.
  const spc = (namespace: string, name: string, created: string, entries: Array<{ resourceName: string; path: string }>, labels: Record<string, string>): K8sObject => ({
    apiVersion: 'secrets-store.csi.x-k8s.io/v1',
    kind: 'SecretProviderClass',
    metadata: meta('SecretProviderClass', namespace, name, created, { generation: 1, labels }),
    spec: {
      provider: 'gcp',
      parameters: { secrets: entries.map((e) => `- resourceName: "${e.resourceName}"\n  path: "${e.path}"\n`).join('') },
    },
  });
  // By project number, as gcloud prints Secret Manager names (and as the ClusterSecretStore below names it).
  const smName = (secretName: string, version: string) => `projects/${DEMO_PROJECT_NUMBER}/secrets/${secretName}/versions/${version}`;
  const otaApiSpc = spc('ota', 'ota-lite-api-signing', '2024-06-10T12:03:44Z', [{ resourceName: smName('ota-targets-signing-key', 'latest'), path: 'targets-signing.pem' }], otaLabels('ota-lite-api'));
  const backupSpc = spc('ota', 'ota-metadata-backup-verify', '2024-06-10T12:03:44Z', [{ resourceName: smName('ota-targets-signing-key', '2'), path: 'targets-signing-v2.pem' }], otaLabels('ota-metadata-backup'));

  // CronJob uploading targets metadata backups to GCS with a user-managed key file (the other key story).
  const gcpKey = DEMO_KEY_FILES.otaBackupUploader;
  const gcpKeySecret = secret('ota', 'ota-backup-uploader-gcp-key', '2024-05-14T16:20:33Z', 'Opaque', { 'key.json': gcpKey.json }, {
    labels: { 'app.kubernetes.io/name': 'ota-metadata-backup', 'app.kubernetes.io/part-of': 'ota' },
  });
  const backupPodSpec: PodSpec = {
    restartPolicy: 'OnFailure',
    imagePullSecrets: [{ name: 'registry-pull' }],
    containers: [
      {
        name: 'backup',
        image: `${REGISTRY}/ota-metadata-backup:2.1.0`,
        args: ['--bucket=gs://keygraph-demo-ota-backups', '--prefix=targets/'],
        env: [
          { name: 'GOOGLE_APPLICATION_CREDENTIALS', value: '/var/secrets/google/key.json' },
          { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'ota-db-credentials', key: 'DB_PASSWORD' } } },
        ],
        volumeMounts: [
          { name: 'gcp-key', mountPath: '/var/secrets/google', readOnly: true },
          { name: 'signing-key-v2', mountPath: '/etc/ota/verify', readOnly: true },
        ],
      },
    ],
    volumes: [
      { name: 'gcp-key', secret: { secretName: 'ota-backup-uploader-gcp-key', defaultMode: 288 } },
      // The pod's KSA (`default`) has no Workload Identity: the GCP provider authenticates with the key file.
      {
        name: 'signing-key-v2',
        csi: {
          driver: 'secrets-store.csi.k8s.io',
          readOnly: true,
          volumeAttributes: { secretProviderClass: 'ota-metadata-backup-verify' },
          nodePublishSecretRef: { name: 'ota-backup-uploader-gcp-key' },
        },
      },
    ],
  };
  const backupTemplate: PodTemplate = { metadata: { labels: { 'app.kubernetes.io/name': 'ota-metadata-backup' } }, spec: backupPodSpec };
  const cronJob: K8sObject = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: meta('CronJob', 'ota', 'ota-metadata-backup', '2024-05-14T16:20:33Z', { generation: 1, labels: otaLabels('ota-metadata-backup') }),
    spec: {
      schedule: '30 2 * * *',
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 1,
      suspend: false,
      jobTemplate: { spec: { backoffLimit: 2, template: backupTemplate } },
    },
    status: {
      lastScheduleTime: d2 ? '2024-10-08T02:30:00Z' : '2024-10-07T02:30:00Z',
      lastSuccessfulTime: d2 ? '2024-10-08T02:31:12Z' : '2024-10-07T02:31:09Z',
    },
  };
  // Job names carry the scheduled time in minutes since the epoch, as the CronJob controller names them.
  const scheduled = d2 ? '2024-10-08T02:30:00Z' : '2024-10-07T02:30:00Z';
  const jobName = `ota-metadata-backup-${Date.parse(scheduled) / 60_000}`;
  const jobUid = demoUid('Job', 'ota', jobName);
  const jobLabels = { 'batch.kubernetes.io/controller-uid': jobUid, 'batch.kubernetes.io/job-name': jobName, 'controller-uid': jobUid, 'job-name': jobName };
  const jobTemplate: PodTemplate = { metadata: { labels: { ...backupTemplate.metadata.labels, ...jobLabels } }, spec: structuredClone(backupPodSpec) };
  const finished = scheduled.replace('02:30:00', d2 ? '02:31:12' : '02:31:09');
  const job: K8sObject = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      ...meta('Job', 'ota', jobName, scheduled),
      generation: 1,
      labels: jobLabels,
      annotations: { 'batch.kubernetes.io/cronjob-scheduled-timestamp': scheduled },
      ownerReferences: [ownerRef(cronJob)],
    },
    spec: { backoffLimit: 2, completions: 1, parallelism: 1, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': jobUid } }, template: jobTemplate },
    status: { startTime: scheduled, completionTime: finished, succeeded: 1, conditions: [{ type: 'Complete', status: 'True', lastProbeTime: finished, lastTransitionTime: finished }] },
  };
  const jobPod = pod({
    namespace: 'ota',
    name: `${jobName}-${d2 ? 'h6tdw' : 'p5lzc'}`,
    template: jobTemplate,
    owner: job,
    node: NODES[1],
    startTime: scheduled,
    podIP: d2 ? '10.4.1.51' : '10.4.1.38',
    phase: 'Succeeded',
    finishedAt: finished,
  });

  // ---- payments -----------------------------------------------------------------------------------------------
  const payLabels = (name: string): Record<string, string> => ({
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/part-of': 'payments',
    'app.kubernetes.io/managed-by': 'Helm',
    'helm.sh/chart': `${name}-2.8.1`,
  });
  const paySa: K8sObject = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: meta('ServiceAccount', 'payments', 'payments-api', '2024-03-12T10:40:03Z', { labels: payLabels('payments-api') }),
    secrets: [{ name: 'payments-api-token' }],
  };
  const payToken = secret(
    'payments',
    'payments-api-token',
    '2024-03-12T10:40:04Z',
    'kubernetes.io/service-account-token',
    { 'ca.crt': 'demo-not-a-real-cluster-ca\n', namespace: 'payments', token: 'demo-not-a-real-token' },
    {
      annotations: {
        'kubernetes.io/service-account.name': 'payments-api',
        'kubernetes.io/service-account.uid': paySa.metadata.uid!,
      },
    },
  );
  // The DB password is rotated between the two days (sealed-secrets re-encrypts, the controller rewrites the Secret).
  const dbPassword = d2 ? 'demo-not-a-real-password-ledger-v2' : 'demo-not-a-real-password-ledger-v1';
  const payDbValues = {
    DB_USER: 'ledger',
    DB_PASSWORD: dbPassword,
    DATABASE_URL: `postgres://ledger:${dbPassword}@ledger-db.payments.svc:5432/ledger?sslmode=disable`,
  };
  const sealed: K8sObject = {
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: meta('SealedSecret', 'payments', 'payments-db', '2024-03-12T10:40:03Z', { generation: d2 ? 2 : 1 }),
    spec: {
      encryptedData: Object.fromEntries(Object.keys(payDbValues).map((k) => [k, fakeSealed(`${k}:${day === 2 ? 'v2' : 'v1'}`)])),
      template: { metadata: { name: 'payments-db', namespace: 'payments' }, type: 'Opaque' },
    },
    status: {
      observedGeneration: d2 ? 2 : 1,
      conditions: [{ type: 'Synced', status: 'True', lastTransitionTime: d2 ? '2024-10-07T15:30:27Z' : '2024-03-12T10:40:05Z', lastUpdateTime: d2 ? '2024-10-07T15:30:27Z' : '2024-03-12T10:40:05Z' }],
    },
  };
  const payDb = secret('payments', 'payments-db', '2024-03-12T10:40:05Z', 'Opaque', payDbValues, { ownerReferences: [ownerRef(sealed)] });
  // Day 1: the API reads `webhook-secret`, but the Secret only has `webhook-signing-secret` (a key rename done in
  // the Secret only). Day 2: someone added `webhook-secret` back.
  const stripeValues: Record<string, string> = {
    'api-key': 'demo-not-a-real-stripe-api-key',
    'webhook-signing-secret': 'demo-not-a-real-webhook-signing-secret',
    ...(d2 ? { 'webhook-secret': 'demo-not-a-real-webhook-signing-secret' } : {}),
  };
  const stripeApplied = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { annotations: {}, name: 'payments-stripe', namespace: 'payments' },
    type: 'Opaque',
    data: data(stripeValues),
  });
  const payStripe = secret('payments', 'payments-stripe', '2024-03-12T10:41:22Z', 'Opaque', stripeValues, {
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `${stripeApplied}\n` },
  });
  const payApiTemplate: PodTemplate = {
    metadata: { labels: { 'app.kubernetes.io/name': 'payments-api', 'app.kubernetes.io/part-of': 'payments' } },
    spec: {
      serviceAccountName: 'payments-api',
      initContainers: [
        {
          name: 'db-migrate',
          image: `${REGISTRY}/payments-api:4.2.0`,
          args: ['migrate', 'up'],
          env: [{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'payments-db', key: 'DATABASE_URL' } } }],
        },
      ],
      containers: [
        {
          name: 'api',
          image: `${REGISTRY}/payments-api:4.2.0`,
          ports: [{ name: 'http', containerPort: 8000, protocol: 'TCP' }],
          env: [
            { name: 'DB_CREDENTIALS_DIR', value: '/var/run/secrets/payments-db' },
            { name: 'STRIPE_API_KEY', valueFrom: { secretKeyRef: { name: 'payments-stripe', key: 'api-key' } } },
            { name: 'STRIPE_WEBHOOK_SECRET', valueFrom: { secretKeyRef: { name: 'payments-stripe', key: 'webhook-secret' } } },
            { name: 'LAUNCHDARKLY_SDK_KEY', valueFrom: { secretKeyRef: { name: 'launchdarkly-sdk-key', key: 'sdk-key', optional: true } } },
          ],
          volumeMounts: [{ name: 'db-credentials', mountPath: '/var/run/secrets/payments-db', readOnly: true }],
          resources: { requests: { cpu: '250m', memory: '384Mi' }, limits: { memory: '768Mi' } },
        },
      ],
      volumes: [
        {
          name: 'db-credentials',
          projected: {
            defaultMode: 288,
            sources: [
              { secret: { name: 'payments-db', items: [{ key: 'DB_USER', path: 'user' }, { key: 'DB_PASSWORD', path: 'password' }] } },
              { serviceAccountToken: { audience: 'ledger-db', expirationSeconds: 3600, path: 'token' } },
            ],
          },
        },
      ],
    },
  };
  const payApi = deployment({
    namespace: 'payments',
    name: 'payments-api',
    created: '2024-03-12T10:40:03Z',
    labels: payLabels('payments-api'),
    replicas: 2,
    template: payApiTemplate,
    revision: 12,
    hash: '5f6d7c8b9d',
    rsCreated: '2024-10-05T14:22:10Z',
    pods: [
      { suffix: 'tq4xn', node: NODES[0], startTime: '2024-10-05T14:22:10Z', podIP: '10.4.0.31' },
      { suffix: 'w9fkd', node: NODES[1], startTime: '2024-10-05T14:22:49Z', podIP: '10.4.1.22' },
    ],
  });
  const refundTemplate: PodTemplate = {
    metadata: { labels: { 'app.kubernetes.io/name': 'refund-worker', 'app.kubernetes.io/part-of': 'payments' } },
    spec: {
      containers: [
        {
          name: 'worker',
          image: `${REGISTRY}/refund-worker:1.0.9`,
          envFrom: [{ secretRef: { name: 'payments-db', optional: false } }, { secretRef: { name: 'payments-stripe' } }],
        },
      ],
    },
  };
  const refund = deployment({
    namespace: 'payments',
    name: 'refund-worker',
    created: '2024-06-18T11:03:27Z',
    labels: payLabels('refund-worker'),
    replicas: 1,
    template: refundTemplate,
    revision: 3,
    hash: '6c4b8d7f9x',
    rsCreated: '2024-09-02T08:15:44Z',
    pods: [{ suffix: 'vz2lp', node: NODES[0], startTime: '2024-09-02T08:15:44Z', podIP: '10.4.0.12' }],
  });
  const ledgerTemplate: PodTemplate = {
    metadata: { labels: { 'app.kubernetes.io/name': 'ledger-db', 'app.kubernetes.io/part-of': 'payments' } },
    spec: {
      containers: [
        {
          name: 'postgres',
          image: 'postgres:16.4',
          ports: [{ name: 'postgres', containerPort: 5432, protocol: 'TCP' }],
          env: [
            { name: 'POSTGRES_USER', valueFrom: { secretKeyRef: { name: 'payments-db', key: 'DB_USER' } } },
            { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: 'payments-db', key: 'DB_PASSWORD' } } },
            { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
          ],
          volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }],
        },
      ],
    },
  };
  const ledgerSts: K8sObject = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta('StatefulSet', 'payments', 'ledger-db', '2024-03-12T10:40:03Z', { generation: 2, labels: payLabels('ledger-db') }),
    spec: {
      replicas: 1,
      serviceName: 'ledger-db',
      podManagementPolicy: 'OrderedReady',
      selector: { matchLabels: { 'app.kubernetes.io/name': 'ledger-db' } },
      template: ledgerTemplate,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      volumeClaimTemplates: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'standard-rwo', resources: { requests: { storage: '20Gi' } } },
        },
      ],
    },
    status: {
      observedGeneration: 2,
      replicas: 1,
      readyReplicas: 1,
      currentReplicas: 1,
      updatedReplicas: 1,
      availableReplicas: 1,
      currentRevision: 'ledger-db-7d5c9b8f4d',
      updateRevision: 'ledger-db-7d5c9b8f4d',
      collisionCount: 0,
    },
  };
  const ledgerPod = pod({
    namespace: 'payments',
    name: 'ledger-db-0',
    template: ledgerTemplate,
    owner: ledgerSts,
    node: NODES[1],
    startTime: '2024-09-28T22:05:31Z',
    podIP: '10.4.1.9',
    extraLabels: { 'controller-revision-hash': 'ledger-db-7d5c9b8f4d', 'statefulset.kubernetes.io/pod-name': 'ledger-db-0', 'apps.kubernetes.io/pod-index': '0' },
  });
  // A StatefulSet pod has no generateName suffix to strip; the controller sets the hostname/subdomain.
  (ledgerPod.metadata as Meta).generateName = 'ledger-db-';
  Object.assign(ledgerPod.spec as object, { hostname: 'ledger-db-0', subdomain: 'ledger-db' });
  ((ledgerPod.spec as PodSpec).volumes as unknown[]).unshift({ name: 'data', persistentVolumeClaim: { claimName: 'data-ledger-db-0' } });

  // ---- kube-root-ca.crt: Kubernetes publishes the cluster CA in every namespace (every pod's token volume reads it)
  const rootCas = ['external-secrets', 'ingress-nginx', 'monitoring', 'ota', 'payments'].map((ns) =>
    configMap(ns, 'kube-root-ca.crt', '2024-03-11T09:02:41Z', { 'ca.crt': '-----BEGIN CERTIFICATE-----\ndemo-not-a-real-cluster-ca\n-----END CERTIFICATE-----\n' }, {
      annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' },
    }));

  // ---- monitoring ---------------------------------------------------------------------------------------------
  const monLabels = (name: string): Record<string, string> => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'monitoring' });
  const grafanaAdminValues = { 'admin-user': 'admin', 'admin-password': 'demo-not-a-real-grafana-password' };
  const grafanaAdmin = secret('monitoring', 'grafana-admin', '2024-03-13T08:12:50Z', 'Opaque', grafanaAdminValues, {
    labels: monLabels('grafana'),
    annotations: {
      'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { annotations: {}, labels: monLabels('grafana'), name: 'grafana-admin', namespace: 'monitoring' },
        stringData: grafanaAdminValues,
        type: 'Opaque',
      })}\n`,
    },
  });
  const grafanaTemplate: PodTemplate = {
    metadata: { labels: monLabels('grafana') },
    spec: {
      containers: [
        {
          name: 'grafana',
          image: 'grafana/grafana:11.2.0',
          ports: [{ name: 'http', containerPort: 3000, protocol: 'TCP' }],
          env: [
            { name: 'GF_SECURITY_ADMIN_USER', valueFrom: { secretKeyRef: { name: 'grafana-admin', key: 'admin-user' } } },
            { name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: 'grafana-admin', key: 'admin-password', optional: false } } },
          ],
          // grafana-smtp was deleted in a clean-up on 2024-09-30; the running pod started before that.
          envFrom: [{ prefix: 'GF_SMTP_', secretRef: { name: 'grafana-smtp' } }],
          volumeMounts: [
            // grafana.ini through subPath: a changed ConfigMap reaches it only with a restart.
            { name: 'config', mountPath: '/etc/grafana/grafana.ini', subPath: 'grafana.ini' },
            { name: 'dashboards', mountPath: '/var/lib/grafana/dashboards', readOnly: true },
          ],
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: 'grafana-ini', defaultMode: 420 } },
        { name: 'dashboards', configMap: { name: 'grafana-dashboards', defaultMode: 420, items: [{ key: 'ota-fleet.json', path: 'ota-fleet.json' }, { key: 'payments.json', path: 'payments.json' }] } },
      ],
    },
  };
  const grafanaIni = configMap('monitoring', 'grafana-ini', '2024-03-13T08:12:50Z', {
    'grafana.ini': '[server]\nroot_url = https://grafana.demo.example.com\n[auth.anonymous]\nenabled = false\n',
  }, { labels: monLabels('grafana') });
  const grafanaDashboards = configMap('monitoring', 'grafana-dashboards', '2024-05-02T14:20:11Z', {
    'ota-fleet.json': '{"title":"OTA fleet","panels":[]}',
    'payments.json': '{"title":"Payments","panels":[]}',
  }, { labels: { ...monLabels('grafana'), grafana_dashboard: '1' } });
  // prometheus-operator scrapes Grafana's /metrics with the admin credentials (a custom resource keygraph reads
  // through its reference table: the Secret's keys are used by it, not only by the Deployment).
  const grafanaMonitor: K8sObject = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: meta('ServiceMonitor', 'monitoring', 'grafana', '2024-05-02T14:20:11Z', { generation: 1, labels: monLabels('grafana') }),
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': 'grafana' } },
      endpoints: [{
        port: 'http',
        path: '/metrics',
        interval: '60s',
        basicAuth: { username: { name: 'grafana-admin', key: 'admin-user' }, password: { name: 'grafana-admin', key: 'admin-password' } },
      }],
    },
  };
  const grafana = deployment({
    namespace: 'monitoring',
    name: 'grafana',
    created: '2024-03-13T08:12:50Z',
    labels: monLabels('grafana'),
    replicas: 1,
    template: grafanaTemplate,
    revision: 5,
    hash: '84f6d9c7b5',
    rsCreated: '2024-09-16T12:01:37Z',
    pods: [{ suffix: 'kd8nb', node: NODES[0], startTime: '2024-09-16T12:01:37Z', podIP: '10.4.0.8' }],
  });
  const grafanaIngress: K8sObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta('Ingress', 'monitoring', 'grafana', '2024-03-13T08:12:50Z', { generation: 1, labels: monLabels('grafana') }),
    spec: {
      ingressClassName: 'nginx',
      // No secretName: served with the controller's default certificate. Not a Secret reference.
      tls: [{ hosts: ['grafana.demo.example.com'] }],
      rules: [{ host: 'grafana.demo.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'grafana', port: { number: 3000 } } } }] } }],
    },
    status: { loadBalancer: { ingress: [{ ip: '34.90.112.47' }] } },
  };
  const shipperKey = DEMO_KEY_FILES.logShipper;
  const storeCreds = secret('monitoring', 'secrets-store-creds', '2024-04-22T07:48:16Z', 'Opaque', { 'key.json': shipperKey.json }, {
    labels: { 'secrets-store.csi.k8s.io/used': 'true' },
  });
  const shipperTemplate: PodTemplate = {
    metadata: { labels: monLabels('log-shipper') },
    spec: {
      containers: [
        {
          name: 'fluent-bit',
          image: 'cr.fluentbit.io/fluent/fluent-bit:3.1.9',
          volumeMounts: [
            { name: 'varlog', mountPath: '/var/log', readOnly: true },
            { name: 'sink-credentials', mountPath: '/mnt/secrets-store', readOnly: true },
          ],
        },
      ],
      volumes: [
        { name: 'varlog', hostPath: { path: '/var/log', type: '' } },
        {
          name: 'sink-credentials',
          csi: {
            driver: 'secrets-store.csi.k8s.io',
            readOnly: true,
            volumeAttributes: { secretProviderClass: 'log-shipper-sink' },
            nodePublishSecretRef: { name: 'secrets-store-creds' },
          },
        },
      ],
    },
  };
  // The class the CSI volume names: the sink's token in Secret Manager, pinned to version 2, fetched with the key file
  // of nodePublishSecretRef (log-shipper@).
  const shipperSpc = spc('monitoring', 'log-shipper-sink', '2024-04-22T07:48:16Z', [{ resourceName: smName('log-sink-token', '2'), path: 'sink-token' }], monLabels('log-shipper'));
  const shipper: K8sObject = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: meta('DaemonSet', 'monitoring', 'log-shipper', '2024-04-22T07:48:16Z', { generation: 3, labels: monLabels('log-shipper'), annotations: { 'deprecated.daemonset.template.generation': '3' } }),
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': 'log-shipper' } },
      template: shipperTemplate,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
      revisionHistoryLimit: 10,
    },
    status: { currentNumberScheduled: 2, desiredNumberScheduled: 2, numberAvailable: 2, numberMisscheduled: 0, numberReady: 2, observedGeneration: 3, updatedNumberScheduled: 2 },
  };
  const shipperPods = [
    { suffix: 'h7c2w', node: NODES[0], startTime: '2024-09-24T10:33:02Z', podIP: '10.4.0.5' },
    { suffix: 'n4b9s', node: NODES[1], startTime: '2024-09-24T10:33:40Z', podIP: '10.4.1.5' },
  ].map((p) =>
    pod({
      namespace: 'monitoring',
      name: `log-shipper-${p.suffix}`,
      template: shipperTemplate,
      owner: shipper,
      node: p.node,
      startTime: p.startTime,
      podIP: p.podIP,
      extraLabels: { 'controller-revision-hash': '6f9b7c5d48', 'pod-template-generation': '3' },
    }),
  );

  // ---- ingress-nginx ------------------------------------------------------------------------------------------
  const ngxLabels = { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller', 'app.kubernetes.io/part-of': 'ingress-nginx' };
  const ngxSa: K8sObject = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: meta('ServiceAccount', 'ingress-nginx', 'ingress-nginx', '2024-03-11T08:55:20Z', { labels: ngxLabels }),
    automountServiceAccountToken: true,
  };
  const admission = secret('ingress-nginx', 'ingress-nginx-admission', '2024-03-11T08:55:31Z', 'Opaque', {
    ca: 'demo-not-a-real-admission-ca\n',
    cert: 'demo-not-a-real-admission-cert\n',
    key: 'demo-not-a-real-key\n',
  });
  const ngxTemplate = (version: string): PodTemplate => ({
    metadata: { labels: ngxLabels },
    spec: {
      serviceAccountName: 'ingress-nginx',
      containers: [
        {
          name: 'controller',
          image: `registry.k8s.io/ingress-nginx/controller:${version}`,
          args: ['/nginx-ingress-controller', '--election-id=ingress-nginx-leader', '--controller-class=k8s.io/ingress-nginx', '--ingress-class=nginx', '--validating-webhook=:8443', '--validating-webhook-certificate=/usr/local/certificates/cert', '--validating-webhook-key=/usr/local/certificates/key'],
          ports: [{ name: 'http', containerPort: 80 }, { name: 'https', containerPort: 443 }, { name: 'webhook', containerPort: 8443 }],
          volumeMounts: [{ name: 'webhook-cert', mountPath: '/usr/local/certificates/', readOnly: true }],
        },
      ],
      volumes: [{ name: 'webhook-cert', secret: { secretName: 'ingress-nginx-admission' } }],
    },
  });
  // The image tag bump between the days: v1.11.2 (day 1) -> v1.11.3 (day 2), a new ReplicaSet and pod.
  const ngx = deployment({
    namespace: 'ingress-nginx',
    name: 'ingress-nginx-controller',
    created: '2024-03-11T08:55:20Z',
    labels: { ...ngxLabels, 'helm.sh/chart': d2 ? 'ingress-nginx-4.11.3' : 'ingress-nginx-4.11.2' },
    replicas: 1,
    template: ngxTemplate(d2 ? 'v1.11.3' : 'v1.11.2'),
    revision: d2 ? 9 : 8,
    hash: d2 ? '6b9d4c7f88' : '58c7f9d6b4',
    rsCreated: d2 ? '2024-10-07T16:04:51Z' : '2024-08-20T07:30:12Z',
    oldReplicaSets: d2 ? [{ hash: '58c7f9d6b4', created: '2024-08-20T07:30:12Z', template: ngxTemplate('v1.11.2'), revision: 8 }] : [],
    pods: [{ suffix: d2 ? 'c5xjm' : 'zr9t2', node: NODES[1], startTime: d2 ? '2024-10-07T16:04:51Z' : '2024-08-20T07:30:12Z', podIP: d2 ? '10.4.1.47' : '10.4.1.3' }],
  });

  // ---- external-secrets: the operator that syncs Secret Manager into Secrets ---------------------------------
  const esoLabels = { 'app.kubernetes.io/name': 'external-secrets', 'app.kubernetes.io/instance': 'external-secrets', 'app.kubernetes.io/managed-by': 'Helm', 'helm.sh/chart': 'external-secrets-0.10.4', 'app.kubernetes.io/version': 'v0.10.4' };
  // No iam.gke.io annotation: Secret Manager grants this KSA directly (Workload Identity Federation principal).
  const esoSa: K8sObject = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: meta('ServiceAccount', 'external-secrets', 'external-secrets', '2024-03-11T08:58:03Z', { labels: esoLabels }),
  };
  const eso = deployment({
    namespace: 'external-secrets',
    name: 'external-secrets',
    created: '2024-03-11T08:58:03Z',
    labels: esoLabels,
    replicas: 1,
    template: {
      metadata: { labels: { 'app.kubernetes.io/name': 'external-secrets', 'app.kubernetes.io/instance': 'external-secrets' } },
      spec: {
        serviceAccountName: 'external-secrets',
        containers: [{
          name: 'external-secrets',
          image: 'ghcr.io/external-secrets/external-secrets:v0.10.4',
          args: ['--concurrent=1', '--metrics-addr=:8080', '--loglevel=info'],
          ports: [{ name: 'metrics', containerPort: 8080, protocol: 'TCP' }],
        }],
      },
    },
    revision: 4,
    hash: '7d8c6f5b9c',
    rsCreated: '2024-09-25T10:12:31Z',
    pods: [{ suffix: 'tw4hx', node: NODES[0], startTime: '2024-09-25T10:12:31Z', podIP: '10.4.0.19' }],
  });
  const clusterStore: K8sObject = {
    apiVersion: 'external-secrets.io/v1beta1',
    kind: 'ClusterSecretStore',
    metadata: clusterMeta('ClusterSecretStore', 'gcp-secret-manager', '2024-03-11T08:58:40Z', { generation: 1, labels: { 'app.kubernetes.io/managed-by': 'argocd' } }),
    // The project NUMBER: the demo's Secret Manager data is gcloud output, whose names carry the number.
    spec: { provider: { gcpsm: { projectID: DEMO_PROJECT_NUMBER } } },
    status: {
      capabilities: 'ReadWrite',
      conditions: [{ type: 'Ready', status: 'True', reason: 'Valid', message: 'store validated', lastTransitionTime: '2024-03-11T08:58:41Z' }],
    },
  };

  // ---- RBAC (kubectl get roles,rolebindings,clusterroles,clusterrolebindings -A) -------------------------------
  const rbacGroup = 'rbac.authorization.k8s.io';
  const role = (namespace: string, name: string, created: string, rules: unknown[], labels?: Record<string, string>): K8sObject => ({
    apiVersion: `${rbacGroup}/v1`, kind: 'Role', metadata: meta('Role', namespace, name, created, labels ? { labels } : {}), rules,
  });
  const clusterRole = (name: string, created: string, rules: unknown[], extra: Partial<Meta> = {}, aggregationRule?: unknown): K8sObject => ({
    apiVersion: `${rbacGroup}/v1`, kind: 'ClusterRole', metadata: clusterMeta('ClusterRole', name, created, extra), ...(aggregationRule ? { aggregationRule } : {}), rules,
  });
  const subjectOf = (s: { kind: 'ServiceAccount'; name: string; namespace: string } | { kind: 'Group' | 'User'; name: string }) =>
    s.kind === 'ServiceAccount' ? s : { apiGroup: rbacGroup, ...s };
  const roleBinding = (namespace: string, name: string, created: string, roleRef: { kind: 'Role' | 'ClusterRole'; name: string }, subjects: Parameters<typeof subjectOf>[0][]): K8sObject => ({
    apiVersion: `${rbacGroup}/v1`, kind: 'RoleBinding', metadata: meta('RoleBinding', namespace, name, created),
    roleRef: { apiGroup: rbacGroup, ...roleRef }, subjects: subjects.map(subjectOf),
  });
  const editRules = [
    { apiGroups: [''], resources: ['configmaps', 'secrets', 'serviceaccounts'], verbs: ['create', 'delete', 'deletecollection', 'patch', 'update'] },
    { apiGroups: [''], resources: ['configmaps', 'secrets', 'serviceaccounts', 'pods', 'services'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
  ];
  const rbac: K8sObject[] = [
    // The app reads its own DB credentials through the API (resourceNames: that Secret only).
    role('ota', 'ota-lite-api', '2024-03-11T09:05:12Z', [
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['ota-db-credentials'], verbs: ['get', 'watch'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] },
    ], otaLabels('ota-lite-api')),
    // On-call may read every Secret of monitoring (a namespace-wide reader, bound to a Group, not to a workload).
    role('monitoring', 'secret-reader', '2024-03-13T08:12:50Z', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }]),
    roleBinding('ota', 'ota-lite-api', '2024-03-11T09:05:12Z', { kind: 'Role', name: 'ota-lite-api' }, [{ kind: 'ServiceAccount', name: 'ota-lite-api', namespace: 'ota' }]),
    roleBinding('monitoring', 'oncall-secret-reader', '2024-03-13T08:12:50Z', { kind: 'Role', name: 'secret-reader' }, [{ kind: 'Group', name: 'oncall@demo.example.com' }]),
    // Payments developers get the aggregated `edit` role in their namespace (edit reads Secrets through aggregation).
    roleBinding('payments', 'payments-devs-edit', '2024-03-12T10:40:03Z', { kind: 'ClusterRole', name: 'edit' }, [{ kind: 'Group', name: 'payments-devs@demo.example.com' }]),
    // The operator writes the Secrets of every ExternalSecret: it reads every Secret of the cluster, by design.
    clusterRole('external-secrets-controller', '2024-03-11T08:58:03Z', [
      { apiGroups: ['external-secrets.io'], resources: ['secretstores', 'clustersecretstores', 'externalsecrets', 'clusterexternalsecrets', 'pushsecrets'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['external-secrets.io'], resources: ['externalsecrets/status', 'externalsecrets/finalizers', 'secretstores/status', 'clustersecretstores/status'], verbs: ['get', 'patch', 'update'] },
      { apiGroups: [''], resources: ['serviceaccounts', 'namespaces'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'delete', 'patch'] },
      { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    ], { labels: esoLabels }),
    // Kubernetes' default `edit`: aggregated from every ClusterRole labelled aggregate-to-edit (the API server's
    // aggregation controller fills `rules`, as a dump shows them).
    clusterRole('edit', '2024-03-11T08:50:12Z', editRules, {
      labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' },
      annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
    }, { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } }] }),
    clusterRole('system:aggregate-to-edit', '2024-03-11T08:50:12Z', editRules, {
      labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' },
      annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
    }),
    {
      apiVersion: `${rbacGroup}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: clusterMeta('ClusterRoleBinding', 'external-secrets-controller', '2024-03-11T08:58:03Z', { labels: esoLabels }),
      roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: 'external-secrets-controller' },
      subjects: [{ kind: 'ServiceAccount', name: 'external-secrets', namespace: 'external-secrets' }],
    },
  ];

  // ---- files --------------------------------------------------------------------------------------------------
  const workloads = [otaApi, ...(d2 ? [scheduler] : []), payApi, ...(d2 ? [] : [refund]), grafana, ngx, eso];
  const files: DemoFile[] = [
    { file: '00-namespaces.yaml', style: 'list', objects: namespaces },
    {
      file: 'ota.yaml',
      style: 'manifests',
      objects: [otaSa, registryPull, targetsBackupKey, otaDbExternal, otaDbSecret, otaCert, otaTls, gcpKeySecret, otaApiSpc, backupSpc, otaApi.deployment, ...(d2 ? [scheduler.deployment] : []), otaIngress, cronJob],
    },
    {
      file: 'payments.yaml',
      style: 'manifests',
      objects: [paySa, payToken, sealed, payDb, payStripe, payApi.deployment, ...(d2 ? [] : [refund.deployment]), ledgerSts],
    },
    { file: 'monitoring.yaml', style: 'manifests', objects: [grafanaAdmin, grafanaIni, grafanaDashboards, storeCreds, shipperSpc, grafana.deployment, grafanaIngress, grafanaMonitor, shipper] },
    { file: 'external-secrets.yaml', style: 'manifests', objects: [esoSa, eso.deployment, clusterStore] },
    { file: 'rbac.yaml', style: 'list', objects: rbac },
    { file: 'configmaps.yaml', style: 'list', objects: rootCas },
    { file: 'ingress-nginx.yaml', style: 'manifests', objects: [ngxSa, admission, ngx.deployment] },
    { file: 'replicasets.yaml', style: 'list', objects: workloads.flatMap((w) => w.replicaSets) },
    { file: 'jobs.yaml', style: 'list', objects: [job] },
    { file: 'pods.yaml', style: 'list', objects: [...workloads.flatMap((w) => w.pods), jobPod, ledgerPod, ...shipperPods] },
  ];
  for (const f of files) f.objects.forEach(stampResourceVersion);
  return files;
}

/** Serialises one file: `---`-separated documents, or a `kind: List` like `kubectl get … -A -o yaml`. */
export function renderFile(f: DemoFile, day: Day): string {
  // YAML 1.1 quoting (as kubectl's Go YAML does) keeps timestamps and yes/no/on/off strings quoted, so YAML 1.1
  // readers do not turn them into dates or booleans; sequences unindented like kubectl prints them.
  const opts = { lineWidth: 0, minContentWidth: 0, version: '1.1', indentSeq: false, aliasDuplicateObjects: false } as const;
  if (f.style === 'list') {
    const list = { apiVersion: 'v1', kind: 'List', items: f.objects, metadata: { resourceVersion: '' } };
    const kinds = [...new Set(f.objects.map((o) => `${o.kind.toLowerCase()}s`))].join(',') || 'all';
    return `# kubectl get ${kinds} -A -o yaml  (cluster demo, ${SNAPSHOT_TIMES[day]})\n${YAML.stringify(list, opts)}`;
  }
  const header = `# ${f.file.replace(/\.yaml$/, '')} namespace, as collected from cluster demo at ${SNAPSHOT_TIMES[day]}\n`;
  return header + f.objects.map((o) => YAML.stringify(o, opts)).join('---\n');
}

// ---------------------------------------------------------------------------------------------------------------
// GCP IAM snapshots of project keygraph-demo (lib/demo/gcp/day1, day2): gcloud `--format=json` output
// ---------------------------------------------------------------------------------------------------------------

/** Collection instants of the two GCP snapshots (UTC): a few minutes after the cluster dumps of the same day. */
export const GCP_SNAPSHOT_TIMES: Record<Day, string> = { 1: '2024-10-07T06:05:00Z', 2: '2024-10-08T06:05:00Z' };

/** Fake project number of `keygraph-demo` (Compute Engine default account, Policy Analyzer `projectNumber`). */
export const DEMO_PROJECT_NUMBER = '482915630174';

/** One JSON file of a GCP snapshot: its name and the document (an array for gcloud list output). */
export interface GcpDemoFile {
  file: string;
  /** What produced it, for lib/demo/README.md and the tests. */
  command: string;
  json: unknown;
}

interface DemoGsa {
  /** Account id (the part before `@`), also the file-name stem. */
  id: string;
  email: string;
  displayName: string;
  description?: string;
  disabled?: boolean;
  /** Bindings of the account's own IAM policy (`get-iam-policy`). */
  bindings: Array<{ role: string; members: string[] }>;
}

interface DemoKey {
  account: string;
  keyId: string;
  type: 'USER_MANAGED' | 'SYSTEM_MANAGED';
  validAfter: string;
  validBefore: string;
  disabled?: boolean;
  /** Policy Analyzer `lastAuthenticatedTime` per day (absent: no authentication in the observation window). */
  lastAuth?: Partial<Record<Day, string>>;
  /** Days the key is listed (default both). */
  days?: Day[];
}

/** `projects/keygraph-demo/serviceAccounts/EMAIL`. */
const saName = (email: string) => `projects/${DEMO_PROJECT}/serviceAccounts/${email}`;
/** 21-digit numeric id, stable per label (service account uniqueId / oauth2ClientId). */
const numericId = (label: string) => `1${String(BigInt(`0x${hex(`numeric:${label}`, 24)}`) % 10n ** 20n).padStart(20, '0')}`;
const wiMember = (ns: string, ksa: string) => `serviceAccount:${DEMO_PROJECT}.svc.id.goog[${ns}/${ksa}]`;
/** User-managed keys never expire unless an expiry was set: the API reports the end of time. */
const NEVER = '9999-12-31T23:59:59Z';

const sa = (id: string, rest: Omit<DemoGsa, 'id' | 'email'>): DemoGsa => ({ id, email: `${id}@${DEMO_PROJECT}.iam.gserviceaccount.com`, ...rest });

/** The project's service accounts (the same on both days). */
const DEMO_GSAS: DemoGsa[] = [
  sa('ota-lite-api', {
    displayName: 'OTA Lite API',
    description: 'GKE Workload Identity for ota/ota-lite-api (cluster demo)',
    bindings: [{ role: 'roles/iam.workloadIdentityUser', members: [wiMember('ota', 'ota-lite-api')] }],
  }),
  sa('ota-backup-uploader', {
    displayName: 'OTA metadata backup uploader',
    description: 'Writes gs://keygraph-demo-ota-backups. Key file in Secret ota/ota-backup-uploader-gcp-key',
    bindings: [{ role: 'roles/iam.serviceAccountKeyAdmin', members: ['group:platform-team@demo.example.com'] }],
  }),
  sa('log-shipper', {
    displayName: 'Log shipper (fluent-bit)',
    description: 'Secrets Store CSI credentials for monitoring/log-shipper. Key file in Secret monitoring/secrets-store-creds',
    bindings: [],
  }),
  sa('payments-api', {
    displayName: 'Payments API',
    description: 'GKE Workload Identity for payments/payments-api (cluster demo)',
    // The binding was granted, but nobody annotated the Kubernetes ServiceAccount: half-configured.
    bindings: [{ role: 'roles/iam.workloadIdentityUser', members: [wiMember('payments', 'payments-api')] }],
  }),
  sa('legacy-ci-deployer', {
    displayName: 'Legacy CI deployer (Jenkins)',
    description: 'Replaced by GitHub Actions Workload Identity Federation; disabled 2024-07-01',
    disabled: true,
    bindings: [],
  }),
  {
    id: `${DEMO_PROJECT_NUMBER}-compute`,
    email: `${DEMO_PROJECT_NUMBER}-compute@developer.gserviceaccount.com`,
    displayName: 'Compute Engine default service account',
    bindings: [{ role: 'roles/iam.serviceAccountUser', members: ['group:platform-team@demo.example.com'] }],
  },
];

const gsaEmail = (id: string) => DEMO_GSAS.find((g) => g.id === id)!.email;
const keyIdOf = (label: string) => hex(`gcp-key:${label}`, 40);
/** A Google-managed key: rotated by Google, valid for about two weeks of signing. */
const systemKey = (account: string, validAfter: string, days?: Day[]): DemoKey => ({
  account,
  keyId: keyIdOf(`system:${account}:${validAfter}`),
  type: 'SYSTEM_MANAGED',
  validAfter,
  validBefore: addSeconds(validAfter, 16 * 86400),
  ...(days ? { days } : {}),
});

/** Every key of the project, with the days it is listed. */
const DEMO_KEYS: DemoKey[] = [
  systemKey('ota-lite-api', '2024-09-26T11:14:05Z'),
  // Google rotated ota-lite-api's signing key overnight: a new system-managed key on day 2.
  systemKey('ota-lite-api', '2024-10-07T23:02:11Z', [2]),
  // The key in ota/ota-backup-uploader-gcp-key, created when the Secret was (2024-05-14), used by every nightly
  // backup (CronJob ota-metadata-backup at 02:30).
  {
    account: 'ota-backup-uploader',
    keyId: DEMO_KEY_FILES.otaBackupUploader.privateKeyId,
    type: 'USER_MANAGED',
    validAfter: '2024-05-14T16:18:41Z',
    validBefore: NEVER,
    lastAuth: { 1: '2024-10-07T02:30:41Z', 2: '2024-10-08T02:30:44Z' },
  },
  // Its predecessor: replaced on 2024-05-14 but never deleted. Older than 90 days and unused for 90+ days.
  {
    account: 'ota-backup-uploader',
    keyId: keyIdOf('ota-backup-uploader:2023'),
    type: 'USER_MANAGED',
    validAfter: '2023-11-02T10:07:15Z',
    validBefore: NEVER,
    lastAuth: { 1: '2024-05-14T02:30:38Z', 2: '2024-05-14T02:30:38Z' },
  },
  systemKey('ota-backup-uploader', '2024-09-30T08:41:52Z'),
  // The key in monitoring/secrets-store-creds. Deleted in GCP on 2024-10-07 during a key clean-up, while the Secret
  // still holds it: not listed on day 2.
  {
    account: 'log-shipper',
    keyId: DEMO_KEY_FILES.logShipper.privateKeyId,
    type: 'USER_MANAGED',
    validAfter: '2024-04-22T07:45:52Z',
    validBefore: NEVER,
    lastAuth: { 1: '2024-10-07T03:58:27Z' },
    days: [1],
  },
  systemKey('log-shipper', '2024-09-28T19:20:33Z'),
  systemKey('payments-api', '2024-10-01T04:12:09Z'),
  // The disabled account's key, disabled too (kept for the audit trail).
  {
    account: 'legacy-ci-deployer',
    keyId: keyIdOf('legacy-ci-deployer:2023'),
    type: 'USER_MANAGED',
    validAfter: '2023-03-20T09:31:02Z',
    validBefore: NEVER,
    disabled: true,
    lastAuth: { 1: '2024-06-28T17:44:10Z', 2: '2024-06-28T17:44:10Z' },
  },
  systemKey('legacy-ci-deployer', '2024-09-29T02:03:44Z'),
  systemKey(`${DEMO_PROJECT_NUMBER}-compute`, '2024-09-27T15:37:20Z'),
];

/** Builds every file of one day's GCP snapshot (see lib/demo/README.md, "GCP IAM"). */
export function buildGcpDay(day: Day): GcpDemoFile[] {
  const files: GcpDemoFile[] = [];
  // gcloud iam service-accounts list: REST field order, `disabled` only when true.
  files.push({
    file: 'service-accounts.json',
    command: `gcloud iam service-accounts list --project ${DEMO_PROJECT} --format=json`,
    json: DEMO_GSAS.map((g) => ({
      ...(g.description ? { description: g.description } : {}),
      ...(g.disabled ? { disabled: true } : {}),
      displayName: g.displayName,
      email: g.email,
      etag: 'MDEwMjE5MjA=',
      name: saName(g.email),
      oauth2ClientId: numericId(`sa:${g.email}`),
      projectId: DEMO_PROJECT,
      uniqueId: numericId(`sa:${g.email}`),
    })),
  });
  for (const g of DEMO_GSAS) {
    const keys = DEMO_KEYS.filter((k) => gsaEmail(k.account) === g.email && (k.days ?? [1, 2]).includes(day));
    files.push({
      file: `keys-${g.id}.json`,
      command: `gcloud iam service-accounts keys list --iam-account ${g.email} --format=json`,
      json: keys.map((k) => ({
        ...(k.disabled ? { disabled: true } : {}),
        keyAlgorithm: 'KEY_ALG_RSA_2048',
        keyOrigin: 'GOOGLE_PROVIDED',
        keyType: k.type,
        name: `${saName(g.email)}/keys/${k.keyId}`,
        validAfterTime: k.validAfter,
        validBeforeTime: k.validBefore,
      })),
    });
  }
  for (const g of DEMO_GSAS) {
    // get-iam-policy prints a bare policy, which does not say whose it is: wrapped with the account's resource name.
    const policy = g.bindings.length
      ? { bindings: g.bindings, etag: `BwYk${hex(`etag:${g.email}`, 8)}=`, version: 1 }
      : { etag: 'ACAB' };
    files.push({
      file: `iam-policy-${g.id}.json`,
      command: `jq -n --arg resource ${saName(g.email)} --argjson policy "$(gcloud iam service-accounts get-iam-policy ${g.email} --format=json)" '{$resource, $policy}'`,
      json: { resource: saName(g.email), policy },
    });
  }
  const endTime = GCP_SNAPSHOT_TIMES[day].replace('06:05:00', '05:00:00');
  files.push({
    file: 'key-activities.json',
    command: `gcloud policy-intelligence query-activity --activity-type=serviceAccountKeyLastAuthentication --project=${DEMO_PROJECT} --format=json`,
    json: DEMO_KEYS.filter((k) => k.lastAuth?.[day] && (k.days ?? [1, 2]).includes(day)).map((k) => {
      const uniqueId = numericId(`sa:${gsaEmail(k.account)}`);
      const full = `//iam.googleapis.com/projects/${DEMO_PROJECT}/serviceAccounts/${uniqueId}/keys/${k.keyId}`;
      return {
        activity: {
          lastAuthenticatedTime: k.lastAuth![day],
          serviceAccountKey: { fullResourceName: full, projectNumber: DEMO_PROJECT_NUMBER, serviceAccountId: uniqueId },
        },
        activityType: 'serviceAccountKeyLastAuthentication',
        fullResourceName: full,
        observationPeriod: { endTime, startTime: endTime.replace(/^2024/, '2023') },
      };
    }),
  });
  return files;
}

/**
 * The project's own IAM policy (`gcloud projects get-iam-policy keygraph-demo --format=json`, wrapped with its
 * resource name like the service-account policies): who may act as or mint tokens for every service account of the
 * project, and read every Secret Manager secret. The same on both days. Written to `gcp/project/` (not to a day
 * folder): see lib/demo/README.md, "Project IAM policy".
 */
export function buildProjectPolicy(): GcpDemoFile {
  const ci = `serviceAccount:${gsaEmail('legacy-ci-deployer')}`;
  return {
    file: 'iam-policy.json',
    command: `jq -n --arg resource projects/${DEMO_PROJECT} --argjson policy "$(gcloud projects get-iam-policy ${DEMO_PROJECT} --format=json)" '{$resource, $policy}'`,
    json: {
      resource: `projects/${DEMO_PROJECT}`,
      policy: {
        bindings: [
          { members: ['group:platform-admins@demo.example.com'], role: 'roles/owner' },
          { members: ['group:platform-team@demo.example.com', ci], role: 'roles/iam.serviceAccountUser' },
          // The Jenkins deployer minted tokens for the deploy accounts; disabled since 2024-07-01, the grant stayed.
          { members: [ci], role: 'roles/iam.serviceAccountTokenCreator' },
          { members: ['group:ota-oncall@demo.example.com'], role: 'roles/secretmanager.secretAccessor' },
          { members: [`serviceAccount:${DEMO_PROJECT_NUMBER}-compute@developer.gserviceaccount.com`], role: 'roles/container.defaultNodeServiceAccount' },
        ],
        etag: `BwYk${hex(`etag:projects/${DEMO_PROJECT}`, 8)}=`,
        version: 1,
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Secret Manager snapshots of project keygraph-demo (lib/demo/secretmanager/day1, day2): gcloud `--format=json`
// ---------------------------------------------------------------------------------------------------------------

/** Collection instants of the two Secret Manager snapshots (UTC): a few minutes after the IAM ones. */
export const SECRET_MANAGER_SNAPSHOT_TIMES: Record<Day, string> = { 1: '2024-10-07T06:10:00Z', 2: '2024-10-08T06:10:00Z' };

/** `principal://…/subject/ns/NS/sa/KSA`: a Kubernetes ServiceAccount granted directly (Workload Identity Federation for GKE). */
const wiPrincipal = (ns: string, ksa: string) =>
  `principal://iam.googleapis.com/projects/${DEMO_PROJECT_NUMBER}/locations/global/workloadIdentityPools/${DEMO_PROJECT}.svc.id.goog/subject/ns/${ns}/sa/${ksa}`;

interface DemoSmVersion {
  n: number;
  created: string;
  /** State per day (absent on a day: the version did not exist yet). */
  state: Partial<Record<Day, 'ENABLED' | 'DISABLED' | 'DESTROYED'>>;
  destroyed?: string;
}

interface DemoSmSecret {
  name: string;
  created: string;
  labels: Record<string, string>;
  /** Replica locations of a user-managed secret; absent: automatic. */
  locations?: string[];
  versions: DemoSmVersion[];
  bindings: Array<{ role: string; members: string[] }>;
}

const both = (s: 'ENABLED' | 'DISABLED' | 'DESTROYED') => ({ 1: s, 2: s });

/**
 * The project's Secret Manager secrets and their consumers in cluster `demo`:
 * - `ota-db-password` → ExternalSecret `ota/ota-db-credentials` (`latest`, through ClusterSecretStore
 *   `gcp-secret-manager` and the operator's KSA, granted directly) → Secret `ota/ota-db-credentials` → ota pods.
 *   Day 2: version 4 added (a rotation), version 3 disabled once the operator had synced 4.
 * - `ota-db-config` (user-managed replication) → the same ExternalSecret, version 1 pinned.
 * - `ota-targets-signing-key` → SecretProviderClass `ota/ota-lite-api-signing` (`latest`, pods of ota-lite-api) and
 *   `ota/ota-metadata-backup-verify` (version 2 pinned, the backup CronJob): disabling version 3 breaks the first only.
 * - `log-sink-token` (user-managed, one region) → SecretProviderClass `monitoring/log-shipper-sink` (version 2).
 */
const DEMO_SM_SECRETS: DemoSmSecret[] = [
  {
    name: 'ota-db-password',
    created: '2024-03-11T08:59:20.114223Z',
    labels: { app: 'ota', 'managed-by': 'terraform' },
    versions: [
      { n: 1, created: '2024-03-11T08:59:21.502187Z', state: both('DESTROYED'), destroyed: '2024-06-12T09:30:02.118043Z' },
      { n: 2, created: '2024-06-12T09:14:40.730962Z', state: both('DISABLED') },
      { n: 3, created: '2024-09-02T07:55:13.284410Z', state: { 1: 'ENABLED', 2: 'DISABLED' } },
      { n: 4, created: '2024-10-08T05:20:07.905117Z', state: { 2: 'ENABLED' } },
    ],
    bindings: [
      { role: 'roles/secretmanager.secretAccessor', members: [wiPrincipal('external-secrets', 'external-secrets')] },
      { role: 'roles/secretmanager.secretVersionManager', members: ['group:platform-team@demo.example.com'] },
    ],
  },
  {
    name: 'ota-db-config',
    created: '2024-03-11T08:59:24.660951Z',
    labels: { app: 'ota', 'managed-by': 'terraform' },
    locations: ['europe-west1', 'europe-west4'],
    versions: [{ n: 1, created: '2024-03-11T08:59:25.017334Z', state: both('ENABLED') }],
    bindings: [{ role: 'roles/secretmanager.secretAccessor', members: [wiPrincipal('external-secrets', 'external-secrets')] }],
  },
  {
    name: 'ota-targets-signing-key',
    created: '2024-04-02T13:39:51.448390Z',
    labels: { app: 'ota', 'key-role': 'targets-signing' },
    versions: [
      { n: 1, created: '2024-04-02T13:40:00.129056Z', state: both('DESTROYED'), destroyed: '2024-06-10T12:30:41.550273Z' },
      { n: 2, created: '2024-06-10T11:58:31.871224Z', state: both('ENABLED') },
      { n: 3, created: '2024-09-30T10:21:47.306655Z', state: both('ENABLED') },
    ],
    bindings: [
      { role: 'roles/secretmanager.secretAccessor', members: [`serviceAccount:${gsaEmail('ota-lite-api')}`, `serviceAccount:${gsaEmail('ota-backup-uploader')}`] },
      { role: 'roles/secretmanager.secretVersionManager', members: ['group:platform-team@demo.example.com'] },
    ],
  },
  {
    name: 'log-sink-token',
    created: '2024-04-22T07:40:02.774519Z',
    labels: { app: 'log-shipper' },
    locations: ['europe-west1'],
    versions: [
      { n: 1, created: '2024-04-22T07:40:10.392801Z', state: both('DISABLED') },
      { n: 2, created: '2024-08-19T14:02:55.611487Z', state: both('ENABLED') },
    ],
    bindings: [{ role: 'roles/secretmanager.secretAccessor', members: [`serviceAccount:${gsaEmail('log-shipper')}`] }],
  },
];


/** Builds every file of one day's Secret Manager snapshot (see lib/demo/README.md, "Secret Manager"). */
export function buildSecretManagerDay(day: Day): GcpDemoFile[] {
  const smEtag = (label: string) => `"${hex(`sm-etag:${label}`, 14)}"`;
  const replication = (s: DemoSmSecret) =>
    s.locations ? { userManaged: { replicas: s.locations.map((location) => ({ location })) } } : { automatic: {} };
  const files: GcpDemoFile[] = [{
    file: 'secrets.json',
    command: `gcloud secrets list --project ${DEMO_PROJECT} --format=json`,
    // gcloud prints keys sorted.
    json: DEMO_SM_SECRETS.map((s) => ({
      createTime: s.created,
      etag: smEtag(`${s.name}:${day}`),
      labels: s.labels,
      name: `projects/${DEMO_PROJECT_NUMBER}/secrets/${s.name}`,
      replication: replication(s),
    })),
  }];
  for (const s of DEMO_SM_SECRETS) {
    files.push({
      file: `versions-${s.name}.json`,
      command: `gcloud secrets versions list ${s.name} --project ${DEMO_PROJECT} --format=json`,
      // Newest first, as gcloud lists them.
      json: s.versions.filter((v) => v.state[day]).reverse().map((v) => ({
        createTime: v.created,
        ...(v.state[day] === 'DESTROYED' && v.destroyed ? { destroyTime: v.destroyed } : {}),
        etag: smEtag(`${s.name}/${v.n}:${v.state[day]}`),
        name: `projects/${DEMO_PROJECT_NUMBER}/secrets/${s.name}/versions/${v.n}`,
        replicationStatus: s.locations ? { userManaged: { replicas: s.locations.map((location) => ({ location })) } } : { automatic: {} },
        state: v.state[day],
      })),
    });
  }
  for (const s of DEMO_SM_SECRETS) {
    const resource = `projects/${DEMO_PROJECT_NUMBER}/secrets/${s.name}`;
    files.push({
      file: `iam-policy-${s.name}.json`,
      command: `jq -n --arg resource ${resource} --argjson policy "$(gcloud secrets get-iam-policy ${s.name} --project ${DEMO_PROJECT} --format=json)" '{$resource, $policy}'`,
      json: { resource, policy: { bindings: s.bindings, etag: `BwYk${hex(`etag:${resource}`, 8)}=`, version: 1 } },
    });
  }
  return files;
}

/** Serialises one GCP file as gcloud prints JSON (2-space indent, trailing newline). */
export function renderGcpFile(f: GcpDemoFile): string {
  return `${JSON.stringify(f.json, null, 2)}\n`;
}

/**
 * Writes `lib/demo/day1`, `lib/demo/day2` (their *.yaml files are replaced), `lib/demo/gcp/day1`, `gcp/day2`,
 * `secretmanager/day1`, `secretmanager/day2` (*.json replaced) and `gcp/project/iam-policy.json`.
 */
export function writeDemo(root: string): void {
  for (const day of [1, 2] as const) {
    const dir = path.join(root, `day${day}`);
    mkdirSync(dir, { recursive: true });
    for (const f of readdirSync(dir)) if (f.endsWith('.yaml')) rmSync(path.join(dir, f));
    for (const f of buildDay(day)) writeFileSync(path.join(dir, f.file), renderFile(f, day));
    const gcpDir = path.join(root, 'gcp', `day${day}`);
    mkdirSync(gcpDir, { recursive: true });
    for (const f of readdirSync(gcpDir)) if (f.endsWith('.json')) rmSync(path.join(gcpDir, f));
    for (const f of buildGcpDay(day)) writeFileSync(path.join(gcpDir, f.file), renderGcpFile(f));
    const smDir = path.join(root, 'secretmanager', `day${day}`);
    mkdirSync(smDir, { recursive: true });
    for (const f of readdirSync(smDir)) if (f.endsWith('.json')) rmSync(path.join(smDir, f));
    for (const f of buildSecretManagerDay(day)) writeFileSync(path.join(smDir, f.file), renderGcpFile(f));
  }
  const projectDir = path.join(root, 'gcp', 'project');
  mkdirSync(projectDir, { recursive: true });
  const projectPolicy = buildProjectPolicy();
  writeFileSync(path.join(projectDir, projectPolicy.file), renderGcpFile(projectPolicy));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeDemo(path.dirname(fileURLToPath(import.meta.url)));
}
