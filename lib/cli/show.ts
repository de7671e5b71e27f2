/**
 * `keygraph show ID [--json]`: the node, what it uses (outbound edges) and what uses it (inbound edges); for a Secret,
 * who can read it through RBAC (lib/analysis/access.ts, JSON `access`); for a GCP service account or Secret Manager
 * secret, who can act as / read it through IAM policies (lib/analysis/gcp-access.ts, same field).
 * Exit 1 when the id is malformed or no source knows the node.
 */
import { idForms, parseId } from '../graph/ids';
import { EDGE_KINDS } from '../graph/model';
import { realmNoun } from '../ui/format';
import { describeEdge, displayText, qualifiedName } from '../graph/describe';
import type { EdgeProperties } from '../graph/records';
import { nodeDetail, type NodeDetail, type NodeDetailEdge } from '../api/handlers';
import type { NoData } from '../store/history';
import { openRuntime } from '../runtime';
import { describeGrant, isGcpAccess } from '../analysis/access';
import { describeGcpGrant } from '../analysis/gcp-access';
import { EXIT, noNodeMessage, UsageError } from './exit';
import { remoteJson, remoteServer } from './remote';

/** `keygraph show ID [--json] [--server URL]`: prints the node (text or JSON); UsageError (exit 1) for a bad or unknown id. */
export async function showCommand(id: string, opts: { json?: boolean; server?: string }): Promise<number> {
  if (!parseId(id)) {
    throw new UsageError(`not a keygraph id: ${JSON.stringify(id.slice(0, 200))} (expected one of ${idForms().join(', ')})`);
  }
  const server = remoteServer(opts.server);
  // With no data at all the node is unknown, as it is locally.
  const shown = server ? await remoteJson<NodeDetail | NoData>(server, 'api/v1/nodes', { id }, noNodeMessage(id)) : await showLocal(id);
  if (!shown || 'noData' in shown) throw new UsageError(noNodeMessage(id));
  process.stdout.write(opts.json ? JSON.stringify(shown, null, 2) + '\n' : formatShow(shown));
  return EXIT.ok;
}

/** {@link NodeDetail} from the database, null when no source knows the node. */
async function showLocal(id: string): Promise<NodeDetail | null> {
  const rt = await openRuntime();
  try {
    return await nodeDetail(rt.database, id);
  } finally {
    await rt.close();
  }
}

/** Human rendering of {@link NodeDetail} (stdout text). */
export function formatShow({ node, uses, usedBy, access }: NodeDetail): string {
  const out: string[] = [];
  out.push(`${node.kind} ${qualifiedName(node)}${node.missing ? '  [MISSING: referenced but not observed]' : ''}`);
  out.push(`  id: ${displayText(node.id)}`);
  out.push(`  ${realmNoun(node.provider)}: ${node.realm}`);
  const section = (title: string, edges: NodeDetailEdge[], dir: 'in' | 'out') => {
    out.push('', `${title} (${edges.length})`);
    if (!edges.length) out.push('  (none)');
    let last = '';
    for (const e of edges) {
      const spec = EDGE_KINDS[e.kind];
      const heading = dir === 'out' ? spec.outHeading : spec.inHeading;
      if (heading !== last) out.push(`  ${heading}:`);
      last = heading;
      const detail = describeEdge(e.properties as EdgeProperties);
      out.push(`    ${e.node.kind} ${qualifiedName(e.node)}${e.node.missing ? ' [MISSING]' : ''}${detail ? `  (${detail})` : ''}`);
      out.push(`      ${displayText(e.node.id)}`);
    }
  };
  section('Uses', uses, 'out');
  section('Used by', usedBy, 'in');
  if (access && isGcpAccess(access)) {
    out.push('', `Access: ${access.about === 'secret' ? 'who can read it' : 'who can act as it, mint its tokens or create its keys'} (${access.grants.length})`);
    for (const p of access.policies) if (!p.known) out.push(`  (${p.policy} policy ${p.resource} not collected${p.error ? `: ${p.error}` : ''}: its grants are unknown)`);
    for (const g of access.grants) out.push(`  ${displayText(describeGcpGrant(g))}`);
  } else if (access) {
    out.push('', `Access: who can read it (${access.readers.length})`);
    if (!access.rbacObjects) out.push('  (unknown: no Role, ClusterRole or binding of this cluster was collected)');
    else if (!access.readers.length) out.push('  (no RBAC binding grants get/list/watch on it; cluster admins and the API server itself always can)');
    for (const g of access.readers) out.push(`  ${displayText(describeGrant(g))}`);
  }
  return out.join('\n') + '\n';
}
