/**
 * What Kubernetes objects say about the Secret Manager secrets they fetch, read by the Kubernetes mapper
 * (collectors/kubernetes/mapper.ts) into node properties so links.ts can join them to `gcp:Secret` /
 * `gcp:SecretVersion` at every commit. Names only: nothing here reads a secret value.
 * - External Secrets `ExternalSecret`: `spec.data[].remoteRef.{key,version}` and `spec.dataFrom[].extract.{key,version}`
 *   (property `remoteRefs`), resolved through `spec.secretStoreRef` (kind SecretStore | ClusterSecretStore).
 * - `SecretStore` / `ClusterSecretStore` with `spec.provider.gcpsm.projectID` (property `gcpsmProjectID`).
 * - Secrets Store CSI driver `SecretProviderClass` with `spec.provider: gcp`: `spec.parameters.secrets`, a YAML string
 *   of `- resourceName: "projects/P/secrets/S/versions/V"` entries (property `gcpResourceNames`).
 */
import { parse as parseYaml } from 'yaml';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, max = 512) => (typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined);

/** One Secret Manager reference of an ExternalSecret. `version` absent = `latest` (the provider's default). */
export interface RemoteRef {
  key: string;
  version?: string;
  /** Field path it was read from (`spec.data[0].remoteRef`). */
  field: string;
}

/** An ExternalSecret's remote references (`spec` of external-secrets.io v1 / v1beta1), at most 500. */
export function externalSecretRemoteRefs(spec: unknown): RemoteRef[] {
  if (!isObject(spec)) return [];
  const out: RemoteRef[] = [];
  const add = (r: unknown, field: string) => {
    if (!isObject(r) || out.length >= 500) return;
    const key = str(r.key);
    if (key) out.push({ key, ...(str(r.version, 64) && { version: str(r.version, 64) }), field });
  };
  (Array.isArray(spec.data) ? spec.data : []).forEach((d, i) => isObject(d) && add(d.remoteRef, `spec.data[${i}].remoteRef`));
  (Array.isArray(spec.dataFrom) ? spec.dataFrom : []).forEach((d, i) => isObject(d) && add(d.extract, `spec.dataFrom[${i}].extract`));
  return out;
}

/**
 * Secret Manager facts of an object of a kind the Kubernetes model does not declare, or undefined: a gcpsm
 * SecretStore / ClusterSecretStore (`{gcpsmProjectID}`), a GCP-provider SecretProviderClass (`{gcpResourceNames}`;
 * an unparseable `parameters.secrets` gives `{gcpParametersError}` so the object is still shown).
 */
export function secretManagerFacts(group: string | undefined, kind: string, o: unknown): Record<string, unknown> | undefined {
  if (!isObject(o) || !isObject(o.spec)) return undefined;
  const spec = o.spec;
  if (group === 'external-secrets.io' && (kind === 'SecretStore' || kind === 'ClusterSecretStore')) {
    const gcpsm = isObject(spec.provider) && isObject(spec.provider.gcpsm) ? spec.provider.gcpsm : undefined;
    const projectID = gcpsm && str(gcpsm.projectID, 100);
    return projectID ? { gcpsmProjectID: projectID } : undefined;
  }
  if (group === 'secrets-store.csi.x-k8s.io' && kind === 'SecretProviderClass' && spec.provider === 'gcp') {
    const raw = isObject(spec.parameters) ? spec.parameters.secrets : undefined;
    if (typeof raw !== 'string' || raw.length > 256_000) return { gcpParametersError: 'spec.parameters.secrets is not a YAML string' };
    let list: unknown;
    try {
      list = parseYaml(raw, { maxAliasCount: 10 });
    } catch {
      return { gcpParametersError: 'spec.parameters.secrets is not valid YAML' };
    }
    const names = (Array.isArray(list) ? list : []).slice(0, 500).flatMap((e) => (isObject(e) && str(e.resourceName) ? [str(e.resourceName)!] : []));
    return { gcpResourceNames: names };
  }
  return undefined;
}

/** The Secrets Store CSI driver's name (`spec.volumes[].csi.driver`). */
export const SECRETS_STORE_CSI_DRIVER = 'secrets-store.csi.k8s.io';
