/**
 * Node ids: stable strings built from the source's identity (docs/ARCHITECTURE.md, "Identifiers").
 *
 * - `k8s:CLUSTER/NAMESPACE/KIND/NAME` for namespaced Kubernetes objects
 * - `k8s:CLUSTER/KIND/NAME` for cluster-scoped Kubernetes objects
 * - `gcp:PROJECT/ServiceAccount/EMAIL`
 * - `gcp:PROJECT/ServiceAccountKey/KEY_ID`
 * - `gcp:PROJECT/Project/PROJECT`
 *
 * Kubernetes names and namespaces are DNS labels/subdomains and GCP emails and key ids never contain `/`, so the
 * id splits unambiguously. Scripts depend on this format: keep it stable.
 */
import { NODE_KIND_KEYS, NODE_KINDS, PROVIDERS, providerOfId, type Provider } from './model';

export interface ParsedId {
  provider: Provider;
  /** Cluster name (k8s) or project id (gcp). */
  realm: string;
  namespace: string | null;
  kind: string;
  name: string;
}

/** A Kubernetes object's id. `namespace` null for cluster-scoped objects. */
export function k8sId(cluster: string, namespace: string | null, kind: string, name: string): string {
  return namespace ? `k8s:${cluster}/${namespace}/${kind}/${name}` : `k8s:${cluster}/${kind}/${name}`;
}

/** A GCP IAM service account's id, by email. */
export function gcpServiceAccountId(project: string, email: string): string {
  return `gcp:${project}/ServiceAccount/${email.toLowerCase()}`;
}

/** A GCP service account key's id, by key id (the `private_key_id` of a key file; last segment of the key's `name`). */
/** `gcp:PROJECT/Project/PROJECT`: a project as an IAM resource (its project IAM policy, custom roles). */
export function gcpProjectId(project: string): string {
  return `gcp:${project}/Project/${project}`;
}

export function gcpKeyId(project: string, keyId: string): string {
  return `gcp:${project}/ServiceAccountKey/${keyId.toLowerCase()}`;
}

const SEGMENT = /^[^/\s\u0000-\u001f]{1,320}$/;

/**
 * Parses a node id. The provider is one of lib/graph/model.ts PROVIDERS; a namespaced provider's id has 3 or 4
 * segments, any other's exactly 3. Returns null for anything that is not a well-formed keygraph id (wrong provider, wrong number
 * of segments, empty or control-character segments, `.`/`..` segments): callers turn null into a 400/"not found".
 */
export function parseId(id: string): ParsedId | null {
  if (typeof id !== 'string' || id.length > 1024) return null;
  const provider = providerOfId(id);
  if (!provider) return null;
  const parts = id.slice(provider.length + 1).split('/');
  if (parts.some((p) => !SEGMENT.test(p) || p === '.' || p === '..')) return null;
  if (!PROVIDERS[provider].namespaced) {
    if (parts.length !== 3) return null;
    const [realm, kind, name] = parts as [string, string, string];
    return { provider, realm, namespace: null, kind, name };
  }
  if (parts.length === 4) {
    const [realm, namespace, kind, name] = parts as [string, string, string, string];
    return { provider, realm, namespace, kind, name };
  }
  if (parts.length === 3) {
    const [realm, kind, name] = parts as [string, string, string];
    return { provider, realm, namespace: null, kind, name };
  }
  return null;
}

/**
 * The forms a node id takes, for people (a page explaining a malformed id): per provider of the model, namespaced
 * and cluster-scoped (`k8s:CLUSTER/NAMESPACE/KIND/NAME`, `k8s:CLUSTER/KIND/NAME`), or one per kind when ids carry no
 * namespace (`gcp:PROJECT/ServiceAccount/NAME`).
 */
export function idForms(): string[] {
  return (Object.keys(PROVIDERS) as Provider[]).flatMap((p) => {
    const realm = PROVIDERS[p].realmNoun.toUpperCase();
    if (PROVIDERS[p].namespaced) return [`${p}:${realm}/NAMESPACE/KIND/NAME`, `${p}:${realm}/KIND/NAME`];
    return NODE_KIND_KEYS.filter((k) => NODE_KINDS[k].provider === p).map((k) => `${p}:${realm}/${NODE_KINDS[k].kind}/NAME`);
  });
}
