'use client';

import Link from 'next/link';
import { usePathname, useSearchParams } from 'next/navigation';
import { Group } from '@mantine/core';

const LINKS = [
  { href: '/', label: 'Overview', match: (p: string) => p === '/' },
  { href: '/search', label: 'Search', match: (p: string, missing: boolean) => (p === '/search' && !missing) || p === '/node' },
  { href: '/search?missing=1', label: 'Missing', match: (p: string, missing: boolean) => p === '/search' && missing },
  { href: '/runs', label: 'Runs', match: (p: string) => p.startsWith('/runs') },
];

/** Header navigation; highlights the current section. */
export function NavLinks() {
  const pathname = usePathname() ?? '/';
  const sp = useSearchParams();
  const missing = sp?.get('missing') === '1';
  return (
    <Group gap={4} component="nav" aria-label="Main" wrap="nowrap">
      {LINKS.map((l) => {
        const active = l.match(pathname, missing);
        return (
          <Link
            key={l.href}
            href={l.href}
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
