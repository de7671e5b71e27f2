/**
 * The Kubernetes source: `keygraph collect k8s` (live, through kubeconfig or in-cluster config; one run per
 * context, scope = cluster name), Kubernetes objects in `keygraph collect files`, and the pre-deploy gate's manifest
 * reader. Registered in collectors/index.ts.
 */
import { kindKeysOf } from '../../lib/graph/model';
import { validateName, wholeNumber, OptionError, type Source } from '../types';
import { kubernetesFiles } from './files';
import { readKubernetesManifests } from './manifests';

interface K8sOptions {
  context: string[];
  kubeconfig?: string;
  cluster?: string;
  namespace: string[];
  metadataOnly?: boolean;
  pageSize: number;
}

export const kubernetesSource: Source = {
  provider: 'k8s',
  command: 'k8s',
  kinds: kindKeysOf('k8s'),
  live: {
    description: 'collect from a live cluster through kubeconfig (KUBECONFIG, --context) or in-cluster config',
    options: [
      { flags: '--context <ctx>', description: 'kubeconfig context (repeat for several clusters)', repeatable: true },
      { flags: '--kubeconfig <file>', description: 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)' },
      { flags: '--cluster <name>', description: 'cluster name for node ids (default: the context name)' },
      { flags: '--namespace <ns>', description: 'only these namespaces (repeat); default all', repeatable: true },
      { flags: '--metadata-only', description: 'list Secrets as metadata only (no data read; no fingerprints or key links)' },
      { flags: '--page-size <n>', description: 'list page size', default: 500, parse: wholeNumber('--page-size') },
    ],
    async plan(raw) {
      const opts = raw as unknown as K8sOptions;
      const contexts = opts.context.length ? opts.context : [undefined];
      if (opts.cluster && contexts.length > 1) throw new OptionError('--cluster names one cluster; with several --context, each context name is used');
      if (opts.cluster) validateName(opts.cluster, '--cluster');
      opts.namespace.forEach((n) => validateName(n, '--namespace'));
      // Resolve every context first: a typo fails before anything is collected. The API client loads only now.
      const { collectKubernetesLive, loadKubeConfig } = await import('./live');
      return contexts.map((context) => {
        const { cluster } = loadKubeConfig({ kubeconfig: opts.kubeconfig, context, cluster: opts.cluster });
        return {
          scope: cluster,
          inputs: { context: context ?? null, namespaces: opts.namespace, metadataOnly: !!opts.metadataOnly },
          collect: (ctx) =>
            collectKubernetesLive({
              kubeconfig: opts.kubeconfig,
              context,
              cluster,
              namespaces: opts.namespace.length ? opts.namespace : undefined,
              metadataOnlySecrets: opts.metadataOnly,
              pageSize: opts.pageSize,
              fingerprint: ctx.fingerprint,
              onProgress: (p) => ctx.progress(`${cluster}: listed ${p.listed} ${p.kind}`),
            }),
        };
      });
    },
  },
  files: kubernetesFiles,
  readManifests: readKubernetesManifests,
};
