/**
 * Live Secret Manager collection against the local fake API (testing/fake-secret-manager.ts) fed with the fixture
 * shapes of test/fixtures/secret-manager/ plus generated secrets for pagination: realm = the project id asked for
 * (the API names the project number), every page read, 403/404 per kind = partial, and no payload ever requested.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auth as googleAuth } from '@googleapis/secretmanager';
import { collectSecretManagerLive } from './live';
import { FakeSecretManagerServer, type FakeSecret } from './testing/fake-secret-manager';

const TOKEN = 'ya29.test-access-token-not-a-secret-42';
const N = '482910337215';
const F = (f: string) => JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../test/fixtures/secret-manager', f), 'utf8'));

function tokenAuth() {
  const c = new googleAuth.OAuth2();
  c.setCredentials({ access_token: TOKEN, expiry_date: Date.now() + 3_600_000 });
  return c;
}

describe('collectSecretManagerLive', () => {
  let srv: FakeSecretManagerServer;
  beforeAll(async () => {
    const [db, stripe] = F('secrets-list.json');
    const secrets: FakeSecret[] = [
      { secret: db, versions: F('versions-checkout-db-password.json'), policy: F('policy-checkout-db-password.json').policy },
      { secret: stripe, versions: F('versions-stripe-api-key.rest.json').versions },
      // 60 generated secrets with 3 versions each: several pages of both lists at pageSize 25.
      ...Array.from({ length: 60 }, (_, i): FakeSecret => ({
        secret: { name: `projects/${N}/secrets/gen-${i}`, createTime: '2026-01-01T00:00:00Z', replication: { automatic: {} } },
        versions: [1, 2, 3].map((v) => ({ name: `projects/${N}/secrets/gen-${i}/versions/${v}`, state: v === 3 ? 'ENABLED' : 'DISABLED', createTime: '2026-01-01T00:00:00Z' })),
      })),
    ];
    srv = await FakeSecretManagerServer.start({ 'shop-prod': { number: N, secrets } }, TOKEN);
  });
  afterAll(() => srv?.close());
  beforeEach(() => {
    srv.fail.clear();
    srv.flaky.clear();
    srv.requests = [];
  });
  const run = () => collectSecretManagerLive({ project: 'shop-prod', auth: tokenAuth(), rootUrl: `${srv.url}/`, pageSize: 25, retry: { retries: 3, baseDelayMs: 5, maxDelayMs: 20 } });

  it('lists every page of secrets and versions, with IAM policies, under the project id; never calls versions.access', async () => {
    const r = await run();
    expect(r.errors).toEqual([]);
    expect(r.coverage).toEqual({ 'gcp:Secret': { complete: true, count: 62 }, 'gcp:SecretVersion': { complete: true, count: 4 + 180 } });
    const db = r.nodes.find((n) => n.id === 'gcp:shop-prod/Secret/checkout-db-password')!;
    expect(db.properties).toMatchObject({ resourceName: `projects/${N}/secrets/checkout-db-password`, iamBindings: [{ role: 'roles/secretmanager.secretAccessor' }, { role: 'roles/secretmanager.secretVersionManager' }] });
    expect(r.nodes.find((n) => n.id === 'gcp:shop-prod/SecretVersion/gen-59@3')!.properties.state).toBe('ENABLED');
    expect(r.edges.filter((e) => e.kind === 'HAS_VERSION')).toHaveLength(184);
    expect(srv.requests.filter((q) => q === 'GET /v1/projects/shop-prod/secrets')).toHaveLength(3); // 62 secrets, pages of 25
    expect(srv.accessCalls).toBe(0);
    expect(srv.requests.some((q) => q.includes(':access'))).toBe(false);
  });

  it('403 on the secrets list: nothing is complete (partial), the error names the request and the Google status', async () => {
    srv.fail.set('/v1/projects/shop-prod/secrets', 403);
    const r = await run();
    expect(r.nodes).toEqual([]);
    expect(r.coverage['gcp:Secret']).toMatchObject({ complete: false, count: 0 });
    expect(r.coverage['gcp:SecretVersion']).toMatchObject({ complete: false });
    expect(r.errors[0]!.message).toBe('secrets.list projects/shop-prod: forbidden: 403 PERMISSION_DENIED: Permission denied on /v1/projects/shop-prod/secrets');
    expect(JSON.stringify(r)).not.toContain(TOKEN);
  });

  it('404 on one secret\'s versions: secrets complete, versions incomplete naming the secret; its policy 403 is an error', async () => {
    srv.fail.set('/v1/projects/shop-prod/secrets/stripe-api-key/versions', 404);
    srv.fail.set('/v1/projects/shop-prod/secrets/gen-7:getIamPolicy', 403);
    const r = await run();
    expect(r.coverage['gcp:Secret']).toEqual({ complete: true, count: 62 });
    expect(r.coverage['gcp:SecretVersion']).toMatchObject({ complete: false, count: 183 });
    expect(r.coverage['gcp:SecretVersion']!.error).toContain('versions.list projects/shop-prod/secrets/stripe-api-key: not found: 404');
    expect(r.errors.map((e) => e.where).sort()).toEqual(['projects/shop-prod/secrets', 'projects/shop-prod/secrets/gen-7']);
    expect(r.nodes.find((n) => n.id === 'gcp:shop-prod/Secret/gen-7')!.properties.iamBindings).toBeUndefined();
  });

  it('503s are retried: two failures of the secrets list and one of a policy still give a complete listing', async () => {
    srv.flaky.set('/v1/projects/shop-prod/secrets', 2);
    srv.flaky.set('/v1/projects/shop-prod/secrets/checkout-db-password:getIamPolicy', 1);
    const r = await run();
    expect(r.errors).toEqual([]);
    expect(r.coverage['gcp:Secret']).toEqual({ complete: true, count: 62 });
    expect(r.nodes.find((n) => n.id === 'gcp:shop-prod/Secret/checkout-db-password')!.properties.iamBindings).toHaveLength(2);
  });

  it('a 503 that never ends gives up after the retries: partial, with the status', async () => {
    srv.flaky.set('/v1/projects/shop-prod/secrets', 99);
    const r = await run();
    expect(r.coverage['gcp:Secret']).toMatchObject({ complete: false, count: 0 });
    expect(r.errors[0]!.message).toBe('secrets.list projects/shop-prod: failed: 503 UNAVAILABLE: try again');
  });
});
