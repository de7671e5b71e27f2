/**
 * The deploy/ manifests as the cluster would get them: `kubectl kustomize DIR` (kubectl's built-in kustomize), parsed
 * into objects, and helpers over their pod specs. Shared by test/deploy/*.test.ts.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DEPLOY = path.join(ROOT, 'deploy');
/** Every overlay a user applies (`kubectl apply -k deploy/overlays/NAME`). */
export const OVERLAYS = ['gke', 'gke-ingress', 'metadata-only'] as const;
/** kubectl to render with: `KEYGRAPH_KUBECTL`, else the one on PATH (.ci/run installs Debian's kubernetes-client). */
export const KUBECTL = process.env.KEYGRAPH_KUBECTL || 'kubectl';

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: any;
};

/** The rendered YAML of a kustomization folder (absolute, or relative to the repository). */
export function renderYaml(dir: string): string {
  // stderr ignored: newer kubectl warns that `bases`/`commonLabels` are deprecated (kept for kubectl before 1.21).
  return execFileSync(KUBECTL, ['kustomize', path.resolve(ROOT, dir)], { encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
}

export function render(dir: string): K8sObject[] {
  return parseAllDocuments(renderYaml(dir))
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => !!o);
}

/** The pod template of a Deployment, Job or CronJob (else undefined). */
export function podSpecOf(o: K8sObject): any {
  if (o.kind === 'Deployment' || o.kind === 'Job') return o.spec?.template?.spec;
  if (o.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template?.spec;
  return undefined;
}

export const find = (objects: K8sObject[], kind: string, name: string): K8sObject => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  return o;
};
