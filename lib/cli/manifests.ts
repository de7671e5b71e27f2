/**
 * The pre-deploy gate's wiring (`keygraph check --manifests`): the registered source that reads manifests
 * (collectors/types.ts Source.readManifests: the Kubernetes source) reads and maps them, lib/analysis/manifests.ts
 * checks them against the inventory. Kept in the CLI layer because it is the one place lib/ may reach collectors/.
 */
import { SOURCES } from '../../collectors';
import type { Database } from '../db';
import { checkMappedManifests, type ManifestCheckOptions, type ManifestCheckResult } from '../analysis/manifests';

/**
 * Runs the gate over `paths` for cluster `opts.cluster` (lib/analysis/manifests.ts). Unreadable paths are reported in
 * `errors` (and as a finding-free result when nothing could be read). Errors: database errors; no registered source
 * reads manifests.
 */
export async function checkManifests(database: Database, paths: string[], opts: ManifestCheckOptions): Promise<ManifestCheckResult> {
  const reader = SOURCES.find((s) => s.readManifests);
  if (!reader?.readManifests) throw new Error('no registered source reads manifests');
  const mapped = await reader.readManifests(paths, { cluster: opts.cluster, namespace: opts.namespace || 'default', complete: opts.complete === true });
  return checkMappedManifests(database, mapped, opts);
}
