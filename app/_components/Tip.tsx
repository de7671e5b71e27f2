'use client';

import { Tooltip, type TooltipProps } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A Mantine Tooltip usable from server components. Tooltip clones its child element, which is not possible for an
 * element that arrives from the server, so the target is a span created here.
 */
export function Tip({ children, label, ...rest }: Omit<TooltipProps, 'children'> & { children: ReactNode }) {
  return (
    <Tooltip label={label} withArrow {...rest}>
      <span style={{ display: 'inline-flex', alignItems: 'center', maxWidth: '100%', flexShrink: 0 }}>{children}</span>
    </Tooltip>
  );
}
