/**
 * deploy/: every overlay renders with `kubectl kustomize`, every object passes the Kubernetes schema of its kind
 * (kubernetes-models, offline), the pods meet the restricted Pod Security Standard the namespace enforces, Secrets
 * are referenced by name only and every variable set is one keygraph reads, the ClusterRole grants exactly the kinds
 * the live collector lists (collectors/kubernetes/live.ts: a newly collected kind fails here until it is granted),
 * and keygraph collecting its own manifests (`collect files`) finds no dangling reference and nothing above low but
 * the one grant the collector needs by design (it lists every Secret of the cluster).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LIVE_KINDS, REFERENCE_LIVE_KINDS } from '../../collectors/kubernetes/live';
import { runCli, useCliDatabase } from '../cli';
import { find, OVERLAYS, podSpecOf, render, renderYaml, ROOT, type K8sObject } from './render';

const env = useCliDatabase('keygraph-deploy-manifests-');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kg-deploy-manifests-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const RENDERINGS: Record<string, K8sObject[]> = Object.fromEntries([
  ...OVERLAYS.map((o) => [o, render(`deploy/overlays/${o}`)]),
  ['base', render('deploy/base')],
]);

/** The kubernetes-models class of an object's apiVersion/kind. */
async function modelOf(o: K8sObject): Promise<{ new (data: unknown): { validate(): void } }> {
  const mod = await import(`kubernetes-models/${o.apiVersion}/${o.kind}`);
  return mod[o.kind];
}

const containersOf = (objects: K8sObject[]) =>
  objects.flatMap((o) => {
    const spec = podSpecOf(o);
    return spec ? [...(spec.initContainers ?? []), ...spec.containers].map((c: any) => ({ owner: `${o.kind}/${o.metadata.name}`, spec, c })) : [];
  });

describe.each(Object.keys(RENDERINGS))('deploy %s', (name) => {
  const objects = RENDERINGS[name]!;

  it('every object is valid for its Kubernetes schema, in namespace keygraph when namespaced', async () => {
    expect(objects.length).toBeGreaterThan(10);
    for (const o of objects) {
      const Model = await modelOf(o);
      expect(Model, `${o.apiVersion} ${o.kind}`).toBeTypeOf('function');
      expect(() => new Model(o).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
      const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind);
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(clusterScoped ? undefined : 'keygraph');
      expect(o.metadata.labels?.['app.kubernetes.io/part-of']).toBe('keygraph');
    }
  });

  it('pods: non-root 65532, read-only root, no capabilities, RuntimeDefault seccomp, /tmp emptyDir, resources, no key files', () => {
    const containers = containersOf(objects);
    expect(containers.length).toBeGreaterThanOrEqual(3);
    for (const { owner, spec, c } of containers) {
      const sc = c.securityContext ?? {};
      expect(spec.securityContext, owner).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
      expect(sc, owner).toMatchObject({
        runAsNonRoot: true, runAsUser: 65532, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(c.resources?.requests?.cpu && c.resources?.requests?.memory && c.resources?.limits?.memory, owner).toBeTruthy();
      const tmpMount = c.volumeMounts.find((m: any) => m.mountPath === '/tmp');
      expect(spec.volumes.find((v: any) => v.name === tmpMount?.name)?.emptyDir, owner).toBeDefined();
      const data = c.env.find((e: any) => e.name === 'KEYGRAPH_DATA_DIR')?.value;
      expect(c.volumeMounts.some((m: any) => m.mountPath === data), `${owner}: data volume at KEYGRAPH_DATA_DIR`).toBe(true);
      expect(c.image, owner).toBe('ghcr.io/keygraph/keygraph:0.1.0');
      // No key files: no Secret volume, no GOOGLE_APPLICATION_CREDENTIALS.
      expect(spec.volumes.some((v: any) => v.secret || v.projected?.sources?.some((s: any) => s.secret)), owner).toBe(false);
      expect(c.env.some((e: any) => e.name === 'GOOGLE_APPLICATION_CREDENTIALS'), owner).toBe(false);
    }
    // Only the collection pods get a Kubernetes API token.
    for (const o of objects) {
      const spec = podSpecOf(o);
      if (spec) expect(spec.automountServiceAccountToken, o.metadata.name).toBe(o.metadata.name.startsWith('keygraph-collect-'));
    }
    expect(objects.filter((o) => o.kind === 'ServiceAccount').every((sa) => sa.automountServiceAccountToken === false)).toBe(true);
  });

  it('web: serve on 0.0.0.0:3000 with sign-in, probes /healthz and /readyz, 2 replicas behind a PDB and a Service', () => {
    const web = find(objects, 'Deployment', 'keygraph-web');
    const c = web.spec.template.spec.containers[0];
    expect(c.args).toEqual(['serve', '--host', '0.0.0.0', '--port', '3000']);
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.startupProbe.httpGet.path).toBe('/healthz');
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.env.map((e: any) => e.name)).toEqual(expect.arrayContaining(['KEYGRAPH_OIDC_ISSUER', 'KEYGRAPH_OIDC_CLIENT_ID', 'KEYGRAPH_OIDC_CLIENT_SECRET', 'KEYGRAPH_PUBLIC_URL', 'KEYGRAPH_SESSION_SECRET']));
    expect(web.spec.replicas).toBe(2);
    expect(find(objects, 'PodDisruptionBudget', 'keygraph-web').spec).toMatchObject({ minAvailable: 1, selector: web.spec.selector });
    expect(find(objects, 'Service', 'keygraph-web').spec.selector).toEqual(web.spec.selector.matchLabels);
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    expect(policies.find((p) => Object.keys(p.spec.podSelector).length === 0)?.spec.policyTypes).toEqual(['Ingress', 'Egress']);
  });

  it('collection CronJobs: Forbid, history limits, --allow-partial; migrations Job runs keygraph migrate', () => {
    const cronJobs = objects.filter((o) => o.kind === 'CronJob');
    expect(cronJobs.map((j) => j.metadata.name)).toContain('keygraph-collect-k8s');
    for (const j of cronJobs) {
      expect(j.spec).toMatchObject({ concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3 });
      const spec = podSpecOf(j);
      expect(spec.serviceAccountName).toBe('keygraph-collector');
      expect(spec.containers[0].args.slice(0, 1)).toEqual(['collect']);
      expect(spec.containers[0].args).toContain('--allow-partial');
    }
    expect(podSpecOf(find(objects, 'Job', 'keygraph-migrate')).containers[0].args).toEqual(['migrate']);
  });

  it('Secrets by name only; every variable set is one keygraph reads (or one its args expand); one fingerprint key for all', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const read = ['lib/config.ts', 'lib/secrets/fingerprint.ts', 'lib/cli/collect.ts', 'lib/runtime.ts'].map((f) => readFileSync(path.join(ROOT, f), 'utf8')).join('\n');
    const secretNames = new Set<string>();
    const fingerprintRefs = new Set<string>();
    const configMaps = new Set(objects.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name));
    for (const { owner, c } of containersOf(objects)) {
      for (const e of c.env) {
        const expanded = (c.args as string[]).some((a) => a.includes(`$(${e.name})`));
        const known = ['HOME', 'TMPDIR', 'DATABASE_URL'].includes(e.name) || new RegExp(`\\b${e.name}\\b`).test(read);
        expect(known || expanded, `${owner}: ${e.name} is neither read by keygraph nor used in args`).toBe(true);
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) secretNames.add(ref.name);
        if (e.name === 'KEYGRAPH_FINGERPRINT_KEY') fingerprintRefs.add(`${ref?.name}/${ref?.key}`);
        if (e.valueFrom?.configMapKeyRef) {
          expect(configMaps.has(e.valueFrom.configMapKeyRef.name), owner).toBe(true);
          const cm = find(objects, 'ConfigMap', e.valueFrom.configMapKeyRef.name);
          expect(cm.data, `${owner}: ${e.name}`).toHaveProperty([e.valueFrom.configMapKeyRef.key]);
        }
      }
    }
    expect([...secretNames].sort()).toEqual(['keygraph-database', 'keygraph-fingerprint', 'keygraph-oidc', 'keygraph-session']);
    // The web app and every collection use the same key, so fingerprints compare across them.
    expect([...fingerprintRefs]).toEqual(['keygraph-fingerprint/key']);
    const collectors = containersOf(objects).filter(({ c }) => c.args[0] === 'collect' || c.args[0] === 'serve');
    for (const { owner, c } of collectors) expect(c.env.some((e: any) => e.name === 'KEYGRAPH_FINGERPRINT_KEY'), owner).toBe(true);
  });

  it('the ClusterRole grants exactly the kinds the live collector lists, read-only, bound to the collector', () => {
    const role = find(objects, 'ClusterRole', 'keygraph-reader');
    const granted = new Set<string>();
    for (const r of role.spec?.rules ?? role.rules) {
      expect(r.verbs.every((v: string) => v === 'get' || v === 'list'), JSON.stringify(r)).toBe(true);
      expect(r.verbs).toContain('list');
      expect(r.resourceNames).toBeUndefined();
      for (const g of r.apiGroups) for (const res of r.resources) granted.add(`${g || 'core'}/${res}`);
    }
    const listed = new Set([...LIVE_KINDS, ...REFERENCE_LIVE_KINDS].map((k) => `${k.group || 'core'}/${k.resource}`));
    expect([...granted].sort()).toEqual([...listed].sort());
    const binding = find(objects, 'ClusterRoleBinding', 'keygraph-collector');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'keygraph-reader' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'keygraph-collector', namespace: 'keygraph' }]);
  });
});

describe('overlays', () => {
  it('gke: Workload Identity annotation on the collector, a GCP collection CronJob, metadata server egress', () => {
    const o = RENDERINGS.gke!;
    expect(find(o, 'ServiceAccount', 'keygraph-collector').metadata.annotations?.['iam.gke.io/gcp-service-account']).toMatch(/^keygraph-collector@.+\.iam\.gserviceaccount\.com$/);
    expect(find(o, 'ServiceAccount', 'keygraph-web').metadata.annotations).toBeUndefined();
    const gcp = podSpecOf(find(o, 'CronJob', 'keygraph-collect-gcp')).containers[0];
    expect(gcp.args).toEqual(['collect', 'gcp', '--project', '$(KEYGRAPH_GCP_PROJECT)', '--allow-partial']);
    expect(find(o, 'ConfigMap', 'keygraph-config').data.KEYGRAPH_GCP_PROJECT).toBeTruthy();
    const egress = find(o, 'NetworkPolicy', 'keygraph-jobs').spec.egress;
    expect(egress.some((e: any) => e.to?.some((t: any) => t.ipBlock?.cidr === '169.254.169.254/32'))).toBe(true);
  });

  it('metadata-only: no get on secrets (list only, which a metadata-only list needs), the collection passes --metadata-only', () => {
    const o = RENDERINGS['metadata-only']!;
    const rules = find(o, 'ClusterRole', 'keygraph-reader').rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    const onSecrets = rules.filter((r) => r.apiGroups.includes('') && r.resources.includes('secrets'));
    expect(onSecrets.flatMap((r) => r.verbs)).toEqual(['list']);
    expect(podSpecOf(find(o, 'CronJob', 'keygraph-collect-k8s')).containers[0].args).toContain('--metadata-only');
    // The base keeps get (full collection).
    const base = find(RENDERINGS.base!, 'ClusterRole', 'keygraph-reader').rules as typeof rules;
    expect(base.find((r) => r.resources.includes('secrets'))?.verbs).toEqual(['get', 'list']);
  });

  it('gke-ingress: an Ingress to the web Service, and KEYGRAPH_TRUST_PROXY=1 on the web pods only', () => {
    const o = RENDERINGS['gke-ingress']!;
    const ing = find(o, 'Ingress', 'keygraph-web');
    expect(ing.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'keygraph-web', port: { name: 'http' } });
    expect(find(o, 'Deployment', 'keygraph-web').spec.template.spec.containers[0].env).toContainEqual({ name: 'KEYGRAPH_TRUST_PROXY', value: '1' });
    expect(RENDERINGS.gke!.some((x) => x.kind === 'Ingress')).toBe(false);
  });
});

/** The Secrets the README says to create (deploy/base/kustomization.yaml), with stand-in values. */
function handMadeSecrets(withTls: boolean): string {
  const secret = (name: string, keys: string[], type = 'Opaque') =>
    `apiVersion: v1\nkind: Secret\nmetadata: {name: ${name}, namespace: keygraph}\ntype: ${type}\ndata:\n${keys.map((k) => `  ${k}: ${Buffer.from(`stand-in ${k}`).toString('base64')}`).join('\n')}\n`;
  return [
    secret('keygraph-database', ['url']),
    secret('keygraph-fingerprint', ['key']),
    secret('keygraph-session', ['secret']),
    secret('keygraph-oidc', ['issuer', 'client-id', 'client-secret']),
    ...(withTls ? [secret('keygraph-tls', ['tls.crt', 'tls.key'], 'kubernetes.io/tls')] : []),
  ].join('---\n');
}

describe('keygraph collecting its own manifests', () => {
  const dirOf = (name: string) => (name === 'base' ? 'deploy/base' : `deploy/overlays/${name}`);
  type Found = { rule: string; severity: string; realm: string; objects: string[] };
  const findingsOf = async (cluster: string): Promise<Found[]> => {
    const check = await runCli('check', '--json', '--fail-on', 'critical');
    expect(check.code, check.err).toBe(0);
    return (JSON.parse(check.out).findings as Found[]).filter((f) => f.realm === cluster);
  };
  // By design: the collector lists every Secret of the cluster (ClusterRoleBinding). Nothing else may be above low.
  const aboveLow = (found: Found[]) => found.filter((f) => !['info', 'low'].includes(f.severity)).map((f) => `${f.rule} ${f.objects[0]}`);
  const expectedAboveLow = (cluster: string) => [`workload-reads-all-secrets k8s:${cluster}/keygraph/ServiceAccount/keygraph-collector`];

  it.each(Object.keys(RENDERINGS))('%s alone: no dangling reference; only the hand-made Secrets are unverified; nothing above low but the collector reading every Secret', async (name) => {
    const file = path.join(tmp, `${name}.yaml`);
    writeFileSync(file, renderYaml(dirOf(name)));
    const cluster = `self-${name.replace(/\W/g, '-')}`;
    const c = await runCli('collect', 'files', file, '--cluster', cluster, '--json');
    expect(c.code, c.err).toBe(0);
    const found = await findingsOf(cluster);
    expect(found.filter((f) => f.rule === 'dangling-reference' || f.rule === 'missing-data-key')).toEqual([]);
    const unverified = new Set(found.filter((f) => f.rule === 'unverified-reference').map((f) => f.objects[0]));
    const handMade = ['keygraph-database', 'keygraph-fingerprint', 'keygraph-oidc', 'keygraph-session', ...(name === 'gke-ingress' ? ['keygraph-tls'] : [])];
    expect([...unverified].sort()).toEqual(handMade.map((n) => `k8s:${cluster}/keygraph/Secret/${n}`));
    expect(aboveLow(found)).toEqual(expectedAboveLow(cluster));
  });

  it.each(Object.keys(RENDERINGS))('%s with the Secrets the README lists, as the whole cluster (--complete): no dangling reference, no missing data key', async (name) => {
    const dir = path.join(tmp, `complete-${name.replace(/\W/g, '-')}`);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'manifests.yaml'), renderYaml(dirOf(name)));
    writeFileSync(path.join(dir, 'secrets.yaml'), handMadeSecrets(name === 'gke-ingress'));
    const cluster = `whole-${name.replace(/\W/g, '-')}`;
    const c = await runCli('collect', 'files', dir, '--cluster', cluster, '--complete', '--json');
    expect(c.code, c.err).toBe(0);
    const found = await findingsOf(cluster);
    expect(found.filter((f) => ['dangling-reference', 'missing-data-key', 'unverified-reference'].includes(f.rule)).map((f) => `${f.rule} ${f.objects[0]}`)).toEqual([]);
    expect(aboveLow(found)).toEqual(expectedAboveLow(cluster));
  });
});
