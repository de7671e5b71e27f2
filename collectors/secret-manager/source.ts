/**
 * The GCP Secret Manager source: secrets, versions (state, create/destroy time), replication and each secret's IAM
 * policy from gcloud / REST JSON in `keygraph collect files` (payloads are never read), and the links from External
 * Secrets and the Secrets Store CSI driver GCP provider to the versions they fetch (links.ts). Provider `gcp`, kinds
 * `gcp:Secret` and `gcp:SecretVersion` (lib/graph/model.ts). Registered in collectors/index.ts.
 */
import { PROJECT_OPTION, projectIds, type Source } from '../types';
import { secretManagerFiles } from './files';
import { secretManagerLinker } from './links';

export const secretManagerSource: Source = {
  provider: 'gcp',
  command: 'secretmanager',
  kinds: ['gcp:Secret', 'gcp:SecretVersion'],
  live: {
    description: 'collect GCP Secret Manager secrets, versions and IAM policies (metadata only; Application Default Credentials)',
    options: [PROJECT_OPTION],
    async plan(raw) {
      const projects = projectIds(raw);
      return projects.map((project) => ({
        scope: project,
        inputs: { project },
        collect: async (ctx) => {
          const { collectSecretManagerLive } = await import('./live'); // the client loads only when collecting
          return collectSecretManagerLive({ project, onProgress: (l) => ctx.progress(l) });
        },
      }));
    },
  },
  files: secretManagerFiles,
  linkers: [secretManagerLinker],
};
