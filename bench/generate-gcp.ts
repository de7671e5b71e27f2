/**
 * GCP part of the ingest benchmark: `writeGcpDump(dir, opts)` writes, deterministically by seed,
 * - `service-accounts.json`: a `gcloud iam service-accounts list --format=json` array of `serviceAccounts` objects;
 * - `keys.json`: a `gcloud iam service-accounts keys list --format=json` style array of key objects (user- and
 *   system-managed, name `projects/P/serviceAccounts/EMAIL/keys/KEY_ID`);
 * - `holders.json`: a kubectl `List` of Secrets (namespaces `holders-N`) whose `key.json` is a (fake)
 *   service-account key file naming one of those keys by `private_key_id` and `client_email`.
 * Returns the counts and paths.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRng } from './generate';

export interface GcpDumpOptions {
  project: string;
  serviceAccounts: number;
  keys: number;
  holderSecrets: number;
  seed?: number;
}

export const DEFAULT_GCP_DUMP: GcpDumpOptions = { project: 'bench-project', serviceAccounts: 5_000, keys: 20_000, holderSecrets: 2_000, seed: 7 };

export async function writeGcpDump(dir: string, opts: GcpDumpOptions): Promise<{ gcpFiles: string[]; holdersFile: string; userManagedKeys: number }> {
  await mkdir(dir, { recursive: true });
  const rng = createRng(opts.seed ?? 7);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rng() * 16).toString(16)).join('');
  const accounts = Array.from({ length: opts.serviceAccounts }, (_, i) => {
    const email = `svc-${i}@${opts.project}.iam.gserviceaccount.com`;
    return {
      name: `projects/${opts.project}/serviceAccounts/${email}`, projectId: opts.project, uniqueId: String(100000000000000000000n + BigInt(i)),
      email, displayName: `service ${i}`, etag: 'MDEwMjE5MjA=', oauth2ClientId: String(100000000000000000000n + BigInt(i)), disabled: rng() < 0.02,
    };
  });
  const keys = Array.from({ length: opts.keys }, (_, i) => {
    const sa = accounts[i % accounts.length]!;
    const userManaged = i % 4 !== 3;
    const created = new Date(Date.UTC(2025, 0, 1) + Math.floor(rng() * 600) * 86_400_000);
    return {
      name: `${sa.name}/keys/${hex(40)}`, keyAlgorithm: 'KEY_ALG_RSA_2048', keyOrigin: 'GOOGLE_PROVIDED',
      keyType: userManaged ? 'USER_MANAGED' : 'SYSTEM_MANAGED', validAfterTime: created.toISOString().replace('.000', ''),
      validBeforeTime: userManaged ? '9999-12-31T23:59:59Z' : new Date(created.getTime() + 90 * 86_400_000).toISOString().replace('.000', ''),
      disabled: rng() < 0.01,
    };
  });
  const userKeys = keys.filter((k) => k.keyType === 'USER_MANAGED');
  const holders = Array.from({ length: opts.holderSecrets }, (_, i) => {
    const k = userKeys[(i * 7) % userKeys.length]!;
    const email = k.name.split('/')[3]!;
    const keyFile = JSON.stringify({
      type: 'service_account', project_id: opts.project, private_key_id: k.name.split('/').pop(),
      private_key: '-----BEGIN PRIVATE KEY-----\nZmFrZQ==\n-----END PRIVATE KEY-----\n', client_email: email, client_id: '1',
    });
    return {
      apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
      metadata: { name: `gcp-key-${i}`, namespace: `holders-${i % 50}`, uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` },
      data: { 'key.json': Buffer.from(keyFile).toString('base64') },
    };
  });
  const gcpFiles = [path.join(dir, 'service-accounts.json'), path.join(dir, 'keys.json')];
  const holdersFile = path.join(dir, 'holders.json');
  await writeFile(gcpFiles[0]!, JSON.stringify(accounts));
  await writeFile(gcpFiles[1]!, JSON.stringify(keys));
  await writeFile(holdersFile, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: holders }));
  return { gcpFiles, holdersFile, userManagedKeys: userKeys.length };
}
