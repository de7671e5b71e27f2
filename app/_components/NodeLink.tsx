import { nodeHref } from '@/lib/ui/format';
import { withAsOf } from '@/lib/ui/params';
import type { ReactNode } from 'react';
import { AnchorLink } from './links';

/** A link to a node's page; as of `asOf` (a time spec, lib/ui/params.ts) when given. */
export function NodeLink({ id, children, fw = 500, asOf }: { id: string; children: ReactNode; fw?: number; asOf?: string }) {
  return (
    <AnchorLink href={withAsOf(nodeHref(id), asOf)} fw={fw} underline="hover" data-testid="node-link">
      {children}
    </AnchorLink>
  );
}

/** A link inside the app (Next.js client-side navigation, Mantine styling). */
export function AppLink({ href, children, fw, size }: { href: string; children: ReactNode; fw?: number; size?: string }) {
  return (
    <AnchorLink href={href} fw={fw} size={size} underline="hover">
      {children}
    </AnchorLink>
  );
}
