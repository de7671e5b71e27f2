/**
 * The Kubernetes source's manifest reader for the pre-deploy gate (`keygraph check --manifests DIR --cluster NAME`,
 * lib/analysis/manifests.ts): reads every document under the paths (lib/input/documents.ts), maps them with the
 * Kubernetes mapper (with the implicit `default` ServiceAccount per namespace) and says what they vouch for, as a
 * files run would (collectors/kubernetes/files.ts kubernetesFileCoverage). Secret values are fingerprinted under a
 * throwaway key and dropped: only ids, key names and fingerprints that match nothing stored leave this function.
 */
import { randomBytes } from 'node:crypto';
import type { MappedManifests } from '../../lib/analysis/manifests';
import { k8sId } from '../../lib/graph/ids';
import { readDocuments } from '../../lib/input/documents';
import { createFingerprinter } from '../../lib/secrets/fingerprint';
import type { ManifestContext } from '../types';
import { kubernetesFileCoverage } from './files';
import { createKubernetesMapper } from './mapper';

/** Reads and maps manifests. Unreadable files and documents are returned in `errors` (`file:line: message`). */
export async function readKubernetesManifests(paths: string[], ctx: ManifestContext): Promise<MappedManifests> {
  const ns = ctx.namespace || 'default';
  const mapper = createKubernetesMapper({
    cluster: ctx.cluster,
    defaultNamespace: ns,
    fingerprint: createFingerprinter(randomBytes(32)),
    implicitDefaults: true,
  });
  const where = new Map<string, string>();
  const errors: string[] = [];
  let documents = 0;
  for await (const item of readDocuments(paths)) {
    if (item.type === 'error') {
      errors.push(`${item.file}${item.line ? `:${item.line}` : ''}: ${item.message}`);
      continue;
    }
    documents++;
    const v = item.value as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
    if (mapper.add(item.value) && v && typeof v.kind === 'string' && typeof v.metadata?.name === 'string') {
      const id = k8sId(ctx.cluster, typeof v.metadata.namespace === 'string' && v.metadata.namespace ? v.metadata.namespace : ns, v.kind, v.metadata.name);
      if (!where.has(id)) where.set(id, `${item.file}:${item.line}`);
    }
  }
  const { nodes, edges } = mapper.finish();
  return { provider: 'k8s', nodes, edges, where, documents, errors, ...kubernetesFileCoverage(nodes, ctx.complete) };
}
