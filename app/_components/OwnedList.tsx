/**
 * What a row's object owns among the same list (a Deployment's ReplicaSets and Pods), folded into one expandable
 * line: "1 ReplicaSet, 3 Pods", each linked with its Pod phase. Used by "Used by" (app/node/Relations.tsx) and the
 * impact table (ImpactPanel). Server component.
 */
import { Group, Stack, Text } from '@mantine/core';
import type { NodeSummary } from '@/lib/store/read';
import { KindBadge } from './badges';
import { DisplayName, NodeLink } from './NodeLink';

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
      <Stack gap={4} mt={4}>
        {owned.map((n) => (
          <Group key={n.id} gap={6} wrap="nowrap" data-other-id={n.id}>
            <KindBadge provider={n.provider} kind={n.kind} size="xs" />
            <NodeLink id={n.id} asOf={asOf}>
              <span style={{ overflowWrap: 'anywhere' }}><DisplayName text={n.name} /></span>
            </NodeLink>
            {phase(n.id) ? (
              <Text span size="xs" c="dimmed">
                {phase(n.id)}
              </Text>
            ) : null}
          </Group>
        ))}
      </Stack>
    </details>
  );
}
