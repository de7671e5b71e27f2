import type { CSSProperties } from 'react';
import { Badge } from '@mantine/core';
import { kindStyle, readableColor, runStatusColor } from '@/lib/ui/format';
import { Tip } from './Tip';

/** A node kind, coloured as in the graph model. */
export function KindBadge({ provider, kind, size = 'sm' }: { provider: string; kind: string; size?: 'xs' | 'sm' | 'md' | 'lg' }) {
  const s = kindStyle(provider, kind);
  // A plain element styled like Mantine's light badge (app/globals.css .kg-kind): lists draw thousands of these, and a
  // Badge resolves its colours through the theme on every render.
  return (
    <span className="kg-kind" data-size={size} data-kind={kind} style={{ '--kg-kind-color': readableColor(s.color) } as CSSProperties}>
      {s.label}
    </span>
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
