/**
 * Checks the shipped demo snapshots: they are what build.ts produces, they parse, owner references and
 * pod-template-hashes are consistent, the incident is there exactly as README.md tells it, and every secret
 * value is obviously fake. Also the Secret Manager snapshots (secretmanager/dayN), their consumers in the cluster,
 * the RBAC objects, and the project IAM policy file (gcp/project).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { DEMO_KEY_FILES, DEMO_PROJECT_NUMBER, DEMO_TLS_CERT, buildDay, buildProjectPolicy, buildSecretManagerDay, renderFile, renderGcpFile, type Day } from './build';

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    labels?: Record<string, string>;
    ownerReferences?: Array<{ kind: string; name: string; uid: string; apiVersion: string }>;
  };
  spec?: any;
  status?: any;
  data?: Record<string, string>;
  type?: string;
  secrets?: Array<{ name: string }>;
  imagePullSecrets?: Array<{ name: string }>;
};

const dir = path.dirname(new URL(import.meta.url).pathname);

/** Every object of one day, Lists flattened, as `collect files` would see them. */
function load(day: Day): Obj[] {
  const d = path.join(dir, `day${day}`);
  const out: Obj[] = [];
  for (const f of readdirSync(d).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of YAML.parseAllDocuments(readFileSync(path.join(d, f), 'utf8'))) {
      expect(doc.errors, f).toEqual([]);
      const o = doc.toJS() as Obj & { items?: Obj[] };
      if (o.kind === 'List') out.push(...o.items!);
      else out.push(o);
    }
  }
  return out;
}

const find = (objs: Obj[], kind: string, ns: string, name: string): Obj | undefined =>
  objs.find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name);

/** One Secret reference found in a pod spec. */
interface Ref {
  name: string;
  via: string;
  key?: string;
  optional: boolean;
}

/** Secret references of a pod spec (the paths docs/ARCHITECTURE.md lists), enough to check the story. */
function podSpecRefs(spec: any): Ref[] {
  const refs: Ref[] = [];
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    for (const e of c.env ?? []) {
      const r = e.valueFrom?.secretKeyRef;
      if (r) refs.push({ name: r.name, via: 'env', key: r.key, optional: r.optional === true });
    }
    for (const e of c.envFrom ?? []) if (e.secretRef) refs.push({ name: e.secretRef.name, via: 'envFrom', optional: e.secretRef.optional === true });
  }
  for (const v of spec.volumes ?? []) {
    if (v.secret) {
      const items: Array<{ key: string }> = v.secret.items ?? [{ key: undefined }];
      for (const i of items) refs.push({ name: v.secret.secretName, via: 'volume', key: i.key, optional: v.secret.optional === true });
    }
    for (const s of v.projected?.sources ?? []) {
      if (s.secret) for (const i of s.secret.items ?? [{}]) refs.push({ name: s.secret.name, via: 'projected', key: i.key, optional: s.secret.optional === true });
    }
    if (v.csi?.nodePublishSecretRef) refs.push({ name: v.csi.nodePublishSecretRef.name, via: 'csi', optional: false });
  }
  for (const p of spec.imagePullSecrets ?? []) refs.push({ name: p.name, via: 'imagePullSecret', optional: true });
  return refs;
}

/** Pod spec of any workload kind, or of a Pod. */
function podSpecOf(o: Obj): any {
  if (o.kind === 'Pod') return o.spec;
  if (o.kind === 'CronJob') return o.spec.jobTemplate.spec.template.spec;
  return o.spec?.template?.spec;
}

/** All references by workloads, pods, ServiceAccounts and Ingresses, each tagged with the referrer. */
function allRefs(objs: Obj[]): Array<Ref & { from: string; ns: string }> {
  const out: Array<Ref & { from: string; ns: string }> = [];
  for (const o of objs) {
    const ns = o.metadata.namespace!;
    const from = `${o.kind}/${ns}/${o.metadata.name}`;
    const spec = podSpecOf(o);
    if (spec && o.kind !== 'Namespace') for (const r of podSpecRefs(spec)) out.push({ ...r, from, ns });
    if (o.kind === 'ServiceAccount') {
      for (const s of o.secrets ?? []) out.push({ name: s.name, via: 'serviceAccountSecret', optional: false, from, ns });
      for (const s of o.imagePullSecrets ?? []) out.push({ name: s.name, via: 'serviceAccountImagePullSecret', optional: true, from, ns });
    }
    if (o.kind === 'Ingress') for (const t of o.spec.tls ?? []) if (t.secretName) out.push({ name: t.secretName, via: 'ingressTls', optional: false, from, ns });
  }
  return out;
}

const decode = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

describe.each([1, 2] as const)('demo day %i', (day) => {
  const objs = load(day);

  it('is exactly what build.ts renders', () => {
    for (const f of buildDay(day)) {
      expect(readFileSync(path.join(dir, `day${day}`, f.file), 'utf8'), `${f.file}: run node --import tsx lib/demo/build.ts`).toBe(renderFile(f, day));
    }
  });

  it('has a realistic size and unique identities', () => {
    const mapped = objs.filter((o) => o.kind !== 'Namespace');
    // About 50 application objects plus the external-secrets operator, its store and the RBAC objects (about 20).
    expect(mapped.length).toBeGreaterThanOrEqual(25);
    expect(mapped.length).toBeLessThanOrEqual(80);
    const ids = objs.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(new Set(ids).size).toBe(ids.length);
    const uids = objs.map((o) => o.metadata.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const kind of ['Secret', 'ConfigMap', 'ServiceAccount', 'Deployment', 'ReplicaSet', 'Pod', 'StatefulSet', 'DaemonSet', 'CronJob', 'Job', 'Ingress', 'Certificate', 'ExternalSecret', 'SealedSecret', 'ServiceMonitor', 'ClusterSecretStore', 'SecretProviderClass', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']) {
      expect(objs.some((o) => o.kind === kind), kind).toBe(true);
    }
    const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'ClusterSecretStore'];
    for (const o of objs) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toEqual(clusterScoped.includes(o.kind) ? undefined : expect.any(String));
  });

  it('has owner references that resolve, with matching pod-template-hash', () => {
    for (const o of objs) {
      for (const r of o.metadata.ownerReferences ?? []) {
        const owner = find(objs, r.kind, o.metadata.namespace!, r.name);
        expect(owner, `${o.kind}/${o.metadata.name} -> ${r.kind}/${r.name}`).toBeDefined();
        expect(owner!.metadata.uid).toBe(r.uid);
        expect(owner!.apiVersion).toBe(r.apiVersion);
        if (o.kind === 'Pod' && r.kind === 'ReplicaSet') {
          const hash = owner!.metadata.labels!['pod-template-hash']!;
          expect(r.name.endsWith(`-${hash}`)).toBe(true);
          expect(o.metadata.name.startsWith(`${r.name}-`)).toBe(true);
          expect(o.metadata.labels!['pod-template-hash']).toBe(hash);
        }
      }
    }
    for (const o of objs.filter((x) => x.kind === 'Pod' && x.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet')) {
      expect(o.status.phase).toBe('Running');
      expect(o.status.startTime).toMatch(/^2024-/);
    }
  });

  it('holds only obviously fake secret values', () => {
    for (const s of objs.filter((o) => o.kind === 'Secret')) {
      for (const [k, v] of Object.entries(s.data ?? {})) {
        const value = decode(v);
        const where = `${s.metadata.namespace}/${s.metadata.name}/${k}`;
        if (/PRIVATE KEY/.test(value)) {
          // Only the fake GCP key files carry a PEM marker, and only around the word "fake".
          expect(JSON.parse(value).private_key, where).toBe('-----BEGIN PRIVATE KEY-----\nZmFrZQ==\n-----END PRIVATE KEY-----\n');
        } else if (value.includes('BEGIN CERTIFICATE')) {
          expect(value, where).toBe(DEMO_TLS_CERT);
        } else if (/pass|token|key|secret|\.dockerconfigjson|ca|cert/i.test(k) && !/USER|HOST|namespace|key-id/i.test(k)) {
          expect(value, where).toContain('demo-not-a-real');
        }
      }
    }
  });

  it('references every kind of way, and the dangling ones the README names', () => {
    const refs = allRefs(objs);
    const vias = new Set(refs.map((r) => r.via));
    for (const v of ['env', 'envFrom', 'volume', 'projected', 'imagePullSecret', 'csi', 'serviceAccountSecret', 'serviceAccountImagePullSecret', 'ingressTls']) {
      expect(vias.has(v), v).toBe(true);
    }
    const secrets = objs.filter((o) => o.kind === 'Secret');
    const dangling = refs.filter((r) => !secrets.some((s) => s.metadata.namespace === r.ns && s.metadata.name === r.name));
    const danglingNames = [...new Set(dangling.map((r) => `${r.ns}/${r.name}/${r.optional ? 'optional' : 'required'}`))].sort();
    expect(danglingNames).toEqual(
      day === 1
        ? ['monitoring/grafana-smtp/required', 'payments/launchdarkly-sdk-key/optional']
        : ['monitoring/grafana-smtp/required', 'ota/targets-backup-key/required', 'payments/launchdarkly-sdk-key/optional'],
    );
    const missingKeys = refs.filter((r) => {
      const s = secrets.find((x) => x.metadata.namespace === r.ns && x.metadata.name === r.name);
      return s && r.key && !(r.key in (s.data ?? {}));
    });
    expect([...new Set(missingKeys.map((r) => `${r.ns}/${r.name}/${r.key}`))]).toEqual(day === 1 ? ['payments/payments-stripe/webhook-secret'] : []);
  });

  it('holds the fake GCP key files and the Workload Identity annotation', () => {
    const uploader = find(objs, 'Secret', 'ota', 'ota-backup-uploader-gcp-key')!;
    const key = JSON.parse(decode(uploader.data!['key.json']!));
    expect(key).toMatchObject({ type: 'service_account', project_id: 'keygraph-demo', client_email: DEMO_KEY_FILES.otaBackupUploader.clientEmail });
    expect(key.private_key_id).toMatch(/^[0-9a-f]{40}$/);
    const cron = find(objs, 'CronJob', 'ota', 'ota-metadata-backup')!;
    const c = podSpecOf(cron).containers[0];
    const gac = c.env.find((e: { name: string }) => e.name === 'GOOGLE_APPLICATION_CREDENTIALS').value as string;
    const mount = c.volumeMounts.find((m: { mountPath: string }) => gac.startsWith(`${m.mountPath}/`));
    expect(podSpecOf(cron).volumes.find((v: { name: string }) => v.name === mount.name).secret.secretName).toBe('ota-backup-uploader-gcp-key');
    const sa = find(objs, 'ServiceAccount', 'ota', 'ota-lite-api')! as Obj & { metadata: { annotations: Record<string, string> } };
    expect(sa.metadata.annotations['iam.gke.io/gcp-service-account']).toBe('ota-lite-api@keygraph-demo.iam.gserviceaccount.com');
  });

  it('fetches Secret Manager secrets through the ClusterSecretStore and the Secrets Store CSI driver, by project number', () => {
    const store = objs.find((o) => o.kind === 'ClusterSecretStore')!;
    expect([store.metadata.name, store.spec.provider.gcpsm.projectID]).toEqual(['gcp-secret-manager', DEMO_PROJECT_NUMBER]);
    const es = find(objs, 'ExternalSecret', 'ota', 'ota-db-credentials')!;
    expect(es.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'gcp-secret-manager' });
    expect(es.spec.data.map((d: { remoteRef: { key: string; version: string } }) => `${d.remoteRef.key}@${d.remoteRef.version}`)).toEqual(['ota-db-config@1', 'ota-db-config@1', 'ota-db-password@latest']);
    // Each SecretProviderClass names its secrets in a YAML string, as the GCP provider reads them.
    const spcs = Object.fromEntries(objs.filter((o) => o.kind === 'SecretProviderClass').map((o) => {
      expect(o.spec.provider).toBe('gcp');
      return [`${o.metadata.namespace}/${o.metadata.name}`, (YAML.parse(o.spec.parameters.secrets) as Array<{ resourceName: string }>).map((e) => e.resourceName)];
    }));
    const sm = (s: string, v: string) => `projects/${DEMO_PROJECT_NUMBER}/secrets/${s}/versions/${v}`;
    expect(spcs).toEqual({
      'ota/ota-lite-api-signing': [sm('ota-targets-signing-key', 'latest')],
      'ota/ota-metadata-backup-verify': [sm('ota-targets-signing-key', '2')],
      'monitoring/log-shipper-sink': [sm('log-sink-token', '2')],
    });
    // Every running pod that mounts a class names one that exists; the backup authenticates with its key file.
    const csiClasses = (spec: any) => (spec.volumes ?? []).filter((v: any) => v.csi?.driver === 'secrets-store.csi.k8s.io').map((v: any) => v.csi.volumeAttributes.secretProviderClass);
    const mounting = objs.filter((o) => o.kind === 'Pod' && csiClasses(o.spec).length);
    for (const p of mounting) for (const c of csiClasses(p.spec)) expect(spcs[`${p.metadata.namespace}/${c}`], `${p.metadata.name} → ${c}`).toBeDefined();
    expect(mounting.filter((p) => p.metadata.name.startsWith('ota-lite-api-')).map((p) => p.status.phase)).toEqual(['Running', 'Running', 'Running']);
    const backupVolume = podSpecOf(find(objs, 'CronJob', 'ota', 'ota-metadata-backup')!).volumes.find((v: any) => v.csi);
    expect(backupVolume.csi.nodePublishSecretRef).toEqual({ name: 'ota-backup-uploader-gcp-key' });
  });

  it('has RBAC as real clusters have it: a narrow app Role, a namespace reader, a controller reading every Secret, an aggregated role', () => {
    const rules = (o: Obj) => (o as Obj & { rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }> }).rules;
    const readsSecrets = (o: Obj) => rules(o).filter((r) => r.apiGroups.includes('') && r.resources.includes('secrets') && r.verbs.some((v) => ['get', 'list', 'watch'].includes(v)));
    const binding = (o: Obj) => o as Obj & { roleRef: { kind: string; name: string }; subjects: Array<{ kind: string; name: string; namespace?: string }> };
    // The app's own Role: only its own Secret.
    expect(readsSecrets(find(objs, 'Role', 'ota', 'ota-lite-api')!).map((r) => r.resourceNames)).toEqual([['ota-db-credentials']]);
    expect(binding(find(objs, 'RoleBinding', 'ota', 'ota-lite-api')!).subjects).toEqual([{ kind: 'ServiceAccount', name: 'ota-lite-api', namespace: 'ota' }]);
    // Namespace-wide reader, bound to a Group (no workload runs as it).
    expect(readsSecrets(find(objs, 'Role', 'monitoring', 'secret-reader')!).map((r) => r.resourceNames)).toEqual([undefined]);
    expect(binding(find(objs, 'RoleBinding', 'monitoring', 'oncall-secret-reader')!).subjects.map((s) => s.kind)).toEqual(['Group']);
    // The one controller that reads every Secret of the cluster: the external-secrets operator, whose Deployment runs.
    const clusterObj = (kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name)!;
    expect(readsSecrets(clusterObj('ClusterRole', 'external-secrets-controller')).map((r) => r.resourceNames)).toEqual([undefined]);
    expect(binding(clusterObj('ClusterRoleBinding', 'external-secrets-controller')).subjects).toEqual([{ kind: 'ServiceAccount', name: 'external-secrets', namespace: 'external-secrets' }]);
    expect(podSpecOf(find(objs, 'Deployment', 'external-secrets', 'external-secrets')!).serviceAccountName).toBe('external-secrets');
    // `edit` aggregates system:aggregate-to-edit by label; payments developers hold it in their namespace.
    const edit = clusterObj('ClusterRole', 'edit') as Obj & { aggregationRule: { clusterRoleSelectors: Array<{ matchLabels: Record<string, string> }> } };
    const selector = edit.aggregationRule.clusterRoleSelectors[0]!.matchLabels;
    expect(clusterObj('ClusterRole', 'system:aggregate-to-edit').metadata.labels).toMatchObject(selector);
    expect(binding(find(objs, 'RoleBinding', 'payments', 'payments-devs-edit')!).roleRef).toMatchObject({ kind: 'ClusterRole', name: 'edit' });
    // Only ClusterRoleBindings and namespace-wide RoleBindings to ServiceAccounts could make a workload read every
    // Secret: exactly one ServiceAccount, the operator's.
    const wide = objs.filter((o) => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding').filter((b) => {
      const r = binding(b).roleRef;
      const role = r.kind === 'ClusterRole' ? clusterObj('ClusterRole', r.name) : find(objs, 'Role', b.metadata.namespace!, r.name)!;
      return readsSecrets(role).some((x) => !x.resourceNames) && binding(b).subjects.some((s) => s.kind === 'ServiceAccount');
    });
    expect(wide.map((b) => `${b.kind}/${b.metadata.name}`)).toEqual(['ClusterRoleBinding/external-secrets-controller']);
  });
});

describe.each([1, 2] as const)('Secret Manager demo day %i', (day) => {
  const smDir = path.join(dir, 'secretmanager', `day${day}`);
  const files = buildSecretManagerDay(day);
  const json = (f: string) => JSON.parse(readFileSync(path.join(smDir, f), 'utf8'));

  it('is exactly what build.ts renders', () => {
    expect(readdirSync(smDir).sort()).toEqual(files.map((f) => f.file).sort());
    for (const f of files) expect(readFileSync(path.join(smDir, f.file), 'utf8'), `${f.file}: run node --import tsx lib/demo/build.ts`).toBe(renderGcpFile(f));
  });

  it('has versions in every state, both replication modes, and each secret granted to a GCP service account or a KSA directly', () => {
    const secrets = json('secrets.json') as Array<{ name: string; replication: Record<string, unknown> }>;
    expect(secrets.map((s) => s.name)).toEqual(['ota-db-password', 'ota-db-config', 'ota-targets-signing-key', 'log-sink-token'].map((s) => `projects/${DEMO_PROJECT_NUMBER}/secrets/${s}`));
    expect(new Set(secrets.map((s) => Object.keys(s.replication)[0]))).toEqual(new Set(['automatic', 'userManaged']));
    const states = secrets.flatMap((s) => (json(`versions-${s.name.split('/')[3]}.json`) as Array<{ state: string }>).map((v) => v.state));
    expect(new Set(states)).toEqual(new Set(['ENABLED', 'DISABLED', 'DESTROYED']));
    const accessors = secrets.flatMap((s) => {
      const p = json(`iam-policy-${s.name.split('/')[3]}.json`);
      expect(p.resource).toBe(s.name);
      return p.policy.bindings.filter((b: { role: string }) => b.role === 'roles/secretmanager.secretAccessor').flatMap((b: { members: string[] }) => b.members);
    });
    expect(accessors).toContain(`principal://iam.googleapis.com/projects/${DEMO_PROJECT_NUMBER}/locations/global/workloadIdentityPools/keygraph-demo.svc.id.goog/subject/ns/external-secrets/sa/external-secrets`);
    expect(accessors).toContain('serviceAccount:ota-lite-api@keygraph-demo.iam.gserviceaccount.com');
    // Metadata only: no payload anywhere.
    for (const f of readdirSync(smDir)) expect(readFileSync(path.join(smDir, f), 'utf8'), f).not.toMatch(/payload|demo-not-a-real/);
  });
});

describe('Secret Manager across the two days', () => {
  const versions = (day: Day, s: string) => Object.fromEntries((JSON.parse(readFileSync(path.join(dir, 'secretmanager', `day${day}`, `versions-${s}.json`), 'utf8')) as Array<{ name: string; state: string }>).map((v) => [v.name.split('/').pop(), v.state]));
  it('rotates ota-db-password: version 4 added, version 3 disabled; the synced Secret changed and nothing else did', () => {
    expect(versions(1, 'ota-db-password')).toEqual({ 3: 'ENABLED', 2: 'DISABLED', 1: 'DESTROYED' });
    expect(versions(2, 'ota-db-password')).toEqual({ 4: 'ENABLED', 3: 'DISABLED', 2: 'DISABLED', 1: 'DESTROYED' });
    for (const s of ['ota-db-config', 'ota-targets-signing-key', 'log-sink-token']) expect(versions(2, s)).toEqual(versions(1, s));
    const db = (day: Day) => find(load(day), 'Secret', 'ota', 'ota-db-credentials')!.data!;
    expect(db(2).DB_PASSWORD).not.toBe(db(1).DB_PASSWORD);
    expect(db(2).DB_HOST).toBe(db(1).DB_HOST);
  });
});

describe('project IAM policy (gcp/project)', () => {
  const f = buildProjectPolicy();
  it('is exactly what build.ts renders, in the wrapped gcloud shape', () => {
    const text = readFileSync(path.join(dir, 'gcp', 'project', f.file), 'utf8');
    expect(text).toBe(renderGcpFile(f));
    const doc = JSON.parse(text);
    expect(doc.resource).toBe('projects/keygraph-demo');
    expect(Object.keys(doc.policy).sort()).toEqual(['bindings', 'etag', 'version']);
    const roles = Object.fromEntries(doc.policy.bindings.map((b: { role: string; members: string[] }) => [b.role, b.members]));
    expect(roles['roles/iam.serviceAccountTokenCreator']).toEqual(['serviceAccount:legacy-ci-deployer@keygraph-demo.iam.gserviceaccount.com']);
    expect(roles['roles/iam.serviceAccountUser']).toContain('serviceAccount:legacy-ci-deployer@keygraph-demo.iam.gserviceaccount.com');
    expect(roles['roles/secretmanager.secretAccessor']).toEqual(['group:ota-oncall@demo.example.com']);
  });
});

describe('the incident across the two days', () => {
  const d1 = load(1);
  const d2 = load(2);

  it('renames targets-backup-key with identical data while ota-lite-api still references the old name', () => {
    const old = find(d1, 'Secret', 'ota', 'targets-backup-key')!;
    const renamed = find(d2, 'Secret', 'ota', 'targets-backup-key-2024-10-08')!;
    expect(find(d2, 'Secret', 'ota', 'targets-backup-key')).toBeUndefined();
    expect(find(d1, 'Secret', 'ota', 'targets-backup-key-2024-10-08')).toBeUndefined();
    expect(renamed.data).toEqual(old.data);
    for (const objs of [d1, d2]) {
      const dep = find(objs, 'Deployment', 'ota', 'ota-lite-api')!;
      const vias = podSpecRefs(podSpecOf(dep)).filter((r) => r.name === 'targets-backup-key').map((r) => r.via);
      expect(vias.sort()).toEqual(['env', 'volume']);
      const pods = objs.filter((o) => o.kind === 'Pod' && o.metadata.name.startsWith('ota-lite-api-'));
      expect(pods).toHaveLength(3);
      for (const p of pods) {
        expect(p.status.phase).toBe('Running');
        expect(podSpecRefs(p.spec).some((r) => r.name === 'targets-backup-key' && !r.optional)).toBe(true);
      }
    }
    // The pods did not restart between the days (same uids): they are the time bomb.
    const uids = (objs: Obj[]) => objs.filter((o) => o.kind === 'Pod' && o.metadata.name.startsWith('ota-lite-api-')).map((o) => o.metadata.uid).sort();
    expect(uids(d2)).toEqual(uids(d1));
  });

  it('has the other changes README.md lists', () => {
    const img = (objs: Obj[]) => podSpecOf(find(objs, 'Deployment', 'ingress-nginx', 'ingress-nginx-controller')!).containers[0].image;
    expect(img(d1)).toMatch(/:v1\.11\.2$/);
    expect(img(d2)).toMatch(/:v1\.11\.3$/);
    const stripe = (objs: Obj[]) => Object.keys(find(objs, 'Secret', 'payments', 'payments-stripe')!.data!).sort();
    expect(stripe(d2)).toEqual([...stripe(d1), 'webhook-secret'].sort());
    const db = (objs: Obj[]) => find(objs, 'Secret', 'payments', 'payments-db')!.data!;
    expect(db(d2).DB_PASSWORD).not.toBe(db(d1).DB_PASSWORD);
    expect(db(d2).DB_USER).toBe(db(d1).DB_USER);
    expect(find(d1, 'Deployment', 'payments', 'refund-worker')).toBeDefined();
    expect(find(d2, 'Deployment', 'payments', 'refund-worker')).toBeUndefined();
    expect(find(d1, 'Deployment', 'ota', 'ota-campaign-scheduler')).toBeUndefined();
    expect(find(d2, 'Deployment', 'ota', 'ota-campaign-scheduler')).toBeDefined();
    // Unchanged objects keep uid and resourceVersion.
    const sa = (objs: Obj[]) => find(objs, 'ServiceAccount', 'ota', 'ota-lite-api')!.metadata as Obj['metadata'] & { resourceVersion: string };
    expect(sa(d2)).toEqual(sa(d1));
  });
});
