/**
 * Kubernetes → Secret Manager links (cross-source, lib/store/linkers.ts; recomputed at every commit): FETCHES_SECRET
 * from the consumer to the version it reads, so impact on a version walks to the pods.
 * - ExternalSecret (properties `remoteRefs`, `secretStoreRef`; kubernetes-facts.ts) → the store it names in its
 *   namespace (`SecretStore`, the default) or cluster (`ClusterSecretStore`) → `gcpsmProjectID` = the GCP project.
 * - SecretProviderClass (`gcpResourceNames`: `projects/P/secrets/S/versions/V`); pods reach it through MENTIONS
 *   (their Secrets Store CSI volume).
 * A project is named by id or number: a live run's secrets (realm = id) carry the number in `resourceName`.
 * Version `latest` (or none, External Secrets' default) resolves to the newest ENABLED version keygraph holds
 * (properties `alias: 'latest'`); a numbered version to that version. When the version is not in the inventory the
 * edge goes to the secret (`unresolved: true`); a secret not in the inventory gives no edge (nothing to point at).
 * Edge properties: `via` (`externalSecret` | `secretProviderClass`), `key` (secret id), `version` as written, `field`.
 */
import type pg from 'pg';
import type { LinkedEdge, Linker } from '../../lib/store/linkers';
import { secretId, secretVersionId } from './mapper';

interface Row { node_id: string; kind: string; realm: string; namespace: string | null; name: string; properties: Record<string, unknown> }

const RESOURCE = /^projects\/([^/\s]{1,100})\/secrets\/([A-Za-z0-9_-]{1,255})(?:\/versions\/([0-9]{1,19}|latest))?$/;

/** Current versions of every gcp:SecretVersion: secret id → [{version, state, id}]. */
async function versionsBySecret(client: pg.PoolClient): Promise<{ secrets: Set<string>; versions: Map<string, { n: number; state: string; id: string }[]>; realmOf: Map<string, string> }> {
  const r = await client.query<Row>(`
    SELECT DISTINCT ON (node_id) node_id, kind, realm, namespace, name, properties FROM node_versions
    WHERE valid_to IS NULL AND NOT missing AND provider = 'gcp' AND kind IN ('Secret', 'SecretVersion')
    ORDER BY node_id, valid_from DESC`);
  const secrets = new Set<string>();
  const versions = new Map<string, { n: number; state: string; id: string }[]>();
  const realmOf = new Map<string, string>();
  for (const x of r.rows) {
    if (x.kind === 'Secret') {
      secrets.add(x.node_id);
      // A live run's realm is the project id, its `resourceName` names the project number: either names the project.
      const seg = typeof x.properties.resourceName === 'string' ? x.properties.resourceName.split('/')[1] : undefined;
      if (seg && seg !== x.realm) realmOf.set(seg, x.realm);
    }
    else {
      const sid = secretId(x.realm, String(x.properties.secret));
      const l = versions.get(sid) ?? [];
      l.push({ n: Number(x.properties.version), state: String(x.properties.state), id: x.node_id });
      versions.set(sid, l);
    }
  }
  return { secrets, versions, realmOf };
}

/** The edge target of `project`/`secret`/`version` (undefined/`latest`/number), or null (see the module doc). */
function target(idx: Awaited<ReturnType<typeof versionsBySecret>>, named: string, secret: string, version: string | undefined) {
  const project = idx.secrets.has(secretId(named, secret)) ? named : (idx.realmOf.get(named) ?? named);
  const sid = secretId(project, secret);
  const vs = idx.versions.get(sid) ?? [];
  if (!version || version === 'latest') {
    const newest = vs.filter((v) => v.state === 'ENABLED').sort((a, b) => b.n - a.n)[0];
    if (newest) return { to: newest.id, sid, props: { alias: 'latest' } };
  } else {
    const vid = secretVersionId(project, secret, version);
    if (vs.some((v) => v.id === vid)) return { to: vid, sid, props: {} };
  }
  return idx.secrets.has(sid) ? { to: sid, sid, props: { unresolved: true } } : null;
}

async function current(client: pg.PoolClient, kinds: string[]): Promise<Row[]> {
  const r = await client.query<Row>(`
    SELECT DISTINCT ON (node_id) node_id, kind, realm, namespace, name, properties FROM node_versions
    WHERE valid_to IS NULL AND NOT missing AND provider = 'k8s' AND kind = ANY($1::text[])
    ORDER BY node_id, valid_from DESC`, [kinds]);
  return r.rows;
}

export const secretManagerLinker: Linker = {
  name: 'secret-manager',
  kind: 'FETCHES_SECRET',
  originKind: 'k8s:ExternalSecret',
  async wanted(client) {
    const idx = await versionsBySecret(client);
    if (!idx.secrets.size) return [];
    const rows = await current(client, ['ExternalSecret', 'SecretStore', 'ClusterSecretStore', 'SecretProviderClass']);
    const storeProject = new Map<string, string>();
    for (const s of rows) if ((s.kind === 'SecretStore' || s.kind === 'ClusterSecretStore') && typeof s.properties.gcpsmProjectID === 'string') storeProject.set(s.node_id, s.properties.gcpsmProjectID);
    const out: LinkedEdge[] = [];
    for (const es of rows.filter((x) => x.kind === 'ExternalSecret' && Array.isArray(x.properties.remoteRefs))) {
      const ref = (es.properties.secretStoreRef ?? {}) as { kind?: string; name?: string };
      if (!ref.name) continue;
      const storeId = ref.kind === 'ClusterSecretStore' ? `k8s:${es.realm}/ClusterSecretStore/${ref.name}` : `k8s:${es.realm}/${es.namespace}/SecretStore/${ref.name}`;
      const project = storeProject.get(storeId);
      if (!project) continue;
      for (const r of es.properties.remoteRefs as { key: string; version?: string; field: string }[]) {
        const t = target(idx, project, r.key, r.version);
        if (t) out.push({ from: es.node_id, to: t.to, properties: { via: 'externalSecret', key: t.sid, version: r.version ?? 'latest', field: r.field, ...t.props } });
      }
    }
    for (const spc of rows.filter((x) => x.kind === 'SecretProviderClass' && Array.isArray(x.properties.gcpResourceNames))) {
      (spc.properties.gcpResourceNames as string[]).forEach((name, i) => {
        const m = RESOURCE.exec(name);
        if (!m) return;
        const t = target(idx, m[1]!, m[2]!, m[3]);
        if (t) out.push({ from: spc.node_id, to: t.to, properties: { via: 'secretProviderClass', key: t.sid, version: m[3] ?? 'latest', field: `spec.parameters.secrets[${i}].resourceName`, ...t.props } });
      });
    }
    return out;
  },
};
