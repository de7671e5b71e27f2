/**
 * Who can read a Secret, on the real RBAC of kube-prometheus and cert-manager (/work/shared/realdata; skipped when
 * absent): the controllers that may read every Secret of the cluster are flagged, and a Secret lists them as readers.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, useCliDatabase } from '../../test/cli';
import type { SecretAccess } from './access';
import type { Finding } from './findings';

const REALDATA = process.env.KEYGRAPH_REALDATA ?? '/work/shared/realdata';
const present = existsSync(REALDATA);
if (!present) console.log(`access realdata tests skipped: ${REALDATA} is absent`);

const flagged = async (): Promise<string[]> => {
  const { out, err } = await runCli('check', '--json');
  expect(out, err).not.toBe('');
  return (JSON.parse(out) as { findings: Finding[] }).findings.filter((f) => f.rule === 'workload-reads-all-secrets')
    .map((f) => `${f.severity} ${f.objects[0]} ${(f.evidence.grants as { verbs: string[] }[]).map((g) => g.verbs.join(',')).join(' ')}`).sort();
};
const readers = async (id: string): Promise<string[]> => {
  const r = await runCli('show', id, '--json');
  expect(r.code, r.err).toBe(0);
  return (JSON.parse(r.out) as { access: SecretAccess }).access.readers.map((g) => `${g.subject.kind}:${g.subject.namespace}/${g.subject.name} ${g.scope} ${g.verbs.join(',')} via ${g.binding}`).sort();
};

describe.skipIf(!present)('RBAC access on real manifests', () => {
  useCliDatabase('kg-rbac-real-');

  it('kube-prometheus: prometheus-operator (secrets "*") and kube-state-metrics (list, watch) read every Secret of the cluster', async () => {
    const dir = path.join(REALDATA, 'kube-prometheus/manifests');
    const c = await runCli('collect', 'files', dir, '--cluster', 'kp', '--complete', '--json');
    expect(c.code, c.err).toBe(0);
    // kubeStateMetrics-clusterRole.yaml: secrets [list, watch]; prometheusOperator-clusterRole.yaml: [configmaps, secrets] ['*'].
    expect(await flagged()).toEqual([
      'high k8s:kp/monitoring/ServiceAccount/kube-state-metrics list,watch',
      'high k8s:kp/monitoring/ServiceAccount/prometheus-operator get,list,watch',
    ]);
    // Prometheus itself (prometheus-k8s: per-namespace Roles on services/endpoints/pods) is no reader.
    expect(await readers('k8s:kp/monitoring/Secret/alertmanager-main')).toEqual([
      'ServiceAccount:monitoring/kube-state-metrics cluster list,watch via k8s:kp/ClusterRoleBinding/kube-state-metrics',
      'ServiceAccount:monitoring/prometheus-operator cluster get,list,watch via k8s:kp/ClusterRoleBinding/prometheus-operator',
    ]);
  });

  it('cert-manager (v0.x manifest): the controller and the cainjector read every Secret; the webhook does not', async () => {
    const file = path.join(REALDATA, 'cert-manager/deploy/manifests/cert-manager.yaml');
    const c = await runCli('collect', 'files', file, '--cluster', 'cm', '--complete', '--json');
    expect(c.code, c.err).toBe(0);
    // ClusterRole cert-manager: [configmaps, secrets, events, services, pods] ['*']; cert-manager-cainjector: secrets
    // [get, list, watch]. The webhook's bindings name system:auth-delegator and a kube-system Role the file does not hold.
    expect((await flagged()).filter((f) => f.includes('k8s:cm/'))).toEqual([
      'high k8s:cm/cert-manager/ServiceAccount/cert-manager get,list,watch',
      'high k8s:cm/cert-manager/ServiceAccount/cert-manager-cainjector get,list,watch',
    ]);
    expect(await readers('k8s:cm/cert-manager/Secret/cert-manager-webhook-webhook-tls')).toEqual([
      'ServiceAccount:cert-manager/cert-manager cluster get,list,watch via k8s:cm/ClusterRoleBinding/cert-manager',
      'ServiceAccount:cert-manager/cert-manager-cainjector cluster get,list,watch via k8s:cm/ClusterRoleBinding/cert-manager-cainjector',
    ]);
  });
});
