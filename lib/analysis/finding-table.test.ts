/**
 * The findings table on the demo inventory (real PostgreSQL): the renamed Secret and the dangling references it caused
 * as one incident, owners a person acts on, pods at risk, "new since run N", filters and sorting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { loadDemo } from '../../test/demo';
import { k8sId } from '../graph/ids';
import { findingTable, groupIncidents, sortRows, type FindingRow } from './finding-table';
import { computeFindings, type Finding } from './findings';

const OLD = k8sId('demo', 'ota', 'Secret', 'targets-backup-key');
const LITE_API = k8sId('demo', 'ota', 'Deployment', 'ota-lite-api');
let t: TestDatabase;

describe('findings table on the demo', () => {
  beforeAll(async () => {
    t = await createTestDatabase();
    await loadDemo(t, { secretManager: true });
  }, 120_000);
  afterAll(async () => t?.drop());

  it('the rename and the dangling reference to the old name are one incident, critical, owned by the Deployment, 3 pods at risk', async () => {
    const table = await findingTable(t, {});
    const incident = table.rows.find((r) => r.finding.rule === 'renamed-secret')!;
    expect(incident.finding.evidence.oldSecret).toBe(OLD);
    expect(incident.related.map((f) => `${f.rule} ${f.evidence.target}`)).toEqual([`dangling-reference ${OLD}`]);
    expect(incident).toMatchObject({ severity: 'critical', owner: LITE_API, podsAtRisk: 3 });
    // The fix names the object a person edits, not the ReplicaSet and Pods that follow it.
    expect(incident.finding.fix).toMatch(/^Point Deployment ota\/ota-lite-api at targets-backup-key-2024-10-08 \(the 4 object\(s\) they own follow/);
    expect(incident.finding.fix).not.toMatch(/7c9d8f6b54/);
    // The folded finding has no row of its own; every other finding has one.
    expect(table.rows.filter((r) => r.finding.rule === 'dangling-reference' && r.finding.evidence.target === OLD)).toEqual([]);
    const { findings } = await computeFindings(t);
    expect(table.rows.length).toBe(findings.length - 1);
    expect(table.total).toBe(findings.length);
    // Most severe first by default; the incident is among the critical rows.
    expect(table.rows[0]!.severity).toBe('critical');
    expect(table.counts.critical).toBe(table.rows.filter((r) => r.severity === 'critical').length);
  });

  it('owners are the top controllers: a stale-env finding names its Deployment, a dead key its pods’ controller', async () => {
    const { rows } = await findingTable(t, {});
    const stale = rows.find((r) => r.finding.rule === 'pod-env-stale' && r.finding.objects.includes(k8sId('demo', 'payments', 'StatefulSet', 'ledger-db')))!;
    expect(stale.owner).toBe(k8sId('demo', 'payments', 'StatefulSet', 'ledger-db'));
    const dead = rows.find((r) => r.finding.rule === 'secret-holds-dead-key')!;
    expect(dead.owner).toBe(k8sId('demo', 'monitoring', 'DaemonSet', 'log-shipper'));
    expect(dead.podsAtRisk).toBe(2);
    // A GCP key finding names no workload: no owner.
    expect(rows.find((r) => r.finding.rule === 'key-too-old')!.owner).toBeUndefined();
  });

  it('filters: a row matches when any of its findings does; by owner; severity counts follow the filter', async () => {
    const dangling = await findingTable(t, { rule: 'dangling-reference' });
    expect(dangling.rows.some((r) => r.finding.rule === 'renamed-secret')).toBe(true);
    const mine = await findingTable(t, { owner: LITE_API });
    expect(mine.rows.length).toBeGreaterThan(1);
    expect(mine.rows.every((r) => r.owner === LITE_API)).toBe(true);
    const high = await findingTable(t, { severity: 'high' });
    expect(high.rows.every((r) => r.severity === 'high' || r.severity === 'critical')).toBe(true);
    expect(high.counts.low).toBeGreaterThan(0); // counted without the severity filter: the chip says what it would show
  });

  it('new since run 2 (the cluster’s day 2): the GCP and Secret Manager findings are new, the cluster’s are not', async () => {
    const table = await findingTable(t, { newSince: 2 });
    const rule = (r: FindingRow) => r.finding.rule;
    expect(table.rows.filter((r) => r.isNew).map(rule)).toContain('key-too-old');
    expect(table.rows.find((r) => rule(r) === 'renamed-secret')!.isNew).toBe(false);
    const onlyNew = await findingTable(t, { newSince: 2, onlyNew: true });
    expect(onlyNew.rows.length).toBe(table.rows.filter((r) => r.isNew).length);
    await expect(findingTable(t, { newSince: 999 })).rejects.toThrow(/no run 999/);
  });

  it('sorts by pods at risk, by owner (rows without an owner last), both ways', async () => {
    const { rows } = await findingTable(t, { sort: 'pods' });
    const pods = rows.map((r) => r.podsAtRisk);
    expect(pods).toEqual([...pods].sort((a, b) => b - a));
    const byOwner = sortRows(rows, 'owner', 'asc');
    const firstEmpty = byOwner.findIndex((r) => !r.owner);
    expect(byOwner.slice(firstEmpty).every((r) => !r.owner)).toBe(true);
    expect(sortRows(rows, 'owner', 'desc').slice(-1)[0]!.owner).toBeUndefined();
  });
});

describe('groupIncidents (pure)', () => {
  const f = (id: string, rule: Finding['rule'], evidence: Record<string, unknown>): Finding => ({
    id, rule, severity: 'high', title: id, objects: [], provider: 'k8s', realm: 'c', namespace: 'ns', evidence, fix: '',
  });
  it('a dangling reference to another name stays its own row; two renames of different Secrets stay two incidents', () => {
    const rows = groupIncidents([
      f('r1', 'renamed-secret', { oldSecret: 'k8s:c/ns/Secret/a' }),
      f('r2', 'renamed-secret', { oldSecret: 'k8s:c/ns/Secret/b' }),
      f('d1', 'dangling-reference', { target: 'k8s:c/ns/Secret/a' }),
      f('d2', 'dangling-reference', { target: 'k8s:c/ns/Secret/z' }),
      f('k1', 'missing-data-key', { target: 'k8s:c/ns/Secret/b' }),
    ]);
    expect(rows.map((r) => `${r.finding.id}:${r.related.map((x) => x.id).join(',')}`)).toEqual(['r1:d1', 'r2:k1', 'd2:']);
  });
});

describe('severity chips', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await loadDemo(db);
  }, 120_000);
  afterAll(async () => db?.drop());
  it('an exact severity lists that severity only, and as many rows as its chip counts', async () => {
    const all = await findingTable(db, {});
    const high = await findingTable(db, { severity: 'high', exactSeverity: true });
    expect(high.rows.length).toBe(all.counts.high);
    expect(high.rows.every((r) => r.severity === 'high')).toBe(true);
  });
});
