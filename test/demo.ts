/**
 * The shipped demo (lib/demo) in a test database, collected the way `keygraph demo` collects it: both cluster days
 * (the files collector, the whole cluster each day), then with `gcp` both GCP IAM days, then with `secretManager`
 * both Secret Manager days (the order and folders of `keygraph demo`). Fingerprints use a fixed key.
 */
import type { Database } from '../lib/db';
import { collectFilesInto } from '../lib/cli/collect';
import { DEMO_DAYS, DEMO_GCP_DAYS, DEMO_SECRET_MANAGER_DAYS } from '../lib/cli/serve';
import { DEMO_COLLECT_OPTIONS } from '../lib/demo/build';
import { createFingerprinter } from '../lib/secrets/fingerprint';

/** Collects the demo's days into `database` (two runs, four with `gcp`, six with `secretManager` too). */
export async function loadDemo(database: Database, opts: { gcp?: boolean; secretManager?: boolean } = {}): Promise<void> {
  const rt = { database, fingerprint: createFingerprinter(Buffer.alloc(32, 7)) };
  const days = [...DEMO_DAYS, ...(opts.gcp || opts.secretManager ? DEMO_GCP_DAYS : []), ...(opts.secretManager ? DEMO_SECRET_MANAGER_DAYS : [])];
  for (const d of days) await collectFilesInto(rt, [d], { ...DEMO_COLLECT_OPTIONS, quiet: true });
}
