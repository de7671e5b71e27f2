import { Badge } from '@mantine/core';
import { kindStyle, readableColor, runStatusColor } from '@/lib/ui/format';
import { Tip } from './Tip';

/** A node kind, coloured as in the graph model. */
export function KindBadge({ provider, kind, size = 'sm' }: { provider: string; kind: string; size?: 'xs' | 'sm' | 'md' | 'lg' }) {
  const s = kindStyle(provider, kind);
  return (
    <Badge
      color={readableColor(s.color)}
      variant="light"
      size={size}
      radius="sm"
      tt="none"
      style={{ fontWeight: 600, letterSpacing: 0, flexShrink: 0, overflow: 'visible' }}
      data-kind={kind}
    >
      {s.label}
    </Badge>
  );
}

export const MISSING_EXPLANATION =
  'Referenced but not observed: a reference to it fails at the next start of the pods that need it.';

/** Marks a node that is referenced but was not observed. */
export function MissingBadge({ size = 'sm' }: { size?: 'xs' | 'sm' | 'md' | 'lg' }) {
  return (
    <Tip label={MISSING_EXPLANATION} multiline w={280} withArrow>
      <Badge color="red" variant="filled" size={size} radius="sm" data-testid="missing-badge" style={{ flexShrink: 0, overflow: 'visible' }}>
        missing
      </Badge>
    </Tip>
  );
}

/** Status of a collection run. */
export function RunStatusBadge({ status }: { status: string }) {
  return (
    <Badge color={runStatusColor(status)} variant="light" size="sm" radius="sm">
      {status}
    </Badge>
  );
}
