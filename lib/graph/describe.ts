/**
 * Plain-text wording of nodes and edges, shared by the CLI and exports (the UI renders the same fields as badges).
 */
import type { EdgeProperties } from './records';

/** "env BACKUP_KEY in container api; keys a, b; optional" — every detail of how a reference is made. */
export function describeEdge(p: EdgeProperties): string {
  const parts: string[] = [];
  const how = [p.via, p.envVar, p.volume ? `volume ${p.volume}` : null].filter(Boolean).join(' ');
  if (how) parts.push(how);
  if (p.container) parts.push(`container ${p.container}`);
  if (p.mountPaths?.length) parts.push(`mounted at ${p.mountPaths.join(', ')}`);
  if (p.keys?.length) parts.push(`keys ${p.keys.join(', ')}`);
  if (typeof p.dataKey === 'string') parts.push(`data key ${p.dataKey}`);
  if (p.optional) parts.push('optional');
  return parts.join('; ');
}

/** `namespace/name` or `name`. */
export function qualifiedName(n: { namespace: string | null; name: string }): string {
  return n.namespace ? `${n.namespace}/${n.name}` : n.name;
}
