/**
 * Secret Manager metadata in files, for `keygraph collect files PATH…`, recognised by shape (no `apiVersion`+`kind`,
 * so nothing here competes with the Kubernetes sink; no `serviceAccounts` name, so nothing with GCP IAM). One run per
 * project (source `files`, scope = the project segment of `name`: gcloud and the API print the project NUMBER there,
 * so save the output of projects you link from Kubernetes with the id keygraph should use — see README).
 *
 * Accepted (a top-level JSON array arrives element by element, lib/input/documents.ts):
 * - Secret objects (`gcloud secrets list --format=json` elements, REST `secrets.get`): `name` `projects/P/secrets/S`
 *   and `replication` or `createTime`.
 * - SecretVersion objects (`gcloud secrets versions list S --format=json` elements, REST `versions.get`): `name`
 *   `projects/P/secrets/S/versions/N` and `state`.
 * - REST list pages `{secrets: [...], nextPageToken?, totalSize?}` and `{versions: [...], nextPageToken?}` (non-empty).
 * - An IAM policy only with whose it is: `{resource | name: 'projects/P/secrets/S', policy | iamPolicy: {bindings}}`.
 * A `payload` (a `versions.access` response) is refused unread: keygraph never stores secret values.
 *
 * Coverage per project P: `gcp:Secret` when P's secrets are listed and no `secrets` page carried a `nextPageToken`;
 * `gcp:SecretVersion` when secrets are covered and every listed secret has its versions in the input (a
 * `versions` page without `nextPageToken`, or at least one version object). Otherwise nothing is marked gone.
 */
import type { CollectionError } from '../../lib/graph/records';
import type { NodeKindKey } from '../../lib/graph/model';
import type { FileCollector, FileSinkOutput } from '../types';
import { createSecretManagerMapper, parseSecretName, parseVersionName } from './mapper';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A Secret object (see the module doc). */
export function isSecretObject(d: unknown): boolean {
  return isObject(d) && !('payload' in d) && parseSecretName(d.name) !== null && (isObject(d.replication) || typeof d.createTime === 'string');
}

/** A SecretVersion object (see the module doc). */
export function isVersionObject(d: unknown): boolean {
  return isObject(d) && !('payload' in d) && parseVersionName(d.name) !== null && typeof d.state === 'string';
}

/** The Secret Manager file collector (registered through collectors/secret-manager/source.ts). */
export const secretManagerFiles: FileCollector = {
  name: 'secret-manager',
  createSink() {
    const warnings: CollectionError[] = [];
    const mapper = createSecretManagerMapper();
    const listed = new Map<string, Set<string>>(); // project → secrets listed
    const truncated = new Set<string>();
    const versionsListed = new Map<string, Set<string>>(); // project → secrets whose versions are listed
    let accepted = 0;

    const addSecret = (s: unknown, where: string) => {
      const id = mapper.addSecret(s);
      const ref = parseSecretName((s as { name?: unknown }).name);
      if (!id || !ref) return warnings.push({ where, message: 'Secret Manager secret without a usable name; skipped' });
      if (!listed.has(ref.project)) listed.set(ref.project, new Set());
      listed.get(ref.project)!.add(ref.secret);
    };
    const addVersion = (v: unknown, where: string) => {
      const ref = parseVersionName((v as { name?: unknown }).name);
      if (!ref || !mapper.addVersion(v)) return warnings.push({ where, message: 'Secret Manager version without a usable name; skipped' });
      if (!versionsListed.has(ref.project)) versionsListed.set(ref.project, new Set());
      versionsListed.get(ref.project)!.add(ref.secret);
    };

    const accept = (d: unknown, where: string): boolean => {
      if (!isObject(d)) return false;
      if ('payload' in d) return false;
      if (isSecretObject(d)) return addSecret(d, where), true;
      if (isVersionObject(d)) return addVersion(d, where), true;
      if (Array.isArray(d.secrets) && d.secrets.length > 0 && d.secrets.every(isSecretObject)) {
        for (const s of d.secrets) addSecret(s, where);
        if (typeof d.nextPageToken === 'string' && d.nextPageToken) {
          const p = parseSecretName(d.secrets[0]!.name)!.project;
          truncated.add(p);
          warnings.push({ where, message: `secrets page of project ${p} has a nextPageToken: the listing is cut, nothing is marked gone` });
        }
        return true;
      }
      if (Array.isArray(d.versions) && d.versions.length > 0 && d.versions.every(isVersionObject)) {
        if (typeof d.nextPageToken === 'string' && d.nextPageToken) {
          // A cut version listing: add what is there, but do not count the secret's versions as listed.
          for (const v of d.versions) mapper.addVersion(v);
          warnings.push({ where, message: 'versions page has a nextPageToken: the listing is cut, nothing is marked gone' });
        } else for (const v of d.versions) addVersion(v, where);
        return true;
      }
      const owner = parseSecretName(d.resource) ?? parseSecretName(d.name);
      const policy = d.policy ?? d.iamPolicy;
      if (owner && isObject(policy)) {
        mapper.setPolicy(owner.project, owner.secret, policy);
        return true;
      }
      return false;
    };

    let finished: ReturnType<typeof mapper.finish> | null = null;
    return {
      get accepted() {
        return accepted;
      },
      get warnings() {
        return [...warnings, ...(finished?.warnings ?? [])];
      },
      accept(doc, where) {
        const ok = accept(doc, where);
        if (ok) accepted++;
        return ok;
      },
      finish() {
        finished = mapper.finish();
        const projects = new Set(finished.nodes.map((n) => n.realm));
        const out: FileSinkOutput[] = [];
        for (const project of [...projects].sort()) {
          const nodes = finished.nodes.filter((n) => n.realm === project);
          const ids = new Set(nodes.map((n) => n.id));
          const edges = finished.edges.filter((e) => ids.has(e.to));
          const coveredKinds: NodeKindKey[] = [];
          const secrets = listed.get(project);
          if (secrets && !truncated.has(project)) {
            coveredKinds.push('gcp:Secret');
            const v = versionsListed.get(project) ?? new Set();
            if ([...secrets].every((s) => v.has(s))) coveredKinds.push('gcp:SecretVersion');
          }
          out.push({ source: 'files', scope: project, result: { nodes, edges }, coveredKinds });
        }
        return out;
      },
    };
  },
};
