/**
 * The shipped demo (lib/demo) in a test database, collected the way `keygraph demo` collects it: both cluster days
 * (the files collector, the whole cluster each day), then with `gcp` both GCP IAM days. Fingerprints use a fixed key.
 */
import path from 'node:path';
import type { Database } from '../lib/db';
import { collectFilesInto } from '../lib/cli/collect';
import { DEMO_COLLECT_OPTIONS } from '../lib/demo/build';
import { createFingerprinter } from '../lib/secrets/fingerprint';

const DEMO = path.resolve(import.meta.dirname, '../lib/demo');

/** Collects the demo's days into `database` (four runs with `gcp`, else two). */
export async function loadDemo(database: Database, opts: { gcp?: boolean } = {}): Promise<void> {
  const rt = { database, fingerprint: createFingerprinter(Buffer.alloc(32, 7)) };
  for (const d of ['day1', 'day2']) await collectFilesInto(rt, [path.join(DEMO, d)], { ...DEMO_COLLECT_OPTIONS, quiet: true });
  if (!opts.gcp) return;
  for (const d of ['day1', 'day2']) await collectFilesInto(rt, [path.join(DEMO, 'gcp', d)], { cluster: 'demo', namespace: 'default', quiet: true });
}
