/**
 * A live Secret Manager run (realm = project id, names carrying the project number; real PostgreSQL) linked from
 * Kubernetes objects that name the project either way: an ExternalSecret store by id, a SecretProviderClass
 * `resourceName` by number. Both reach `gcp:shop-prod/…`, and impact on the version names the pod.
 */
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth as googleAuth } from '@googleapis/secretmanager';
import { runCli, useCliDatabase } from '../../test/cli';
import { startRun } from '../../lib/store/write';
import { collectSecretManagerLive } from './live';
import { FakeSecretManagerServer } from './testing/fake-secret-manager';

const env = useCliDatabase('keygraph-sm-live-');
const TOKEN = 'ya29.test-access-token-not-a-secret-43';
const N = '482910337215';
const F = (f: string) => path.resolve(import.meta.dirname, '../../test/fixtures/secret-manager', f);
const J = (f: string) => JSON.parse(readFileSync(F(f), 'utf8'));
let srv: FakeSecretManagerServer;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kg-sm-live-'));

beforeAll(async () => {
  const [db, stripe] = J('secrets-list.json');
  srv = await FakeSecretManagerServer.start({
    'shop-prod': { number: N, secrets: [{ secret: db, versions: J('versions-checkout-db-password.json') }, { secret: stripe, versions: J('versions-stripe-api-key.rest.json').versions }] },
  }, TOKEN);
});
afterAll(async () => {
  await srv?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('live Secret Manager run, linked by project id or number', () => {
  it('commits as source secretmanager / provider gcp and links both consumers to gcp:shop-prod', async () => {
    const auth = new googleAuth.OAuth2();
    auth.setCredentials({ access_token: TOKEN, expiry_date: Date.now() + 3_600_000 });
    const result = await collectSecretManagerLive({ project: 'shop-prod', auth, rootUrl: `${srv.url}/` });
    const run = await startRun(env.db, 'secretmanager', 'shop-prod', { project: 'shop-prod' }, { provider: 'gcp' });
    const summary = await run.commit(result);
    expect(summary).toMatchObject({ status: 'succeeded', nodes: { added: 6 } });
    // The store names the project by id; the SecretProviderClass keeps the fixture's number.
    const manifests = path.join(tmp, 'k8s.yaml');
    writeFileSync(manifests, readFileSync(F('kubernetes.yaml'), 'utf8').replace('projectID: "482910337215"', 'projectID: shop-prod'));
    const c = await runCli('collect', 'files', '--cluster', 'shop-prod', manifests);
    expect(c.code, c.err).toBe(0);
    const r = await env.db.pool.query<{ from_id: string; to_id: string; key: string }>(
      `SELECT from_id, to_id, properties->>'key' AS key FROM edge_versions WHERE kind = 'FETCHES_SECRET' AND valid_to IS NULL ORDER BY from_id, to_id`);
    expect(r.rows).toEqual([
      { from_id: 'k8s:shop-prod/shop/ExternalSecret/database-credentials', to_id: 'gcp:shop-prod/SecretVersion/checkout-db-password@3', key: 'gcp:shop-prod/Secret/checkout-db-password' },
      { from_id: 'k8s:shop-prod/shop/SecretProviderClass/stripe-secrets', to_id: 'gcp:shop-prod/SecretVersion/checkout-db-password@3', key: 'gcp:shop-prod/Secret/checkout-db-password' },
      { from_id: 'k8s:shop-prod/shop/SecretProviderClass/stripe-secrets', to_id: 'gcp:shop-prod/SecretVersion/stripe-api-key@1', key: 'gcp:shop-prod/Secret/stripe-api-key' },
    ]);
    const runRow = (await env.db.pool.query(`SELECT source, provider, scope FROM runs WHERE id = $1`, [summary.runId])).rows[0];
    expect(runRow).toEqual({ source: 'secretmanager', provider: 'gcp', scope: 'shop-prod' });
    const j = JSON.parse((await runCli('impact', 'gcp:shop-prod/SecretVersion/checkout-db-password@3', '--action', 'delete', '--json')).out);
    expect(j.verdict).toBe('breaks');
    expect(j.affected.map((a: { node: { id: string } }) => a.node.id)).toEqual(expect.arrayContaining(['k8s:shop-prod/shop/Pod/payments-worker', 'k8s:shop-prod/shop/Deployment/checkout']));
  });
});
