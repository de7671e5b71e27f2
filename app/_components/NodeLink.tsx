import Link from 'next/link';
import { Anchor } from '@mantine/core';
import { nodeHref } from '@/lib/ui/format';
import type { ReactNode } from 'react';

/** A link to a node's page. */
export function NodeLink({ id, children, fw = 500 }: { id: string; children: ReactNode; fw?: number }) {
  return (
    <Anchor component={Link} href={nodeHref(id)} fw={fw} underline="hover">
      {children}
    </Anchor>
  );
}

/** A link inside the app (Next.js client-side navigation, Mantine styling). */
export function AppLink({ href, children, fw, size }: { href: string; children: ReactNode; fw?: number; size?: string }) {
  return (
    <Anchor component={Link} href={href} fw={fw} size={size} underline="hover">
      {children}
    </Anchor>
  );
}
