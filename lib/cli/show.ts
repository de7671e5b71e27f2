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
import { getEdges, getNode, type EdgeView, type NodeView } from '../store/read';
import { openRuntime } from '../runtime';
import { describeGrant, isGcpAccess, nodeAccess, type NodeAccess } from '../analysis/access';
import { describeGcpGrant } from '../analysis/gcp-access';
import { EXIT, noNodeMessage, UsageError } from './exit';
import { remoteJson, remoteServer } from './remote';

/** What `show` prints: the JSON API's node answer (`GET /api/v1/nodes?id=`, lib/api/handlers.ts handleNode). */
export interface NodeShow {
  node: NodeView;
  uses: ShownEdge[];
  usedBy: ShownEdge[];
  access?: NodeAccess;
}
/** An edge as `show --json` and the API give it: `node` is the other end. */
export interface ShownEdge {
  kind: EdgeView['kind'];
  from: string;
  to: string;
  properties: EdgeView['properties'];
  node: EdgeView['other'];
}

/** `keygraph show ID [--json] [--server URL]`: prints the node (text or JSON); UsageError (exit 1) for a bad or unknown id. */
export async function showCommand(id: string, opts: { json?: boolean; server?: string }): Promise<number> {
  if (!parseId(id)) {
    throw new UsageError(`not a keygraph id: ${JSON.stringify(id.slice(0, 200))} (expected one of ${idForms().join(', ')})`);
  }
  const server = remoteServer(opts.server);
  const shown = server ? await remoteJson<NodeShow>(server, 'api/v1/nodes', { id }, noNodeMessage(id)) : await showLocal(id);
  process.stdout.write(opts.json ? JSON.stringify(shown, null, 2) + '\n' : formatShow(shown));
  return EXIT.ok;
}

/** {@link NodeShow} from the database; UsageError when no source knows the node. */
async function showLocal(id: string): Promise<NodeShow> {
  const rt = await openRuntime();
  try {
    const node = await getNode(rt.database, id);
    if (!node) throw new UsageError(noNodeMessage(id));
    const [uses, usedBy, access] = await Promise.all([getEdges(rt.database, id, 'out'), getEdges(rt.database, id, 'in'), nodeAccess(rt.database, id)]);
    const edge = (e: EdgeView): ShownEdge => ({ kind: e.kind, from: e.from, to: e.to, properties: e.properties, node: e.other });
    return { node, uses: uses.map(edge), usedBy: usedBy.map(edge), ...(access && { access }) };
  } finally {
    await rt.close();
  }
}

/** Human rendering of {@link NodeShow} (stdout text). */
export function formatShow({ node, uses, usedBy, access }: NodeShow): string {
  const out: string[] = [];
  out.push(`${node.kind} ${qualifiedName(node)}${node.missing ? '  [MISSING: referenced but not observed]' : ''}`);
  out.push(`  id: ${displayText(node.id)}`);
  out.push(`  ${realmNoun(node.provider)}: ${node.realm}`);
  const section = (title: string, edges: ShownEdge[], dir: 'in' | 'out') => {
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
