/**
 * GCP Secret Manager metadata → graph records. Input shapes (identical in the REST API v1 and `gcloud … --format=json`):
 * - Secret (`projects.secrets.list` `secrets[]`, `gcloud secrets list`): `name` `projects/P/secrets/S`, `replication`
 *   (`automatic` | `userManaged.replicas[].location`), `createTime`, `labels`, `annotations` (keys only kept),
 *   `expireTime` | `ttl`, `rotation.{nextRotationTime,rotationPeriod}`, `topics[].name`, `versionAliases`, `etag`.
 * - SecretVersion (`versions.list` `versions[]`, `gcloud secrets versions list S`): `name`
 *   `projects/P/secrets/S/versions/N`, `state` ENABLED | DISABLED | DESTROYED, `createTime`, `destroyTime`.
 * - IAM policy (`secrets.getIamPolicy`, `gcloud secrets get-iam-policy S`): `bindings[].{role, members}`.
 * Payloads are never read: `versions.access` is never called and a `payload` field in any input is dropped unread.
 * gcloud prints the project NUMBER in `name`; the project id is the realm only when the caller names it (`project`).
 * Ids: `gcp:PROJECT/Secret/S`, `gcp:PROJECT/SecretVersion/S@N` (lib/graph/ids.ts segments: no `/`).
 */
import type { CollectionError, EdgeRecord, NodeRecord } from '../../lib/graph/records';

const SECRET_NAME = /^projects\/([a-z0-9.:-]{1,100})\/secrets\/([A-Za-z0-9_-]{1,255})$/;
const VERSION_NAME = /^projects\/([a-z0-9.:-]{1,100})\/secrets\/([A-Za-z0-9_-]{1,255})\/versions\/([0-9]{1,19})$/;
export const VERSION_STATES = ['ENABLED', 'DISABLED', 'DESTROYED'] as const;

/** `projects/P/secrets/S` → {project, secret}, else null. */
export function parseSecretName(name: unknown): { project: string; secret: string } | null {
  const m = typeof name === 'string' ? SECRET_NAME.exec(name) : null;
  return m ? { project: m[1]!, secret: m[2]! } : null;
}

/** `projects/P/secrets/S/versions/N` → {project, secret, version}, else null (aliases such as `latest` are not versions). */
export function parseVersionName(name: unknown): { project: string; secret: string; version: string } | null {
  const m = typeof name === 'string' ? VERSION_NAME.exec(name) : null;
  return m ? { project: m[1]!, secret: m[2]!, version: m[3]! } : null;
}

export const secretId = (project: string, secret: string) => `gcp:${project}/Secret/${secret}`;
export const secretVersionId = (project: string, secret: string, version: string) => `gcp:${project}/SecretVersion/${secret}@${version}`;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, max = 512) => (typeof v === 'string' && v.length <= max ? v : undefined);
const time = (v: unknown) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v).toISOString() : undefined);
const compact = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** Replication summary: `{mode: 'automatic'}` or `{mode: 'userManaged', locations: [...]}` (CMEK key names kept). */
function replication(r: unknown): Record<string, unknown> | undefined {
  if (!isObject(r)) return undefined;
  if (isObject(r.automatic)) {
    const k = isObject(r.automatic.customerManagedEncryption) ? str(r.automatic.customerManagedEncryption.kmsKeyName) : undefined;
    return compact({ mode: 'automatic', kmsKeyName: k });
  }
  if (isObject(r.userManaged)) {
    const reps = Array.isArray(r.userManaged.replicas) ? r.userManaged.replicas.filter(isObject) : [];
    return { mode: 'userManaged', locations: reps.map((x) => str(x.location)).filter((x): x is string => !!x).sort() };
  }
  return undefined;
}

/** IAM bindings kept as `[{role, members}]` (members sorted; conditions by title only). */
export function policyBindings(policy: unknown): { role: string; members: string[]; condition?: string }[] | null {
  if (!isObject(policy)) return null;
  if (policy.bindings === undefined) return [];
  if (!Array.isArray(policy.bindings)) return null;
  return policy.bindings.filter(isObject).flatMap((b) => {
    const role = str(b.role);
    if (!role) return [];
    const members = (Array.isArray(b.members) ? b.members : []).filter((m): m is string => typeof m === 'string' && m.length <= 512).sort();
    const condition = isObject(b.condition) ? str(b.condition.title) : undefined;
    return [compact({ role, members, condition }) as { role: string; members: string[]; condition?: string }];
  });
}

export interface SecretManagerMapper {
  /** Adds a Secret; `project` overrides the one in `name` (gcloud prints the number). Returns the id or null. */
  addSecret(s: unknown, project?: string): string | null;
  /** Adds a SecretVersion (and HAS_VERSION from its secret). Returns the id or null. */
  addVersion(v: unknown, project?: string): string | null;
  /** Sets a secret's IAM policy (the secret must be added, else a warning at finish). */
  setPolicy(project: string, secret: string, policy: unknown): void;
  finish(): { nodes: NodeRecord[]; edges: EdgeRecord[]; warnings: CollectionError[] };
}

/** A mapper collecting Secret Manager records; warnings go to `onWarning` and `finish().warnings`. */
export function createSecretManagerMapper(opts: { onWarning?: (m: string) => void } = {}): SecretManagerMapper {
  const secrets = new Map<string, NodeRecord>();
  const versions = new Map<string, NodeRecord>();
  const policies: { project: string; secret: string; policy: unknown }[] = [];
  const warnings: CollectionError[] = [];
  const warn = (where: string, message: string) => {
    warnings.push({ where, message });
    opts.onWarning?.(message);
  };
  return {
    addSecret(s, project) {
      if (!isObject(s)) return null;
      const ref = parseSecretName(s.name);
      if (!ref) return null;
      const p = project ?? ref.project;
      const id = secretId(p, ref.secret);
      const labels = isObject(s.labels) ? Object.fromEntries(Object.entries(s.labels).filter(([, v]) => typeof v === 'string').slice(0, 64)) : undefined;
      const rotation = isObject(s.rotation) ? compact({ nextRotationTime: time(s.rotation.nextRotationTime), rotationPeriod: str(s.rotation.rotationPeriod) }) : undefined;
      const prev = secrets.get(id);
      secrets.set(id, {
        id, provider: 'gcp', kind: 'Secret', realm: p, namespace: null, name: ref.secret,
        properties: compact({
          ...(prev?.properties ?? {}),
          resourceName: `projects/${ref.project}/secrets/${ref.secret}`,
          replication: replication(s.replication),
          createTime: time(s.createTime),
          labels,
          annotationKeys: isObject(s.annotations) ? Object.keys(s.annotations).sort() : undefined,
          expireTime: time(s.expireTime),
          ttl: str(s.ttl),
          rotation,
          topics: Array.isArray(s.topics) ? s.topics.filter(isObject).map((t) => str(t.name)).filter(Boolean) : undefined,
          versionAliases: isObject(s.versionAliases) ? Object.fromEntries(Object.entries(s.versionAliases).filter(([, v]) => typeof v === 'string' || typeof v === 'number').map(([k, v]) => [k, String(v)])) : undefined,
          versionDestroyTtl: str(s.versionDestroyTtl),
        }),
      });
      return id;
    },
    addVersion(v, project) {
      if (!isObject(v)) return null;
      const ref = parseVersionName(v.name);
      if (!ref) return null;
      const p = project ?? ref.project;
      const id = secretVersionId(p, ref.secret, ref.version);
      const state = (VERSION_STATES as readonly string[]).includes(v.state as string) ? (v.state as string) : undefined;
      if (!state) warn(String(v.name), `secret version state ${JSON.stringify(str(v.state, 40) ?? null)} is not ENABLED, DISABLED or DESTROYED`);
      versions.set(id, {
        id, provider: 'gcp', kind: 'SecretVersion', realm: p, namespace: null, name: `${ref.secret}@${ref.version}`,
        properties: compact({
          secret: ref.secret, version: Number(ref.version), state, createTime: time(v.createTime), destroyTime: time(v.destroyTime),
          scheduledDestroyTime: time(v.scheduledDestroyTime), clientSpecifiedPayloadChecksum: v.clientSpecifiedPayloadChecksum === true || undefined,
        }),
      });
      return id;
    },
    setPolicy(project, secret, policy) {
      policies.push({ project, secret, policy });
    },
    finish() {
      for (const { project, secret, policy } of policies) {
        const node = secrets.get(secretId(project, secret));
        const bindings = policyBindings(policy);
        if (!node) warn(`projects/${project}/secrets/${secret}`, 'IAM policy of a secret not in the input; skipped');
        else if (!bindings) warn(`projects/${project}/secrets/${secret}`, 'IAM policy without a bindings list; skipped');
        else node.properties.iamBindings = bindings;
      }
      const edges: EdgeRecord[] = [];
      for (const v of versions.values()) {
        const sid = secretId(v.realm, v.properties.secret as string);
        // A version whose secret is not listed still gets its edge: the store adds a placeholder secret.
        edges.push({ kind: 'HAS_VERSION', from: sid, to: v.id, originKind: 'gcp:SecretVersion', properties: {} });
      }
      return { nodes: [...secrets.values(), ...versions.values()], edges, warnings };
    },
  };
}
