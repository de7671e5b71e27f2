/**
 * What a row's object owns among the same list (a Deployment's ReplicaSets and Pods), folded into one expandable
 * line: "1 ReplicaSet, 3 Pods", each linked with its Pod phase. Used by "Used by" (app/node/Relations.tsx) and the
 * impact table (ImpactPanel). Server component.
 */
import { Text } from '@mantine/core';
import type { NodeSummary } from '@/lib/store/read';
import { nodeHref } from '@/lib/ui/format';
import { withAsOf } from '@/lib/ui/params';
import { KindBadge } from './badges';
import { DisplayName } from './NodeLink';

export function OwnedList({ owned, phase, asOf }: { owned: NodeSummary[]; phase: (id: string) => string | undefined; asOf?: string }) {
  const counts = new Map<string, number>();
  for (const n of owned) counts.set(n.kind, (counts.get(n.kind) ?? 0) + 1);
  const label = [...counts].map(([k, n]) => `${n} ${k}${n === 1 ? '' : 's'}`).join(', ');
  return (
    <details className="kg-owned" data-testid="owned">
      <summary>
        <Text span size="xs" fw={500}>
          {label}
        </Text>
      </summary>
      {/* Plain elements, not a component per row: a Deployment may own hundreds of Pods. */}
      <ul className="kg-owned-list">
        {owned.map((n) => (
          <li key={n.id} data-other-id={n.id}>
            <KindBadge provider={n.provider} kind={n.kind} size="xs" />
            <a className="kg-link" href={withAsOf(nodeHref(n.id), asOf)} style={{ overflowWrap: 'anywhere' }}>
              <DisplayName text={n.name} />
            </a>
            {phase(n.id) ? <span className="kg-dim">{phase(n.id)}</span> : null}
          </li>
        ))}
      </ul>
    </details>
  );
}
