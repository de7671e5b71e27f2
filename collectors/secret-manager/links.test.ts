/**
 * Kubernetes → Secret Manager links on a real PostgreSQL, through the CLI (`keygraph collect files`, `keygraph
 * impact`): an ExternalSecret through its gcpsm SecretStore, and a pod's Secrets Store CSI volume through its GCP
 * SecretProviderClass, reach the versions they fetch (`latest` = the newest ENABLED one), so disabling that version
 * breaks the Deployment and the pod; the links follow the versions when a newer one is added.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, useCliDatabase } from '../../test/cli';
import { handleNode } from '../../lib/api/handlers';

const env = useCliDatabase('keygraph-secret-manager-');
const F = (f: string) => path.resolve(import.meta.dirname, '../../test/fixtures/secret-manager', f);
const P = '482910337215';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kg-sm-links-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const fetches = async () =>
  (await env.db.pool.query<{ from_id: string; to_id: string; p: Record<string, unknown> }>(
    `SELECT from_id, to_id, properties AS p FROM edge_versions WHERE kind = 'FETCHES_SECRET' AND valid_to IS NULL ORDER BY from_id, to_id`,
  )).rows.map((r) => ({ from: r.from_id, to: r.to_id, via: r.p.via, version: r.p.version, alias: r.p.alias }));

describe('Secret Manager consumers', () => {
  it('collect files links the ExternalSecret and the SecretProviderClass to the versions they read', async () => {
    const r = await runCli('collect', 'files', '--cluster', 'shop-prod', F('kubernetes.yaml'), F('secrets-list.json'),
      F('versions-checkout-db-password.json'), F('versions-stripe-api-key.rest.json'), F('policy-checkout-db-password.json'));
    expect(r.code, r.err).toBe(0);
    expect(await fetches()).toEqual([
      { from: 'k8s:shop-prod/shop/ExternalSecret/database-credentials', to: `gcp:${P}/SecretVersion/checkout-db-password@3`, via: 'externalSecret', version: 'latest', alias: 'latest' },
      { from: 'k8s:shop-prod/shop/SecretProviderClass/stripe-secrets', to: `gcp:${P}/SecretVersion/checkout-db-password@3`, via: 'secretProviderClass', version: 'latest', alias: 'latest' },
      { from: 'k8s:shop-prod/shop/SecretProviderClass/stripe-secrets', to: `gcp:${P}/SecretVersion/stripe-api-key@1`, via: 'secretProviderClass', version: '1', alias: undefined },
    ]);
  });

  it('impact: disabling the newest enabled version breaks the Deployment (ExternalSecret → Secret) and the CSI pod', async () => {
    const r = await runCli('impact', `gcp:${P}/SecretVersion/checkout-db-password@3`, '--action', 'disable', '--json');
    expect(r.code, r.err).not.toBe(1);
    const j = JSON.parse(r.out);
    expect(j.verdict).toBe('breaks');
    const affected = (j.affected as { node: { id: string }; role: string; path: { kind: string }[] }[]).map((a) => [a.node.id, a.path.map((p) => p.kind).join(' → ')]);
    expect(affected).toEqual(expect.arrayContaining([
      ['k8s:shop-prod/shop/ExternalSecret/database-credentials', 'FETCHES_SECRET'],
      ['k8s:shop-prod/shop/Deployment/checkout', 'FETCHES_SECRET → PRODUCES → USES_SECRET'],
      ['k8s:shop-prod/shop/SecretProviderClass/stripe-secrets', 'FETCHES_SECRET'],
      ['k8s:shop-prod/shop/Pod/payments-worker', 'FETCHES_SECRET → MENTIONS'],
    ]));
    const text = (await runCli('impact', `gcp:${P}/SecretVersion/checkout-db-password@3`, '--action', 'disable')).out;
    expect(text).toContain('verdict: BREAKS');
    expect(text).toContain('why: FETCHES_SECRET (externalSecret) → PRODUCES → USES_SECRET (env DB_PASSWORD; container app; keys database_password)');
    expect(text).toContain('why: FETCHES_SECRET (secretProviderClass) → MENTIONS (volume mysecret; mounted at worker:/var/secrets)');
    // Deleting the secret itself breaks the same consumers, through HAS_VERSION.
    const del = JSON.parse((await runCli('impact', `gcp:${P}/Secret/checkout-db-password`, '--action', 'delete', '--json')).out);
    expect(del.verdict).toBe('breaks');
    expect(del.affected.map((a: { node: { id: string } }) => a.node.id)).toEqual(expect.arrayContaining(['k8s:shop-prod/shop/Deployment/checkout', 'k8s:shop-prod/shop/Pod/payments-worker']));
  });

  it('impact: the pinned stripe-api-key version 1 breaks only the CSI pod; the disabled version 2 breaks nothing', async () => {
    const ids = async (id: string) => {
      const j = JSON.parse((await runCli('impact', id, '--action', 'disable', '--json')).out);
      return { verdict: j.verdict, affected: (j.affected as { node: { id: string } }[]).map((a) => a.node.id).sort() };
    };
    expect(await ids(`gcp:${P}/SecretVersion/stripe-api-key@1`)).toEqual({
      verdict: 'breaks', affected: ['k8s:shop-prod/shop/Pod/payments-worker', 'k8s:shop-prod/shop/SecretProviderClass/stripe-secrets'],
    });
    const two = await ids(`gcp:${P}/SecretVersion/checkout-db-password@2`);
    expect(two.affected).toEqual([]);
    expect(two.verdict).not.toBe('breaks');
  });

  it('the node API shows a version with its secret and the consumers that fetch it', async () => {
    const res = await handleNode(env.db, new URL(`http://localhost/api/v1/nodes?${new URLSearchParams({ id: `gcp:${P}/SecretVersion/checkout-db-password@3` })}`));
    expect(res.status).toBe(200);
    const body = JSON.stringify(await res.json());
    expect(body).toContain('"state":"ENABLED"');
    expect(body).toContain(`gcp:${P}/Secret/checkout-db-password`);
    expect(body).toContain('k8s:shop-prod/shop/ExternalSecret/database-credentials');
    expect(body).toContain('k8s:shop-prod/shop/SecretProviderClass/stripe-secrets');
    expect(body).not.toContain('aHVudGVy');
  });

  it('a new enabled version moves the latest links to it at the next commit', async () => {
    const f = path.join(tmp, 'v4.json');
    writeFileSync(f, JSON.stringify({ name: `projects/${P}/secrets/checkout-db-password/versions/4`, state: 'ENABLED', createTime: '2026-12-03T10:00:00Z' }));
    const c = await runCli('collect', 'files', '--cluster', 'shop-prod', f);
    expect(c.code, c.err + c.out).toBe(0);
    const latest = (await fetches()).filter((e) => e.alias === 'latest').map((e) => e.to);
    expect(latest).toEqual([`gcp:${P}/SecretVersion/checkout-db-password@4`, `gcp:${P}/SecretVersion/checkout-db-password@4`]);
  });
});
