/**
 * The GCP IAM source: `keygraph collect gcp` (service accounts, keys, IAM policies and key last use through
 * Application Default Credentials; one run per project, scope = project id), gcloud / REST JSON in
 * `keygraph collect files`, and the Workload Identity link to Kubernetes ServiceAccounts. Registered in
 * collectors/index.ts.
 */
import { OptionError, type Source } from '../types';
import { gcpIamFiles } from './files';
import { workloadIdentityLinker } from './links';

export const gcpIamSource: Source = {
  provider: 'gcp',
  command: 'gcp',
  kinds: ['gcp:ServiceAccount', 'gcp:ServiceAccountKey'], // gcp:Secret* are collectors/secret-manager's
  live: {
    description: 'collect GCP IAM service accounts, keys, IAM policies and key last use (Application Default Credentials)',
    options: [{ flags: '--project <id>', description: 'project id (repeat for several projects)', repeatable: true }],
    async plan(raw) {
      const projects = (raw as { project: string[] }).project;
      if (!projects.length) throw new OptionError('name at least one --project (a project id, not a number)');
      for (const p of projects) {
        if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(p) && !/^[a-z0-9.-]+:[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(p)) {
          throw new OptionError(`--project takes a GCP project id such as my-project-123 (got ${JSON.stringify(p.slice(0, 60))})`);
        }
      }
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
