/**
 * Version labels against image tags, for the `chart-image-mismatch` finding: a workload labelled
 * `app.kubernetes.io/version` (Kubernetes recommended labels: "the current version of the application") running images
 * none of whose tags is that version.
 */

/** The tag of a container image reference (`registry:5000/repo/name:1.2.3@sha256:…` → `1.2.3`); undefined when the
 * reference has no tag (digest only, or none: the implicit `latest`). */
export function imageTag(image: string): string | undefined {
  const noDigest = image.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  if (colon <= slash) return undefined;
  const tag = noDigest.slice(colon + 1).trim();
  return tag || undefined;
}

/** `v1.2.0` → `1.2.0` (lower-cased, one leading `v` dropped when a digit follows). */
export function normaliseVersion(v: string): string {
  const s = v.trim().toLowerCase();
  return /^v\d/.test(s) ? s.slice(1) : s;
}

/**
 * Whether an image tag can be the labelled version: equal once normalised ({@link normaliseVersion}), or one a prefix
 * of the other up to a separator (`1.2.0` and `1.2.0-alpine`, `1.2` and `1.2.3`, `2.19.1` and `2.19.1_debian`), so
 * flavour suffixes and a version label naming the minor line do not count as a mismatch.
 */
export function versionsAgree(label: string, tag: string): boolean {
  const a = normaliseVersion(label);
  const b = normaliseVersion(tag);
  if (a === b) return true;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  return long.startsWith(short) && /[-+._]/.test(long.charAt(short.length));
}

/** Tags that say nothing about a version (skipped). */
export const UNVERSIONED_TAGS: ReadonlySet<string> = new Set(['latest', 'stable', 'main', 'master', 'edge', 'nightly', 'dev']);

/** Last path segment of an image's repository (`registry.k8s.io/ingress-nginx/controller:v1@sha256:…` → `controller`). */
export function imageName(image: string): string {
  const repo = image.split('@')[0]!;
  const slash = repo.lastIndexOf('/');
  const colon = repo.lastIndexOf(':');
  const noTag = colon > slash ? repo.slice(0, colon) : repo;
  return noTag.slice(noTag.lastIndexOf('/') + 1).toLowerCase();
}

/**
 * The containers whose image is the application the version label describes: those whose name or image name
 * ({@link imageName}) equals the `app.kubernetes.io/name` or `app.kubernetes.io/component` label; when none does, the
 * only container of a long-running workload (not a Job / CronJob: helper Jobs such as ingress-nginx's
 * admission-webhook certgen carry the application's labels but run a tool of their own). Empty: nothing to compare.
 */
export function versionedContainers<C extends { name: string; image: string }>(kind: string, labels: Record<string, string>, containers: C[]): C[] {
  const names = new Set([labels['app.kubernetes.io/name'], labels['app.kubernetes.io/component']].filter((x): x is string => !!x).map((x) => x.toLowerCase()));
  const related = containers.filter((c) => names.has(c.name.toLowerCase()) || names.has(imageName(c.image)));
  if (related.length) return related;
  return containers.length === 1 && kind !== 'Job' && kind !== 'CronJob' ? containers : [];
}
