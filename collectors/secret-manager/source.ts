/**
 * The GCP Secret Manager source: secrets, versions (state, create/destroy time), replication and each secret's IAM
 * policy from gcloud / REST JSON in `keygraph collect files` (payloads are never read), and the links from External
 * Secrets and the Secrets Store CSI driver GCP provider to the versions they fetch (links.ts). Provider `gcp`, kinds
 * `gcp:Secret` and `gcp:SecretVersion` (lib/graph/model.ts). Registered in collectors/index.ts.
 */
import { OptionError, type Source } from '../types';
import { secretManagerFiles } from './files';
import { secretManagerLinker } from './links';

export const secretManagerSource: Source = {
  provider: 'gcp',
  command: 'secretmanager',
  kinds: ['gcp:Secret', 'gcp:SecretVersion'],
  live: {
    description: 'collect GCP Secret Manager secrets, versions and IAM policies (metadata only; Application Default Credentials)',
    options: [{ flags: '--project <id>', description: 'project id (repeat for several projects)', repeatable: true }],
    async plan(raw) {
      const projects = (raw as { project: string[] }).project;
      if (!projects.length) throw new OptionError('name at least one --project (a project id)');
      for (const p of projects) {
        if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(p) && !/^[a-z0-9.-]+:[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(p)) {
          throw new OptionError(`--project takes a GCP project id such as my-project-123 (got ${JSON.stringify(p.slice(0, 60))})`);
        }
      }
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
