/**
 * What restarts a workload when a Secret it reads changes, as recorded by the mapper (mapper.ts calls these):
 * Stakater Reloader annotations on workloads and Secrets, and the Vault Secrets Operator's `rolloutRestartTargets`.
 * Only names and flags are kept; lib/analysis/rotation.ts turns them into the rotate plan.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** DNS-1123 subdomain: the names Reloader and VSO annotations / fields may hold. */
const NAME = /^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$/;

/**
 * Reloader settings of a workload (`metadata.annotations` of a Deployment, StatefulSet, DaemonSet, CronJob, Job,
 * DeploymentConfig), normalised:
 * - `auto`: `reloader.stakater.com/auto: "true"` (every Secret and ConfigMap the pod template references);
 * - `secretAuto` / `configMapAuto`: `secret.reloader.stakater.com/auto` / `configmap.reloader.stakater.com/auto: "true"`;
 * - `secrets` / `configMaps`: the names of `secret.reloader.stakater.com/reload` /
 *   `configmap.reloader.stakater.com/reload: "a,b"` (restarted on a change of those, referenced or not);
 * - `search`: `reloader.stakater.com/search: "true"` (only referenced objects annotated `reloader.stakater.com/match`).
 * `reloader.stakater.com/auto: "false"` (disabled even under `--auto-reload-all`) gives `{disabled: true}`.
 * Undefined when the workload carries none of them. Values other than "true" are ignored.
 */
export interface ReloaderWorkload {
  auto?: true;
  secretAuto?: true;
  configMapAuto?: true;
  secrets?: string[];
  configMaps?: string[];
  search?: true;
  disabled?: true;
}

const names = (v: unknown): string[] | undefined => {
  if (typeof v !== 'string') return undefined;
  const out = [...new Set(v.split(',').map((s) => s.trim()).filter((s) => NAME.test(s)))].sort().slice(0, 200);
  return out.length ? out : undefined;
};
const yes = (v: unknown) => typeof v === 'string' && v.trim().toLowerCase() === 'true';

/** See {@link ReloaderWorkload}. `annotations`: the object's `metadata.annotations` (anything else gives undefined). */
export function reloaderWorkload(annotations: unknown): ReloaderWorkload | undefined {
  if (!isObj(annotations)) return undefined;
  const a = annotations;
  const r: ReloaderWorkload = {};
  const auto = a['reloader.stakater.com/auto'];
  if (yes(auto)) r.auto = true;
  else if (typeof auto === 'string' && auto.trim().toLowerCase() === 'false') r.disabled = true;
  if (yes(a['secret.reloader.stakater.com/auto'])) r.secretAuto = true;
  if (yes(a['configmap.reloader.stakater.com/auto'])) r.configMapAuto = true;
  const s = names(a['secret.reloader.stakater.com/reload']);
  if (s) r.secrets = s;
  const c = names(a['configmap.reloader.stakater.com/reload']);
  if (c) r.configMaps = c;
  if (yes(a['reloader.stakater.com/search'])) r.search = true;
  return Object.keys(r).length ? r : undefined;
}

/** Reloader flags of a Secret or ConfigMap: `reloader.stakater.com/match: "true"` (found by workloads that
 * `search`), `reloader.stakater.com/ignore: "true"` (Reloader ignores its changes). Undefined when neither is set. */
export interface ReloaderTarget {
  match?: true;
  ignore?: true;
}

/** See {@link ReloaderTarget}. */
export function reloaderTarget(annotations: unknown): ReloaderTarget | undefined {
  if (!isObj(annotations)) return undefined;
  const r: ReloaderTarget = {};
  if (yes(annotations['reloader.stakater.com/match'])) r.match = true;
  if (yes(annotations['reloader.stakater.com/ignore'])) r.ignore = true;
  return Object.keys(r).length ? r : undefined;
}

/** API group of the Vault Secrets Operator's custom resources. */
export const VSO_GROUP = 'secrets.hashicorp.com';
/** VSO kinds that write a Secret (`spec.destination`) and can restart workloads after a change. */
export const VSO_SECRET_KINDS: ReadonlySet<string> = new Set(['VaultStaticSecret', 'VaultDynamicSecret', 'VaultPKISecret', 'HCPVaultSecretsApp']);
/** Workload kinds `rolloutRestartTargets[].kind` accepts (VSO API: Deployment, DaemonSet, StatefulSet, argo.Rollout). */
const VSO_TARGET_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet', 'argo.Rollout']);

/** What a VSO secret resource says about the Secret it writes (read from `spec`; `status` is not needed). */
export interface VaultSecretFacts {
  /** `spec.destination.name`: the Secret it writes (in its own namespace). */
  destination: string;
  /** `spec.destination.create`: VSO creates the Secret (otherwise it must exist already). */
  create?: boolean;
  /** `spec.rolloutRestartTargets[]`: workloads VSO restarts (`kubectl rollout restart`) after the Secret changes. */
  rolloutRestartTargets: { kind: string; name: string }[];
}

/**
 * Facts of a Vault Secrets Operator `VaultStaticSecret` / `VaultDynamicSecret` / `VaultPKISecret` /
 * `HCPVaultSecretsApp` (API group `secrets.hashicorp.com`); null for anything else or without a usable
 * `spec.destination.name`. Targets of another kind, or without a valid name, are dropped.
 */
export function vaultSecretFacts(group: string | undefined, kind: string, o: unknown): VaultSecretFacts | null {
  if (group !== VSO_GROUP || !VSO_SECRET_KINDS.has(kind) || !isObj(o) || !isObj(o.spec)) return null;
  const spec = o.spec;
  const dest = isObj(spec.destination) ? spec.destination : undefined;
  const destination = typeof dest?.name === 'string' && NAME.test(dest.name) ? dest.name : undefined;
  if (!destination) return null;
  const targets = (Array.isArray(spec.rolloutRestartTargets) ? spec.rolloutRestartTargets : [])
    .slice(0, 100)
    .filter(isObj)
    .filter((t) => typeof t.kind === 'string' && VSO_TARGET_KINDS.has(t.kind) && typeof t.name === 'string' && NAME.test(t.name))
    .map((t) => ({ kind: t.kind === 'argo.Rollout' ? 'Rollout' : (t.kind as string), name: t.name as string }));
  return { destination, create: typeof dest?.create === 'boolean' ? dest.create : undefined, rolloutRestartTargets: targets };
}
