/**
 * The pre-deploy gate's wiring (`keygraph check --manifests`): the registered source that reads manifests
 * (collectors/types.ts Source.readManifests: the Kubernetes source) reads and maps them, lib/analysis/manifests.ts
 * checks them against the inventory. Kept in the CLI layer because it is the one place lib/ may reach collectors/.
 */
import { SOURCES } from '../../collectors';
import type { Database } from '../db';
import { checkMappedManifests, type ManifestCheckOptions, type ManifestCheckResult, type MappedManifests } from '../analysis/manifests';

/**
 * Reads and maps the manifests under `paths` for cluster `opts.cluster` with the registered source that reads them
 * (no database). Unreadable paths are reported in `errors`. Errors: no registered source reads manifests.
 */
export async function readManifests(paths: string[], opts: Pick<ManifestCheckOptions, 'cluster' | 'namespace' | 'complete'>): Promise<MappedManifests> {
  const reader = SOURCES.find((s) => s.readManifests);
  if (!reader?.readManifests) throw new Error('no registered source reads manifests');
  return reader.readManifests(paths, { cluster: opts.cluster, namespace: opts.namespace || 'default', complete: opts.complete === true });
}

/**
 * Runs the gate over `paths` for cluster `opts.cluster` (lib/analysis/manifests.ts). Unreadable paths are reported in
 * `errors` (and as a finding-free result when nothing could be read). Errors: database errors; no registered source
 * reads manifests.
 */
export async function checkManifests(database: Database, paths: string[], opts: ManifestCheckOptions): Promise<ManifestCheckResult> {
  return checkMappedManifests(database, await readManifests(paths, opts), opts);
}
