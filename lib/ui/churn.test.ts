import { describe, expect, it } from 'vitest';
import { foldChurn, isChurn } from './churn';

type N = { id: string; kind: string; change: 'added' | 'removed' | 'changed'; ns: string };
const key = (n: N) => (isChurn('k8s', n.kind, n.change) ? `${n.change}|${n.kind}|${n.ns}` : null);
const pod = (id: string, change: N['change'] = 'added', ns = 'ota'): N => ({ id, kind: 'Pod', change, ns });

describe('foldChurn', () => {
  it('three Pods added in one namespace fold into one row where the first was; the Deployment stays a row', () => {
    const rows = foldChurn([pod('a'), { id: 'd', kind: 'Deployment', change: 'changed', ns: 'ota' }, pod('b'), pod('c')], key);
    expect(rows.map((r) => ('group' in r ? r.group.map((x) => x.id).join('+') : r.item.id))).toEqual(['a+b+c', 'd']);
  });
  it('two are not churn; other namespaces and removals are other groups; a changed Pod is never folded', () => {
    const rows = foldChurn([pod('a'), pod('b'), pod('x', 'added', 'web'), pod('r1', 'removed'), pod('r2', 'removed'), pod('r3', 'removed'), pod('c', 'changed')], key);
    expect(rows.map((r) => ('group' in r ? r.group.length : r.item.id))).toEqual(['a', 'b', 'x', 3, 'c']);
  });
  it('three references of one Pod are one member: not folded', () => {
    const refs = ['env', 'volume', 'envFrom'].map((via) => ({ from: 'p1', via }));
    expect(foldChurn(refs, () => 'added|Pod|USES_SECRET|s', (r) => r.from)).toHaveLength(3);
  });
  it('Deployments, Secrets and CronJobs are never churn; ReplicaSets and Jobs are', () => {
    expect(['Deployment', 'Secret', 'CronJob'].map((k) => isChurn('k8s', k, 'added'))).toEqual([false, false, false]);
    expect(['ReplicaSet', 'Job', 'Pod'].map((k) => isChurn('k8s', k, 'removed'))).toEqual([true, true, true]);
  });
});
