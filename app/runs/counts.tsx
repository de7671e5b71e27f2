import { Group, Text } from '@mantine/core';
import { Tip } from '../_components/Tip';

type Change = { added?: number; changed?: number; removed?: number; unchanged?: number };

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** `+8 ~4 −7` with a tooltip; nothing when the run recorded no counts. */
export function ChangeCounts({ counts }: { counts: unknown }) {
  if (!counts || typeof counts !== 'object') return <Text size="sm" c="dimmed">—</Text>;
  const c = counts as Change;
  const added = num(c.added);
  const changed = num(c.changed);
  const removed = num(c.removed);
  const unchanged = num(c.unchanged);
  return (
    <Tip label={`${added} added · ${changed} changed · ${removed} removed · ${unchanged} unchanged`} withArrow>
      <Group gap={8} wrap="nowrap" style={{ cursor: 'help', fontVariantNumeric: 'tabular-nums' }}>
        <Text size="sm" c={added ? 'teal.7' : 'dimmed'}>+{added}</Text>
        <Text size="sm" c={changed ? 'yellow.8' : 'dimmed'}>~{changed}</Text>
        <Text size="sm" c={removed ? 'red.7' : 'dimmed'}>−{removed}</Text>
        <Text size="sm" c="dimmed">={unchanged}</Text>
      </Group>
    </Tip>
  );
}
