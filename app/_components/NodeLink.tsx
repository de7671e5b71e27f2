import { nodeHref } from '@/lib/ui/format';
import { displayText, hasHiddenCharacters } from '@/lib/graph/describe';
import { withAsOf } from '@/lib/ui/params';
import type { ReactNode } from 'react';
import { AnchorLink } from './links';

/**
 * A name or id as displayed: invisible and direction-changing characters (bidi overrides such as U+202E, isolates,
 * zero-width characters…) shown as visible escapes `⟦U+202E⟧` (lib/graph/describe.ts displayText, the same function
 * the CLI's text output uses), and the whole text marked (`data-hidden-characters`, a highlight and a tooltip) so
 * `evil\u202Egnp.exe` can never read "evilexe.png". Plain text is rendered unchanged.
 */
export function DisplayName({ text }: { text: string }) {
  if (!hasHiddenCharacters(text)) return <>{text}</>;
  return (
    <span
      data-hidden-characters="true"
      title="This name holds invisible or direction-changing characters, shown as ⟦U+…⟧: it may be made to look like another name"
      style={{ background: 'var(--mantine-color-yellow-1)', outline: '1px dashed var(--mantine-color-orange-6)', unicodeBidi: 'isolate' }}
    >
      {displayText(text)}
    </span>
  );
}

/**
 * A link to a node's page; as of `asOf` (a time spec, lib/ui/params.ts) when given. A text `children` is shown through
 * {@link DisplayName}; the link itself carries the stored id unchanged.
 */
export function NodeLink({ id, children, fw = 500, asOf }: { id: string; children: ReactNode; fw?: number; asOf?: string }) {
  return (
    <AnchorLink href={withAsOf(nodeHref(id), asOf)} fw={fw} underline="hover" data-testid="node-link">
      {typeof children === 'string' ? <DisplayName text={children} /> : children}
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
