/**
 * Kubernetes objects in files (manifests, a GitOps folder, `kubectl get -o json|yaml` dumps) for
 * `keygraph collect files PATH… --cluster NAME [--namespace NS] [--complete]`: any document with a string
 * `apiVersion` and `kind` is taken; the mapper maps the kinds keygraph reads and reports the others as skipped.
 *
 * Coverage: a file run can only vouch for what it lists. A kind is covered in namespace N only where the input holds
 * at least one object of that kind in N (a cluster-scoped kind: where it holds any object of it), so a dump of one
 * Pod says nothing about the namespace's Secrets. The implicit `default` ServiceAccount the mapper assumes per
 * namespace (Kubernetes creates it) does not count as a listing of ServiceAccounts. With `complete` (`--complete`:
 * the input is the whole cluster) every Kubernetes kind of the model, and every generic kind the input holds, is
 * covered everywhere.
 */
import { NODE_KIND_KEYS } from '../../lib/graph/model';
import type { CollectionError, CollectionSkip, NodeRecord } from '../../lib/graph/records';
import type { FileCollector, FileSinkOutput } from '../types';
import { createKubernetesMapper } from './mapper';

/**
 * What a files run of these Kubernetes nodes vouches for: kind keys covered everywhere (cluster-scoped kinds, and
 * every kind with `complete`) and kind key → sorted namespaces for namespaced kinds. Nodes with
 * `properties.implicit` (assumed, not read) and nodes of other providers do not count.
 */
export function kubernetesFileCoverage(nodes: NodeRecord[], complete: boolean): Pick<FileSinkOutput, 'coveredKinds' | 'coveredInNamespaces'> {
  const everywhere = new Set<string>(complete ? NODE_KIND_KEYS.filter((k) => k.startsWith('k8s:')) : []);
  const byKind = new Map<string, Set<string>>();
  for (const n of nodes) {
    if (n.provider !== 'k8s' || n.properties?.implicit === true) continue;
    const key = `k8s:${n.kind}`;
    if (complete || n.namespace === null) {
      everywhere.add(key);
      continue;
    }
    let s = byKind.get(key);
    if (!s) byKind.set(key, (s = new Set()));
    s.add(n.namespace);
  }
  const coveredInNamespaces: Record<string, string[]> = {};
  for (const [k, s] of [...byKind].sort(([a], [b]) => a.localeCompare(b))) {
    if (!everywhere.has(k)) coveredInNamespaces[k] = [...s].sort();
  }
  return { coveredKinds: [...everywhere].sort(), coveredInNamespaces };
}

export const kubernetesFiles: FileCollector = {
  name: 'kubernetes',
  createSink(ctx) {
    const warnings: CollectionError[] = [];
    const skipped: CollectionSkip[] = [];
    let where = '';
    const mapper = createKubernetesMapper({
      onWarning: (message) => warnings.push({ where, message }),
      onSkipped: (s) =>
        skipped.push({
          where, kind: s.kind, ...(s.name !== undefined && { name: s.name }), ...(s.namespace !== undefined && { namespace: s.namespace }),
          reason: s.reason, message: s.message,
        }),
      cluster: ctx.cluster,
      defaultNamespace: ctx.namespace,
      fingerprint: ctx.fingerprint,
      implicitDefaults: true,
    });
    let accepted = 0;
    return {
      get accepted() {
        return accepted;
      },
      warnings,
      skipped,
      accept(doc, at) {
        where = at;
        const d = doc as { apiVersion?: unknown; kind?: unknown } | null;
        if (!d || typeof d !== 'object' || typeof d.apiVersion !== 'string' || typeof d.kind !== 'string') return false;
        // Kubernetes objects of kinds keygraph does not map are still "ours": consumed (the mapper reports them as
        // skipped), not reported as unplaceable.
        mapper.add(doc);
        accepted++;
        return true;
      },
      finish: () => {
        const result = mapper.finish();
        return [{ source: 'files', scope: ctx.cluster, result, ...kubernetesFileCoverage(result.nodes, ctx.complete === true) }];
      },
    };
  },
};
