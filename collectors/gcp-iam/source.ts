/**
 * The GCP IAM source: `keygraph collect gcp` (service accounts, keys, IAM policies and key last use through
 * Application Default Credentials; one run per project, scope = project id), gcloud / REST JSON in
 * `keygraph collect files`, and the Workload Identity link to Kubernetes ServiceAccounts. Registered in
 * collectors/index.ts.
 */
import { PROJECT_OPTION, projectIds, type Source } from '../types';
import { gcpIamFiles } from './files';
import { workloadIdentityLinker } from './links';

export const gcpIamSource: Source = {
  provider: 'gcp',
  command: 'gcp',
  kinds: ['gcp:ServiceAccount', 'gcp:ServiceAccountKey', 'gcp:Project'], // gcp:Secret* are collectors/secret-manager's
  live: {
    description: 'collect GCP IAM service accounts, keys, IAM policies (service accounts and the project), custom roles and key last use (Application Default Credentials)',
    options: [PROJECT_OPTION],
    async plan(raw) {
      const projects = projectIds(raw);
      return projects.map((project) => ({
        scope: project,
        inputs: { project },
        collect: async (ctx) => {
          const { collectGcpLive } = await import('./live'); // the Google API client loads only when collecting
          const [c] = await collectGcpLive({
            projects: [project],
            onProgress: (p) => {
              if (p.step === 'serviceAccounts') ctx.progress(`${project}: listed ${p.listed} service accounts`);
              else if (p.step === 'keysAndPolicies') ctx.progress(`${project}: keys and policies ${p.done}/${p.total}`);
              else if (p.step === 'activities') ctx.progress(`${project}: ${p.activityType} ${p.listed}`);
            },
          });
          for (const n of c!.notes) ctx.note(n);
          return c!.result;
        },
      }));
    },
  },
  files: gcpIamFiles,
  linkers: [workloadIdentityLinker],
};
