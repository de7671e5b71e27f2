/**
 * "Who can read this Secret" on realistic RBAC (test/fixtures/rbac, written for this test): a Role narrowed by
 * resourceNames, a ClusterRole bound per namespace, a cluster-wide `secrets: ["*"]` controller, an aggregated
 * ClusterRole, User and Group subjects. Driven through the CLI (collect files, show --json).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, useCliDatabase } from '../../test/cli';
import type { SecretAccess } from './access';
import type { Finding } from './findings';
import { handleNode } from '../api/handlers';
import * as S from '../api/schemas';

const DIR = path.resolve(__dirname, '../../test/fixtures/rbac');
const C = 'rbac';

async function readers(ns: string, name: string): Promise<string[]> {
  const { code, out, err } = await runCli('show', `k8s:${C}/${ns}/Secret/${name}`, '--json');
  expect(code, err).toBe(0);
  const access = (JSON.parse(out) as { access: SecretAccess }).access;
  return access.readers.map((g) => `${g.subject.kind}:${g.subject.namespace ? `${g.subject.namespace}/` : ''}${g.subject.name} ${g.verbs.join(',')} ${g.scope}${g.resourceNames ? ` [${g.resourceNames.join(',')}]` : ''}${g.aggregatedFrom ? ` agg:${g.aggregatedFrom.split('/').pop()}` : ''}`).sort();
}

describe('who can read a Secret (RBAC)', () => {
  useCliDatabase('kg-rbac-');

  it('collects bindings as nodes with BINDS and BINDS_SUBJECT edges; Users and Groups as subjects', async () => {
    const { code, err } = await runCli('collect', 'files', DIR, '--cluster', C, '--complete', '--json');
    expect(code, err).toBe(0);
    const rb = await runCli('show', `k8s:${C}/payments/RoleBinding/deployer-reads-secrets`, '--json');
    expect(rb.code, rb.err).toBe(0);
    const shown = JSON.parse(rb.out) as { node: { properties: Record<string, unknown> }; uses: { kind: string; to: string }[] };
    expect(shown.node.properties.roleRef).toEqual({ kind: 'ClusterRole', name: 'secret-reader' });
    expect(shown.node.properties.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'ci-deployer', namespace: 'payments' }, { kind: 'User', name: 'jane@example.com' },
    ]);
    expect(shown.uses.map((e) => `${e.kind} ${e.to}`).sort()).toEqual([
      `BINDS k8s:${C}/ClusterRole/secret-reader`, `BINDS_SUBJECT k8s:${C}/payments/ServiceAccount/ci-deployer`,
    ]);
    const sa = JSON.parse((await runCli('show', `k8s:${C}/platform/ServiceAccount/sync-controller`, '--json')).out) as { usedBy: { kind: string; from: string }[] };
    expect(sa.usedBy.map((e) => `${e.kind} ${e.from}`)).toContain(`BINDS_SUBJECT k8s:${C}/ClusterRoleBinding/sync-controller`);
  });

  it('db-credentials: the named Role grant, the namespace grant of a ClusterRole, the cluster-wide controller and the aggregated auditors', async () => {
    expect(await readers('payments', 'db-credentials')).toEqual([
      'Group:security-auditors@example.com list cluster agg:auditor-secrets',
      'ServiceAccount:payments/api get namespace [db-credentials]',
      'ServiceAccount:payments/ci-deployer get,list,watch namespace',
      'ServiceAccount:platform/sync-controller get,list,watch cluster',
      'User:jane@example.com get,list,watch namespace',
    ].sort());
  });

  it('impact of deleting a Secret a Role names: the Role is mentioned, its RoleBinding is not affected by it', async () => {
    const { out, err } = await runCli('impact', `k8s:${C}/payments/Secret/db-credentials`, '--action', 'delete', '--json');
    const affected = (JSON.parse(out || '{}') as { affected?: { node: { id: string }; role: string }[] }).affected ?? [];
    expect(affected.length, err).toBeGreaterThan(0);
    expect(affected.find((a) => a.node.id === `k8s:${C}/payments/Role/read-db-credentials`)?.role).toBe('mentioned');
    expect(affected.map((a) => a.node.id)).not.toContain(`k8s:${C}/payments/RoleBinding/api-reads-db-credentials`);
  });

  it('resourceNames narrow: the api ServiceAccount cannot read another Secret of its namespace', async () => {
    expect(await readers('payments', 'stripe-api')).not.toContainEqual(expect.stringContaining('payments/api '));
  });

  it('a RoleBinding grants in its own namespace only; a ClusterRoleBinding everywhere; a pod-only role grants nothing', async () => {
    const r = await readers('ingress', 'webhook-tls');
    expect(r).toEqual([
      'Group:security-auditors@example.com list cluster agg:auditor-secrets',
      'ServiceAccount:platform/sync-controller get,list,watch cluster',
    ]);
    expect(r.join('\n')).not.toMatch(/oncall|ci-deployer|jane/);
  });

  it('text output has an Access section', async () => {
    const { code, out } = await runCli('show', `k8s:${C}/payments/Secret/db-credentials`);
    expect(code).toBe(0);
    expect(out).toContain('Access: who can read it (5)');
    expect(out).toContain('ServiceAccount payments/api: get (only db-credentials) via RoleBinding payments/api-reads-db-credentials → Role payments/read-db-credentials');
    expect(out).toContain('every Secret in the cluster');
  });
});

describe('workload-reads-all-secrets and the node API', () => {
  const env = useCliDatabase('kg-rbac-check-');

  it('flags the controller (cluster, high) and the CronJob\'s deployer (namespace, medium), not a resourceNames grant', async () => {
    expect((await runCli('collect', 'files', DIR, '--cluster', C, '--complete', '--json')).code).toBe(0);
    const { out, err } = await runCli('check', '--json');
    expect(out, err).not.toBe('');
    const findings = (JSON.parse(out) as { findings: Finding[] }).findings.filter((f) => f.rule === 'workload-reads-all-secrets');
    expect(findings.map((f) => `${f.severity} ${f.objects[0]}`)).toEqual([
      `high k8s:${C}/platform/ServiceAccount/sync-controller`, `medium k8s:${C}/payments/ServiceAccount/ci-deployer`,
    ]);
    expect(findings[1]!.title).toBe('ServiceAccount payments/ci-deployer, run by CronJob payments/nightly-deploy, can read every Secret in namespace payments');
    expect(findings[0]!.objects).toContain(`k8s:${C}/platform/Deployment/sync-controller`);
    expect(findings[0]!.evidence).toMatchObject({ scope: 'cluster', grants: [{ binding: `k8s:${C}/ClusterRoleBinding/sync-controller` }] });
    // payments/api (run by Deployment api) reads one named Secret only: not flagged.
    expect(findings.some((f) => f.objects[0] === `k8s:${C}/payments/ServiceAccount/api`)).toBe(false);
  });

  it('the node API answers access for a Secret, in the schema', async () => {
    const r = await handleNode(env.db, new URL(`http://x/api/v1/nodes?id=${encodeURIComponent(`k8s:${C}/ingress/Secret/webhook-tls`)}`));
    const body = (await r.json()) as { access: SecretAccess };
    expect(r.status).toBe(200);
    expect(S.NodeResponse.safeParse(body).success).toBe(true);
    expect(body.access.readers.map((g) => g.subject.name)).toEqual(['security-auditors@example.com', 'sync-controller']);
    const sa = (await (await handleNode(env.db, new URL(`http://x/api/v1/nodes?id=${encodeURIComponent(`k8s:${C}/payments/ServiceAccount/api`)}`))).json()) as Record<string, unknown>;
    expect(sa.access).toBeUndefined();
  });
});
