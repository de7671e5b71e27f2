/**
 * Kubernetes objects in files (manifests, a GitOps folder, `kubectl get -o json|yaml` dumps) for
 * `keygraph collect files PATH… --cluster NAME [--namespace NS]`: any document with a string `apiVersion` and `kind`
 * of a kind keygraph maps. The folder is the desired state of the cluster, so every mapped Kubernetes kind is covered
 * by a complete reading; an implicit `default` ServiceAccount is assumed per namespace (Kubernetes creates it).
 */
import { NODE_KIND_KEYS } from '../../lib/graph/model';
import type { CollectionError } from '../../lib/graph/records';
import type { FileCollector } from '../types';
import { createKubernetesMapper } from './mapper';

export const kubernetesFiles: FileCollector = {
  name: 'kubernetes',
  createSink(ctx) {
    const warnings: CollectionError[] = [];
    let where = '';
    const mapper = createKubernetesMapper({
      onWarning: (message) => warnings.push({ where, message }),
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
      accept(doc, at) {
        where = at;
        const d = doc as { apiVersion?: unknown; kind?: unknown } | null;
        if (!d || typeof d !== 'object' || typeof d.apiVersion !== 'string' || typeof d.kind !== 'string') return false;
        // Kubernetes objects of kinds keygraph does not map are still "ours": consumed, not reported as unplaceable.
        mapper.add(doc);
        accepted++;
        return true;
      },
      finish: () => [
        { source: 'files', scope: ctx.cluster, result: mapper.finish(), coveredKinds: NODE_KIND_KEYS.filter((k) => k.startsWith('k8s:')) },
      ],
    };
  },
};
