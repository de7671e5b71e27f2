/**
 * docs/ARCHITECTURE.md "Secret values never leave the collector": ingest Secrets with known values (data, stringData, a
 * service-account key file, a TLS pair) from files, then search a full pg_dump of the database, and every stored
 * run/log field, for the values and their base64. None may appear.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { createFingerprinter } from '../secrets/fingerprint';
import { collectFilesInto } from '../cli/collect';

const VALUES = [
  'hunter2-correct-horse-battery-staple',
  'postgres://app:S3cr3tP4ssw0rd@db.internal:5432/app',
  'sk_live_51Hx0000000000000000000000',
  '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n',
];
const b64 = (s: string) => Buffer.from(s).toString('base64');

function pgDump(url: string): string {
  return execFileSync('pg_dump', ['--no-owner', '--dbname', url], { encoding: 'utf8', maxBuffer: 256 << 20 });
}

describe('no secret value is stored', () => {
  let t: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    dir = mkdtempSync(path.join(os.tmpdir(), 'kg-values-'));
    const keyFile = JSON.stringify({
      type: 'service_account', project_id: 'acme-prod', private_key_id: '0123456789abcdef0123456789abcdef01234567',
      private_key: VALUES[3], client_email: 'deployer@acme-prod.iam.gserviceaccount.com', client_id: '1234567890',
    });
    writeFileSync(
      path.join(dir, 'secrets.yaml'),
      [
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app', namespace: 'shop', annotations: {
            'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ data: { password: b64(VALUES[0]!) } }) } },
          type: 'Opaque', data: { password: b64(VALUES[0]!), url: b64(VALUES[1]!) } },
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'stripe', namespace: 'shop' }, stringData: { key: VALUES[2] } },
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'gcp-key', namespace: 'shop' }, data: { 'key.json': b64(keyFile) } },
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { template: { spec: {
            containers: [{ name: 'web', image: 'web:1', env: [{ name: 'DB', valueFrom: { secretKeyRef: { name: 'app', key: 'url' } } }] }] } } } },
      ].map((d) => JSON.stringify(d)).join('\n---\n'),
    );
  });
  afterAll(async () => t?.drop());

  it('keeps key names and fingerprints only, in the database and in run records', async () => {
    const runs = await collectFilesInto(
      { database: t, fingerprint: createFingerprinter(Buffer.alloc(32, 7)) },
      [dir],
      { cluster: 'c1', namespace: 'default', quiet: true },
    );
    expect(runs[0]!.summary.status).toBe('succeeded');
    const dump = pgDump(t.url);
    // The dump really contains the inventory…
    expect(dump).toContain('k8s:c1/shop/Secret/app');
    expect(dump).toContain('password');
    expect(dump).toContain('0123456789abcdef0123456789abcdef01234567'); // private_key_id may be kept
    // …and no value, nor its base64, nor the base64 of the whole key file.
    for (const v of VALUES) {
      expect(dump).not.toContain(v);
      expect(dump).not.toContain(b64(v));
      expect(dump).not.toContain(v.slice(0, 16));
    }
    expect(dump).not.toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC');
    expect(dump).not.toContain('last-applied-configuration');
  });
});
