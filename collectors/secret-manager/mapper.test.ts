/**
 * Secret Manager shapes (gcloud `--format=json` and REST v1, test/fixtures/secret-manager/) through the file
 * collector (collectors/files.ts): nodes, HAS_VERSION, IAM bindings, coverage, and payloads refused unread.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectFiles } from '../files';
import { createFingerprinter } from '../../lib/secrets/fingerprint';
import { parseId } from '../../lib/graph/ids';
import { secretManagerFiles } from './files';
import { secretManagerFacts, externalSecretRemoteRefs } from './kubernetes-facts';

const F = (f: string) => path.resolve(import.meta.dirname, '../../test/fixtures/secret-manager', f);
const ctx = { cluster: 'c1', namespace: 'default', fingerprint: createFingerprinter(Buffer.alloc(32, 7)) };
const P = '482910337215';
const REALDATA = path.resolve(import.meta.dirname, '../../../shared/realdata');
const ESO = (f: string) => path.join(REALDATA, 'external-secrets/docs/snippets', f);

describe('Secret Manager files', () => {
  it('gcloud secrets list, versions list (gcloud array and REST page) and a wrapped IAM policy: one run of the project', async () => {
    const { collections, errors } = await collectFiles(
      [F('secrets-list.json'), F('versions-checkout-db-password.json'), F('versions-stripe-api-key.rest.json'), F('policy-checkout-db-password.json')],
      ctx,
    );
    expect(errors).toEqual([]);
    expect(collections.map((c) => [c.source, c.scope, c.provider])).toEqual([['files', P, 'gcp']]);
    const c = collections[0]!;
    expect(Object.keys(c.result.coverage).sort()).toEqual(['gcp:Secret', 'gcp:SecretVersion']);
    const byId = new Map(c.result.nodes.map((n) => [n.id, n]));
    expect([...byId.keys()].sort()).toEqual([
      `gcp:${P}/Secret/checkout-db-password`, `gcp:${P}/Secret/stripe-api-key`,
      `gcp:${P}/SecretVersion/checkout-db-password@1`, `gcp:${P}/SecretVersion/checkout-db-password@2`,
      `gcp:${P}/SecretVersion/checkout-db-password@3`, `gcp:${P}/SecretVersion/stripe-api-key@1`,
    ]);
    for (const id of byId.keys()) expect(parseId(id)).toMatchObject({ provider: 'gcp', realm: P });
    expect(byId.get(`gcp:${P}/Secret/checkout-db-password`)!.properties).toMatchObject({
      replication: { mode: 'automatic' }, createTime: '2026-03-02T09:14:51.218Z', labels: { app: 'checkout', env: 'prod' },
      annotationKeys: ['owner'], rotation: { rotationPeriod: '7776000s', nextRotationTime: '2027-01-01T00:00:00.000Z' },
      iamBindings: [
        { role: 'roles/secretmanager.secretAccessor', members: [
          'principal://iam.googleapis.com/projects/482910337215/locations/global/workloadIdentityPools/shop-prod.svc.id.goog/subject/ns/shop/sa/external-secrets',
          'serviceAccount:checkout@shop-prod.iam.gserviceaccount.com'] },
        { role: 'roles/secretmanager.secretVersionManager', members: ['group:payments-admins@example.com'] },
      ],
    });
    expect(byId.get(`gcp:${P}/Secret/stripe-api-key`)!.properties).toMatchObject({
      replication: { mode: 'userManaged', locations: ['europe-west1', 'europe-west4'] }, expireTime: '2027-05-20T16:02:03.000Z',
    });
    expect(byId.get(`gcp:${P}/SecretVersion/checkout-db-password@1`)!.properties).toEqual({
      secret: 'checkout-db-password', version: 1, state: 'DESTROYED', createTime: '2026-03-02T09:14:52.004Z', destroyTime: '2026-06-01T08:00:00.130Z',
    });
    expect(byId.get(`gcp:${P}/SecretVersion/checkout-db-password@2`)!.properties.state).toBe('DISABLED');
    expect(c.result.edges.filter((e) => e.kind === 'HAS_VERSION').map((e) => `${e.from} -> ${e.to}`).sort()).toEqual([
      `gcp:${P}/Secret/checkout-db-password -> gcp:${P}/SecretVersion/checkout-db-password@1`,
      `gcp:${P}/Secret/checkout-db-password -> gcp:${P}/SecretVersion/checkout-db-password@2`,
      `gcp:${P}/Secret/checkout-db-password -> gcp:${P}/SecretVersion/checkout-db-password@3`,
      `gcp:${P}/Secret/stripe-api-key -> gcp:${P}/SecretVersion/stripe-api-key@1`,
    ]);
  });

  it('secrets without all their versions cover secrets only; a cut page covers nothing and is a warning', async () => {
    const partial = (await collectFiles([F('secrets-list.json'), F('versions-checkout-db-password.json')], ctx)).collections[0]!;
    expect(Object.keys(partial.result.coverage)).toEqual(['gcp:Secret']);
    const sink = secretManagerFiles.createSink(ctx);
    const secrets = JSON.parse(readFileSync(F('secrets-list.json'), 'utf8'));
    expect(sink.accept({ secrets, nextPageToken: 'CiQ4ZTc', totalSize: 9 }, 'page.json:1')).toBe(true);
    const [out] = sink.finish();
    expect(out!.coveredKinds).toEqual([]);
    expect(sink.warnings.map((w) => w.message)).toEqual([`secrets page of project ${P} has a nextPageToken: the listing is cut, nothing is marked gone`]);
  });

  it('a versions.access response (payload) is refused unread and nothing of it is stored or reported', async () => {
    const { collections, errors } = await collectFiles([F('access-response.json')], ctx);
    expect(collections.flatMap((c) => c.result.nodes)).toEqual([]);
    const all = JSON.stringify({ collections, errors });
    expect(all).not.toContain('aHVudGVy');
    expect(secretManagerFiles.createSink(ctx).accept(JSON.parse(readFileSync(F('access-response.json'), 'utf8')), 'a:1')).toBe(false);
  });

  it('an IAM policy of a secret not in the input, and a version state the API does not have, are warnings', () => {
    const sink = secretManagerFiles.createSink(ctx);
    expect(sink.accept({ resource: `projects/${P}/secrets/other`, policy: { bindings: [] } }, 'p.json:1')).toBe(true);
    expect(sink.accept({ name: `projects/${P}/secrets/x/versions/1`, state: 'STATE_UNSPECIFIED' }, 'v.json:1')).toBe(true);
    sink.finish();
    expect(sink.warnings.map((w) => w.message)).toEqual([
      'secret version state "STATE_UNSPECIFIED" is not ENABLED, DISABLED or DESTROYED',
      'IAM policy of a secret not in the input; skipped',
    ]);
  });

  it('bare policies, empty lists and Kubernetes objects are not Secret Manager documents', () => {
    const sink = secretManagerFiles.createSink(ctx);
    for (const d of [{ bindings: [], etag: 'x' }, { secrets: [] }, { versions: [] }, {}, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }]) {
      expect(sink.accept(d, 'f:1')).toBe(false);
    }
  });
});

describe('what Kubernetes objects say about Secret Manager', () => {
  it('ExternalSecret data[].remoteRef and dataFrom[].extract keys, with versions as written', () => {
    expect(externalSecretRemoteRefs({
      data: [{ secretKey: 'a', remoteRef: { key: 'database_username' } }, { secretKey: 'b', remoteRef: { key: 'database_password', version: '4' } }],
      dataFrom: [{ extract: { key: 'all-keys-example-secret' } }, { find: { name: { regexp: '.*' } } }],
    })).toEqual([
      { key: 'database_username', field: 'spec.data[0].remoteRef' },
      { key: 'database_password', version: '4', field: 'spec.data[1].remoteRef' },
      { key: 'all-keys-example-secret', field: 'spec.dataFrom[0].extract' },
    ]);
  });

  it('gcpsm stores give their project (a placeholder list such as [PROJECT_ID] gives none); GCP SecretProviderClasses their resource names', () => {
    expect(secretManagerFacts('external-secrets.io', 'SecretStore', { spec: { provider: { gcpsm: { projectID: 'shop-prod' } } } })).toEqual({ gcpsmProjectID: 'shop-prod' });
    expect(secretManagerFacts('external-secrets.io', 'ClusterSecretStore', { spec: { provider: { gcpsm: { projectID: ['PROJECT_ID'] } } } })).toBeUndefined();
    expect(secretManagerFacts('external-secrets.io', 'SecretStore', { spec: { provider: { vault: {} } } })).toBeUndefined();
    expect(secretManagerFacts('secrets-store.csi.x-k8s.io', 'SecretProviderClass', {
      spec: { provider: 'gcp', parameters: { secrets: '- resourceName: "projects/p1/secrets/s/versions/latest"\n  path: "good1.txt"\n' } },
    })).toEqual({ gcpResourceNames: ['projects/p1/secrets/s/versions/latest'] });
    expect(secretManagerFacts('secrets-store.csi.x-k8s.io', 'SecretProviderClass', { spec: { provider: 'gcp', parameters: { secrets: '- [' } } }))
      .toEqual({ gcpParametersError: 'spec.parameters.secrets is not valid YAML' });
    expect(secretManagerFacts('secrets-store.csi.x-k8s.io', 'SecretProviderClass', { spec: { provider: 'azure', parameters: {} } })).toBeUndefined();
  });
});

describe.skipIf(!existsSync(ESO('gcpsm-external-secret.yaml')))('External Secrets docs snippets (realdata, read in place)', () => {
  it('the Kubernetes mapper keeps each ExternalSecret remote key; a store whose projectID is the docs placeholder names no project', async () => {
    const { collections } = await collectFiles([
      ESO('gcpsm-external-secret.yaml'), ESO('gcpsm-data-from-external-secret.yaml'), ESO('gcpsm-wif-externalsecret.yaml'), ESO('gcpsm-wif-sa-secret-store.yaml'),
    ], ctx);
    const nodes = collections.flatMap((c) => c.result.nodes);
    const refs = Object.fromEntries(nodes.filter((n) => n.kind === 'ExternalSecret').map((n) => [n.id, n.properties.remoteRefs]));
    expect(refs).toEqual({
      'k8s:c1/default/ExternalSecret/database-credentials': [
        { key: 'database_username', field: 'spec.data[0].remoteRef' }, { key: 'database_password', field: 'spec.data[1].remoteRef' },
      ],
      'k8s:c1/default/ExternalSecret/example': [{ key: 'all-keys-example-secret', field: 'spec.dataFrom[0].extract' }],
      'k8s:c1/demo/ExternalSecret/demo-external-secret': [{ key: 'demo-secret', field: 'spec.data[0].remoteRef' }],
    });
    const store = nodes.find((n) => n.id === 'k8s:c1/demo/SecretStore/demo-store');
    expect(store).toBeDefined(); // kept for its Workload Identity ServiceAccount reference
    expect(store!.properties.gcpsmProjectID).toBeUndefined(); // `projectID: [PROJECT_ID]` is a YAML list, not a project
  });
});
