'use client';

import Link from 'next/link';
import { usePathname, useSearchParams } from 'next/navigation';
import { Group } from '@mantine/core';
import { AS_OF_PARAM, withAsOf } from '@/lib/ui/params';

const LINKS = [
  { href: '/', label: 'Overview', match: (p: string) => p === '/' },
  { href: '/search', label: 'Search', match: (p: string, missing: boolean) => (p === '/search' && !missing) || p === '/node' },
  { href: '/search?missing=1', label: 'Missing', match: (p: string, missing: boolean) => p === '/search' && missing },
  { href: '/findings', label: 'Findings', match: (p: string) => p.startsWith('/findings') },
  { href: '/explorer', label: 'Explorer', match: (p: string) => p.startsWith('/explorer') },
  { href: '/diff', label: 'Changes', match: (p: string) => p.startsWith('/diff'), timeless: true },
  { href: '/runs', label: 'Runs', match: (p: string) => p.startsWith('/runs'), timeless: true },
  { href: '/exports', label: 'Exports', match: (p: string) => p.startsWith('/exports') },
];

/** Header navigation; highlights the current section. Links to pages that read the graph keep `asOf`. */
export function NavLinks() {
  const pathname = usePathname() ?? '/';
  const sp = useSearchParams();
  const missing = sp?.get('missing') === '1';
  const asOf = sp?.get(AS_OF_PARAM)?.trim() || undefined;
  return (
    <Group gap={4} component="nav" aria-label="Main" wrap="nowrap">
      {LINKS.map((l) => {
        const active = l.match(pathname, missing);
        return (
          <Link
            key={l.href}
            href={'timeless' in l ? l.href : withAsOf(l.href, asOf)}
            className="kg-nav-link"
            data-active={active || undefined}
            aria-current={active ? 'page' : undefined}
          >
            {l.label}
          </Link>
        );
      })}
    </Group>
  );
}
