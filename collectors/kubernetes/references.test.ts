/**
 * The custom-resource reference table (references.ts) on realistic manifests: test/fixtures/crds/ (shapes from each
 * project's API reference) and, where present, /work/shared/realdata. Every row must be matched by a fixture
 * document and give its precise edge.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { NODE_KINDS, SECRET_VIAS, type NodeKindSpec } from '../../lib/graph/model';
import type { EdgeRecord, NodeRecord } from '../../lib/graph/records';
import { createFingerprinter } from '../../lib/secrets/fingerprint';
import { createKubernetesMapper } from './mapper';
import { evalFieldPath, findReferences, parseFieldPath, REFERENCE_APIS, REFERENCES, type ReferenceRow } from './references';
import { REALDATA } from '../../test/realdata';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.resolve(here, '../../test/fixtures/crds');
const fingerprint = createFingerprinter(Buffer.alloc(32, 3));

type Doc = Record<string, unknown> & { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } };
const load = (file: string): Doc[] => parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Doc).filter((d) => d && typeof d === 'object');
const fixture = (name: string) => load(path.join(FIXTURES, name));

function mapDocs(docs: Doc[]) {
  const m = createKubernetesMapper({ cluster: 'c1', fingerprint, implicitDefaults: true });
  for (const d of docs) m.add(d);
  const r = m.finish();
  const out = (from: string, kind?: string) => r.edges.filter((e) => e.from === from && (!kind || e.kind === kind));
  return { ...r, out, node: (id: string) => r.nodes.find((n) => n.id === id) as NodeRecord };
}
/** [edge kind, to, via, field, keys, optional, namespace] of the edges from `from`, sorted. */
const refs = (edges: EdgeRecord[]) =>
  edges.filter((e) => e.kind !== 'OWNS').map((e) => [e.kind, e.to, e.properties.via, e.properties.field, e.properties.keys, e.properties.optional, e.properties.namespace]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const S = (ns: string, n: string) => `k8s:c1/${ns}/Secret/${n}`;
const CM = (ns: string, n: string) => `k8s:c1/${ns}/ConfigMap/${n}`;
const SA = (ns: string, n: string) => `k8s:c1/${ns}/ServiceAccount/${n}`;

describe('field paths', () => {
  it('[] walks arrays, a|b and * globs match keys, ** any depth; concrete paths as the MENTIONS field syntax', () => {
    const o = { spec: { listeners: [{ tls: { certificateRefs: [{ name: 'a' }, { name: 'b' }] } }, { port: 80 }], provider: { vault: { auth: { appRole: { secretRef: { name: 'x' } }, tokenSecretRef: { name: 'y' } } } } } };
    expect(evalFieldPath(o, parseFieldPath('spec.listeners[].tls.certificateRefs[].name')).map((m) => [m.field, m.value])).toEqual([
      ['spec.listeners[0].tls.certificateRefs[0].name', 'a'], ['spec.listeners[0].tls.certificateRefs[1].name', 'b'],
    ]);
    expect(evalFieldPath(o, parseFieldPath('spec.provider.*.**.secretRef|*SecretRef.name')).map((m) => m.field).sort()).toEqual([
      'spec.provider.vault.auth.appRole.secretRef.name', 'spec.provider.vault.auth.tokenSecretRef.name',
    ]);
    expect(() => parseFieldPath('spec..name')).toThrow(/empty step/);
  });

  it('hostile input is bounded: deep nesting under ** and huge arrays', () => {
    let deep: Record<string, unknown> = { secretRef: { name: 'too-deep' } };
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    const wide = Array.from({ length: 100_000 }, (_, i) => ({ secretName: `s-${i}` }));
    const t0 = Date.now();
    expect(evalFieldPath({ spec: { provider: { x: deep } } }, parseFieldPath('spec.provider.*.**.secretRef.name'))).toEqual([]);
    expect(evalFieldPath({ spec: { certificates: wide } }, parseFieldPath('spec.certificates[].secretName')).length).toBeLessThanOrEqual(1_000);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });
});

describe('the table', () => {
  it('every row: a known via, a parseable path, a kind served somewhere (REFERENCE_APIS) in one of its groups', () => {
    for (const r of REFERENCES) {
      expect(SECRET_VIAS as readonly string[]).toContain(r.via);
      expect(() => parseFieldPath(r.path)).not.toThrow();
      for (const k of r.kinds) {
        const api = (NODE_KINDS as Record<string, NodeKindSpec>)[`k8s:${k}`]?.api;
        const served = REFERENCE_APIS.some((a) => a.kind === k && r.groups.includes(a.group)) || (api !== undefined && r.groups.includes(api.group));
        expect(served, `${k} ${r.groups}`).toBe(true);
      }
    }
  });

  it('every row is matched by a fixture document of test/fixtures/crds and gives its edge', () => {
    const docs = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).flatMap((f) => fixture(f));
    const r = mapDocs(docs);
    const hit = new Set<ReferenceRow>();
    for (const d of docs) {
      const group = (d.apiVersion ?? '').includes('/') ? d.apiVersion!.split('/')[0]! : '';
      for (const f of findReferences(d, group, d.kind ?? '')) {
        hit.add(REFERENCES.find((x) => x.path === f.row.path && x.target === f.row.target && x.kinds === f.row.kinds)!);
        const md = d.metadata ?? {};
        const ns = md.namespace;
        const from = ns && !d.kind!.startsWith('Cluster') ? `k8s:c1/${ns}/${d.kind}/${md.name}` : `k8s:c1/${d.kind}/${md.name}`;
        const edge = r.edges.find((e) => e.from === from && (e.properties.field === f.field || (e.properties.fields as string[] | undefined)?.includes(f.field)));
        expect(edge, `${from} ${f.field}`).toBeDefined();
        expect(edge!.kind).toBe({ Secret: 'USES_SECRET', ConfigMap: 'USES_CONFIG_MAP', ServiceAccount: 'RUNS_AS' }[f.row.target]);
        expect(edge!.to).toContain(`/${f.row.target}/${f.name}`);
      }
    }
    const missed = REFERENCES.filter((x) => !hit.has(x)).map((x) => `${x.kinds.join('/')} ${x.path} → ${x.target}`);
    expect(missed).toEqual([]);
    // The generic scan adds no MENTIONS beside a precise edge of the same object (no duplicates).
    for (const e of r.edges.filter((x) => x.kind === 'MENTIONS')) {
      expect(r.edges.some((p) => p.from === e.from && p.kind !== 'MENTIONS' && p.to === e.to), `${e.from} → ${e.to}`).toBe(false);
    }
  });
});

describe('each family on its documented manifest shape', () => {
  it('Gateway API: listener certificateRefs (same namespace, or the ref\'s namespace); BackendTLSPolicy CA ConfigMap', () => {
    const r = mapDocs(fixture('gateway-api.yaml'));
    expect(refs(r.out('k8s:c1/infra/Gateway/example-gateway'))).toEqual([
      ['USES_SECRET', S('certs', 'wildcard-bar-cert'), 'gatewayTls', 'spec.listeners[2].tls.certificateRefs[0].name', undefined, false, 'certs'],
      ['USES_SECRET', S('infra', 'foo-example-com-cert'), 'gatewayTls', 'spec.listeners[1].tls.certificateRefs[0].name', undefined, false, undefined],
    ]);
    expect(refs(r.out('k8s:c1/default/BackendTLSPolicy/tls-upstream-auth'))).toEqual([
      ['USES_CONFIG_MAP', CM('default', 'auth-cert'), 'gatewayTls', 'spec.validation.caCertificateRefs[0].name', undefined, false, undefined],
    ]);
    // A certificateRef of another kind (not a Secret) is not taken for a Secret.
    const other = mapDocs([{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'g', namespace: 'x' }, spec: { listeners: [{ name: 'h', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ group: 'acme.io', kind: 'Vault', name: 'v' }] } }] } }]);
    expect(other.edges.filter((e) => e.from === 'k8s:c1/x/Gateway/g' && e.kind === 'USES_SECRET')).toEqual([]);
  });

  it('Istio Gateway credentialName: the Secret in the ingress gateway workload\'s namespace (istio-system), not the Gateway\'s', () => {
    const r = mapDocs(fixture('istio.yaml'));
    expect(refs(r.out('k8s:c1/httpbin/Gateway/mygateway'))).toEqual([
      ['USES_SECRET', S('istio-system', 'httpbin-credential'), 'istioCredential', 'spec.servers[0].tls.credentialName', undefined, false, 'istio-system'],
    ]);
    expect(r.edges.some((e) => e.to === S('httpbin', 'httpbin-credential'))).toBe(false);
  });

  it('Traefik: IngressRoute tls, TLSStore certificates and default, TLSOption client CA, ServersTransport, Middleware basicAuth / forwardAuth TLS', () => {
    const r = mapDocs(fixture('traefik.yaml'));
    const all = refs(r.edges.filter((e) => e.from.includes('/apps/')));
    expect(all.map((x) => [x[0], x[1], x[2]])).toEqual([
      ['USES_SECRET', S('apps', 'authsecret'), 'traefikAuth'],
      ['USES_SECRET', S('apps', 'backend-ca'), 'traefikTls'],
      ['USES_SECRET', S('apps', 'backend-client-cert'), 'traefikTls'],
      ['USES_SECRET', S('apps', 'bar'), 'traefikTls'],
      ['USES_SECRET', S('apps', 'client-ca'), 'traefikTls'],
      ['USES_SECRET', S('apps', 'default-cert'), 'traefikTls'],
      ['USES_SECRET', S('apps', 'foo'), 'traefikTls'],
      ['USES_SECRET', S('apps', 'forward-auth-ca'), 'traefikAuth'],
      ['USES_SECRET', S('apps', 'forward-auth-client'), 'traefikAuth'],
      ['USES_SECRET', S('apps', 'whoami-tls'), 'traefikTls'],
    ]);
    // basicAuth.secret is a bare string under `secret`: the convention scan never reads those (they may be values),
    // so before the table this Middleware had no edge at all.
    expect(r.out('k8s:c1/apps/Middleware/test-auth', 'USES_SECRET')[0]!.properties.field).toBe('spec.basicAuth.secret');
  });

  it('cert-manager: CA, ACME account key (optional: cert-manager creates it) and EAB, DNS-01 credentials, Vault, Venafi; ClusterIssuer refs in cert-manager', () => {
    const r = mapDocs(fixture('cert-manager.yaml'));
    expect(refs(r.out('k8s:c1/ClusterIssuer/letsencrypt-prod')).map((x) => [x[1], x[4], x[5], x[6]])).toEqual([
      [S('cert-manager', 'cloudflare-api-token-secret'), ['api-token'], false, 'cert-manager'],
      [S('cert-manager', 'eab-secret'), ['secret'], false, 'cert-manager'],
      [S('cert-manager', 'letsencrypt-prod-account-key'), undefined, true, 'cert-manager'],
      [S('cert-manager', 'prod-route53-credentials-secret'), ['access-key-id', 'secret-access-key'], false, 'cert-manager'],
    ]);
    expect(refs(r.out('k8s:c1/sandbox/Issuer/ca-issuer'))).toEqual([['USES_SECRET', S('sandbox', 'ca-key-pair'), 'issuerCredential', 'spec.ca.secretName', undefined, false, undefined]]);
    expect(refs(r.out('k8s:c1/sandbox/Issuer/vault-issuer')).map((x) => [x[1], x[3], x[4]])).toEqual([
      [S('sandbox', 'cert-manager-vault-approle'), 'spec.vault.auth.appRole.secretRef.name', ['secretId']],
      [S('sandbox', 'vault-ca'), 'spec.vault.caBundleSecretRef.name', ['ca.crt']],
    ]);
    expect(refs(r.out('k8s:c1/sandbox/Issuer/vault-k8s-issuer'))).toEqual([['RUNS_AS', SA('sandbox', 'vault-issuer'), 'issuerCredential', 'spec.vault.auth.kubernetes.serviceAccountRef.name', undefined, false, undefined]]);
    expect(refs(r.out('k8s:c1/sandbox/Issuer/tpp-venafi-issuer')).map((x) => x[1])).toEqual([S('sandbox', 'tpp-ca'), S('sandbox', 'tpp-secret')]);
    expect(refs(r.out('k8s:c1/sandbox/Issuer/cloud-venafi-issuer')).map((x) => [x[1], x[4]])).toEqual([[S('sandbox', 'cloud-secret'), ['apikey']]]);
    expect(refs(r.out('k8s:c1/ClusterIssuer/route53-irsa')).filter((x) => x[0] === 'RUNS_AS').map((x) => x[1])).toEqual([SA('cert-manager', 'cert-manager-acme-dns01-route53')]);
  });

  it('External Secrets: AWS static credentials, ClusterSecretStore refs in their namespace (CA ConfigMap too), Workload Identity SA, Azure SP; ExternalSecret templateFrom', () => {
    const r = mapDocs(fixture('external-secrets.yaml'));
    expect(refs(r.out('k8s:c1/shop/SecretStore/secretstore-sample')).map((x) => [x[0], x[1], x[4]])).toEqual([
      ['USES_SECRET', S('shop', 'awssm-secret'), ['access-key', 'secret-access-key']],
    ]);
    expect(refs(r.out('k8s:c1/ClusterSecretStore/vault-backend')).map((x) => [x[0], x[1], x[4], x[6]])).toEqual([
      ['USES_CONFIG_MAP', CM('external-secrets', 'vault-ca-bundle'), ['ca.crt'], 'external-secrets'],
      ['USES_SECRET', S('external-secrets', 'vault-token'), ['token'], 'external-secrets'],
    ]);
    expect(refs(r.out('k8s:c1/shop/SecretStore/gcp-store')).map((x) => [x[0], x[1]])).toEqual([['RUNS_AS', SA('shop', 'team-a')]]);
    expect(refs(r.out('k8s:c1/ClusterSecretStore/gcp-backend')).map((x) => [x[0], x[1]])).toEqual([['RUNS_AS', SA('external-secrets', 'eso-gcp')]]);
    // A namespaced SecretStore reads its refs in its own namespace: External Secrets ignores a ref's `namespace` there.
    const ns = mapDocs([{ apiVersion: 'external-secrets.io/v1', kind: 'SecretStore', metadata: { name: 'v', namespace: 'shop' }, spec: { provider: { vault: { server: 'https://vault:8200', auth: { tokenSecretRef: { name: 't', key: 'token', namespace: 'elsewhere' } } } } } }]);
    expect(ns.out('k8s:c1/shop/SecretStore/v').map((e) => e.to)).toEqual([S('shop', 't')]);
    expect(refs(r.out('k8s:c1/shop/SecretStore/azure-store')).map((x) => [x[1], x[4]])).toEqual([[S('shop', 'azure-secret-sp'), ['ClientID', 'ClientSecret']]]);
    expect(refs(r.out('k8s:c1/shop/ExternalSecret/template')).map((x) => [x[0], x[1], x[2], x[4]])).toEqual([
      ['PRODUCES', S('shop', 'secret-to-be-created'), undefined, undefined],
      ['USES_CONFIG_MAP', CM('shop', 'grafana-config-tpl'), 'externalSecretTemplate', ['config.yaml']],
      ['USES_SECRET', S('shop', 'tpl-credentials'), 'externalSecretTemplate', ['password.tpl']],
    ]);
  });

  it('prometheus-operator: Prometheus pods (SA, Secrets, ConfigMaps, additionalScrapeConfigs), ServiceMonitor and PodMonitor credentials, Alertmanager config', () => {
    const r = mapDocs(fixture('prometheus-operator.yaml'));
    expect(refs(r.out('k8s:c1/monitoring/Prometheus/main')).map((x) => [x[0], x[1], x[4]])).toEqual([
      ['RUNS_AS', SA('monitoring', 'prometheus'), undefined],
      ['USES_CONFIG_MAP', CM('monitoring', 'prometheus-extra-rules'), undefined],
      ['USES_SECRET', S('monitoring', 'additional-alertmanager-configs'), ['alertmanager-additional.yaml']],
      ['USES_SECRET', S('monitoring', 'additional-scrape-configs'), ['prometheus-additional.yaml']],
      ['USES_SECRET', S('monitoring', 'aws-sigv4'), ['access-key', 'secret-key']],
      ['USES_SECRET', S('monitoring', 'etcd-client-certs'), undefined],
      ['USES_SECRET', S('monitoring', 'mimir-auth'), ['password', 'user']],
      ['USES_SECRET', S('monitoring', 'mimir-ca'), ['ca.crt']],
      ['USES_SECRET', S('monitoring', 'thanos-oauth'), ['id', 'secret']],
      ['USES_SECRET', S('monitoring', 'thanos-read-token'), ['token']],
    ]);
    // remoteRead oauth2.clientId.secret has no row of its own: the convention scan finds it, and since the table made
    // a precise edge to thanos-oauth from clientSecret, the field and its key `id` are folded into that edge.
    expect(r.out('k8s:c1/monitoring/Prometheus/main', 'MENTIONS')).toEqual([]);
    expect(r.out('k8s:c1/monitoring/Prometheus/main').find((e) => e.to === S('monitoring', 'thanos-oauth'))!.properties.fields).toEqual([
      'spec.remoteRead[0].oauth2.clientId.secret.name', 'spec.remoteRead[0].oauth2.clientSecret.name',
    ]);
    expect(refs(r.out('k8s:c1/monitoring/ServiceMonitor/example-app')).map((x) => [x[1], x[4]])).toEqual([
      [S('monitoring', 'admin-credentials'), ['token']],
      [S('monitoring', 'basic-auth'), ['password', 'user']],
      [S('monitoring', 'example-app-ca'), ['ca.crt']],
      [S('monitoring', 'example-app-client'), ['tls.crt', 'tls.key']],
      [S('monitoring', 'metrics-token'), ['token']],
    ]);
    expect(refs(r.out('k8s:c1/monitoring/PodMonitor/example-pods')).map((x) => [x[0], x[1]])).toEqual([
      ['USES_CONFIG_MAP', CM('monitoring', 'oauth2-client')],
      ['USES_CONFIG_MAP', CM('monitoring', 'pods-ca')],
      ['USES_SECRET', S('monitoring', 'oauth2-client-secret')],
    ]);
    expect(refs(r.out('k8s:c1/monitoring/Alertmanager/main')).map((x) => [x[0], x[1], x[5]])).toEqual([
      ['RUNS_AS', SA('monitoring', 'alertmanager-main'), false], ['USES_SECRET', S('monitoring', 'alertmanager-main-config'), true],
    ]);
    // Without configSecret the operator reads alertmanager-NAME (kube-prometheus relies on it); optional, since the
    // operator provisions a minimal configuration when that Secret is absent.
    const d = mapDocs([{ apiVersion: 'monitoring.coreos.com/v1', kind: 'Alertmanager', metadata: { name: 'ops', namespace: 'monitoring' }, spec: { replicas: 1 } }]);
    expect(d.out('k8s:c1/monitoring/Alertmanager/ops').map((e) => [e.kind, e.to, e.properties])).toEqual([
      ['USES_SECRET', S('monitoring', 'alertmanager-ops'), { via: 'monitoringCredential', field: 'spec.configSecret', fields: ['spec.configSecret'], optional: true, defaulted: true }],
    ]);
  });

  it('Flux: source credentials, verification keys, proxy, OCI pull identity; HelmRelease valuesFrom (ConfigMap and optional Secret)', () => {
    const r = mapDocs(fixture('flux.yaml'));
    expect(refs(r.out('k8s:c1/flux-system/GitRepository/podinfo')).map((x) => [x[1], x[3]])).toEqual([
      [S('flux-system', 'pgp-public-keys'), 'spec.verify.secretRef.name'], [S('flux-system', 'ssh-credentials'), 'spec.secretRef.name'],
    ]);
    expect(refs(r.out('k8s:c1/flux-system/HelmRepository/example')).map((x) => x[1])).toEqual([S('flux-system', 'example-tls'), S('flux-system', 'example-user')]);
    expect(refs(r.out('k8s:c1/flux-system/OCIRepository/podinfo-oci')).map((x) => [x[0], x[1]])).toEqual([
      ['RUNS_AS', SA('flux-system', 'oci-puller')], ['USES_SECRET', S('flux-system', 'http-proxy')],
    ]);
    expect(refs(r.out('k8s:c1/flux-system/HelmRelease/podinfo'))).toEqual([
      ['USES_CONFIG_MAP', CM('flux-system', 'prod-env-values'), 'fluxValues', 'spec.valuesFrom[0].name', ['values-prod.yaml'], false, undefined],
      ['USES_SECRET', S('flux-system', 'prod-tls-values'), 'fluxValues', 'spec.valuesFrom[1].name', ['crt'], true, undefined],
    ]);
  });

  it('Argo CD repository, repo-creds and cluster Secrets are marked used by Argo CD (label), values never kept', () => {
    const r = mapDocs(fixture('argocd.yaml'));
    for (const [n, t] of [['private-repo', 'repository'], ['private-repo-creds', 'repo-creds'], ['mycluster-secret', 'cluster']] as const) {
      expect(r.node(S('argocd', n)).properties.usedBy).toEqual([{ controller: 'Argo CD', via: 'argocdRepository', label: `argocd.argoproj.io/secret-type=${t}` }]);
    }
    expect(JSON.stringify(r)).not.toContain('my-password');
  });
});

describe('realdata', () => {
  const has = existsSync(REALDATA);
  if (!has) console.log(`skipped realdata reference tests: ${REALDATA} is absent`);
  const kp = path.join(REALDATA, 'kube-prometheus/manifests');
  it.skipIf(!has || !existsSync(kp))('kube-prometheus/manifests: prometheus-prometheus.yaml runs as prometheus-k8s; every ServiceMonitor with a bearer token or TLS Secret gets its edge', () => {
    const docs = readdirSync(kp).filter((f) => f.endsWith('.yaml')).flatMap((f) => load(path.join(kp, f)));
    const r = mapDocs(docs);
    expect(r.out('k8s:c1/monitoring/Prometheus/k8s', 'RUNS_AS').map((e) => e.to)).toEqual([SA('monitoring', 'prometheus-k8s')]);
    expect(r.out('k8s:c1/monitoring/Alertmanager/main', 'RUNS_AS').map((e) => e.to)).toEqual([SA('monitoring', 'alertmanager-main')]);
    // kube-prometheus ServiceMonitors scrape with the Prometheus pod's own token file and CA file (bearerTokenFile,
    // tlsConfig.caFile), not Secrets: none of them names a Secret, so no ServiceMonitor edge is invented.
    const sms = r.nodes.filter((n) => n.kind === 'ServiceMonitor');
    for (const n of sms) expect(r.out(n.id).filter((e) => e.kind === 'USES_SECRET').every((e) => e.properties.via === 'monitoringCredential')).toBe(true);
    expect(r.edges.filter((e) => e.kind === 'MENTIONS' && e.from.includes('/Prometheus/'))).toEqual([]);
  });
  const eso = path.join(REALDATA, 'external-secrets/docs/snippets');
  it.skipIf(!has || !existsSync(eso))('external-secrets/docs/snippets: every SecretStore / ClusterSecretStore credential ref becomes a secretStoreAuth edge or stays a mention, never both', () => {
    const docs = readdirSync(eso).filter((f) => f.endsWith('.yaml')).flatMap((f) => {
      try {
        return load(path.join(eso, f));
      } catch {
        return [];
      }
    });
    const r = mapDocs(docs);
    const stores = r.nodes.filter((n) => n.kind === 'SecretStore' || n.kind === 'ClusterSecretStore');
    expect(stores.length).toBeGreaterThan(0);
    const precise = r.edges.filter((e) => e.properties.via === 'secretStoreAuth');
    expect(precise.length).toBeGreaterThan(0);
    for (const e of r.edges.filter((x) => x.kind === 'MENTIONS')) {
      expect(precise.some((p) => p.from === e.from && p.to === e.to)).toBe(false);
    }
  });
  const cm = path.join(REALDATA, 'cert-manager/deploy');
  it.skipIf(!has || !existsSync(cm))('cert-manager/deploy: Issuers found there reference their Secrets precisely (issuerCredential)', () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d, { withFileTypes: true })) {
        if (f.isDirectory()) walk(path.join(d, f.name));
        else if (/\.ya?ml$/.test(f.name)) files.push(path.join(d, f.name));
      }
    };
    walk(cm);
    const docs = files.flatMap((f) => {
      try {
        return load(f);
      } catch {
        return [];
      }
    });
    const r = mapDocs(docs);
    for (const n of r.nodes.filter((x) => x.kind === 'Issuer' || x.kind === 'ClusterIssuer')) {
      expect(r.out(n.id).filter((e) => e.kind === 'MENTIONS')).toEqual([]);
    }
  });
});
