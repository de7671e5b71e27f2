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
import { getEdges, getNode, type EdgeView } from '../store/read';
import { openRuntime } from '../runtime';
import { describeGrant, isGcpAccess, nodeAccess } from '../analysis/access';
import { describeGcpGrant } from '../analysis/gcp-access';
import { UsageError, EXIT } from './exit';

export async function showCommand(id: string, opts: { json?: boolean }): Promise<number> {
  if (!parseId(id)) {
    throw new UsageError(`not a keygraph id: ${JSON.stringify(id.slice(0, 200))} (expected one of ${idForms().join(', ')})`);
  }
  const rt = await openRuntime();
  try {
    const node = await getNode(rt.database, id);
    if (!node) throw new UsageError(`no node ${id} in the inventory (search with the web UI, or check the cluster/project name)`);
    const [uses, usedBy, access] = await Promise.all([getEdges(rt.database, id, 'out'), getEdges(rt.database, id, 'in'), nodeAccess(rt.database, id)]);
    if (opts.json) {
      const edge = (e: EdgeView) => ({ kind: e.kind, from: e.from, to: e.to, properties: e.properties, node: e.other });
      process.stdout.write(JSON.stringify({ node, uses: uses.map(edge), usedBy: usedBy.map(edge), ...(access && { access }) }, null, 2) + '\n');
      return EXIT.ok;
    }
    const out: string[] = [];
    out.push(`${node.kind} ${qualifiedName(node)}${node.missing ? '  [MISSING: referenced but not observed]' : ''}`);
    out.push(`  id: ${displayText(node.id)}`);
    out.push(`  ${realmNoun(node.provider)}: ${node.realm}`);
    const section = (title: string, edges: EdgeView[], dir: 'in' | 'out') => {
      out.push('', `${title} (${edges.length})`);
      if (!edges.length) out.push('  (none)');
      let last = '';
      for (const e of edges) {
        const spec = EDGE_KINDS[e.kind];
        const heading = dir === 'out' ? spec.outHeading : spec.inHeading;
        if (heading !== last) out.push(`  ${heading}:`);
        last = heading;
        const detail = describeEdge(e.properties as EdgeProperties);
        out.push(`    ${e.other.kind} ${qualifiedName(e.other)}${e.other.missing ? ' [MISSING]' : ''}${detail ? `  (${detail})` : ''}`);
        out.push(`      ${displayText(e.other.id)}`);
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
    process.stdout.write(out.join('\n') + '\n');
    return EXIT.ok;
  } finally {
    await rt.close();
  }
}
