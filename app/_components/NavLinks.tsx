'use client';

import Link from 'next/link';
import { usePathname, useSearchParams } from 'next/navigation';
import { Burger, Drawer, Group, Stack } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { HeaderSearch } from './HeaderSearch';
import { AS_OF_PARAM, withAsOf } from '@/lib/ui/params';

const LINKS = [
  { href: '/', label: 'Overview', match: (p: string) => p === '/' },
  { href: '/search', label: 'Search', match: (p: string, missing: boolean) => (p === '/search' && !missing) || p === '/node' },
  { href: '/search?missing=1', label: 'Missing', match: (p: string, missing: boolean) => p === '/search' && missing },
  { href: '/findings', label: 'Findings', match: (p: string) => p.startsWith('/findings') },
  { href: '/explorer', label: 'Explorer', match: (p: string) => p.startsWith('/explorer') },
  { href: '/keys', label: 'Keys', match: (p: string) => p.startsWith('/keys') },
  { href: '/diff', label: 'Changes', match: (p: string) => p.startsWith('/diff'), timeless: true },
  { href: '/runs', label: 'Runs', match: (p: string) => p.startsWith('/runs'), timeless: true },
  { href: '/exports', label: 'Exports', match: (p: string) => p.startsWith('/exports') },
];

/**
 * Header navigation; highlights the current section. Links to pages that read the graph keep `asOf`. From Mantine's
 * `lg` breakpoint down the links (and the search box) move into a drawer opened by a menu button, so the header never
 * overflows on a narrow screen.
 */
export function NavLinks() {
  const pathname = usePathname() ?? '/';
  const sp = useSearchParams();
  const missing = sp?.get('missing') === '1';
  const asOf = sp?.get(AS_OF_PARAM)?.trim() || undefined;
  const [opened, { toggle, close }] = useDisclosure(false);
  const links = LINKS.map((l) => {
    const active = l.match(pathname, missing);
    return (
      <Link
        key={l.href}
        href={'timeless' in l ? l.href : withAsOf(l.href, asOf)}
        className="kg-nav-link"
        data-active={active || undefined}
        aria-current={active ? 'page' : undefined}
        onClick={close}
      >
        {l.label}
      </Link>
    );
  });
  return (
    <>
      <Group gap={4} component="nav" aria-label="Main" wrap="nowrap" visibleFrom="lg">
        {links}
      </Group>
      <Burger hiddenFrom="lg" size="sm" opened={opened} onClick={toggle} aria-label={opened ? 'Close the menu' : 'Open the menu'} aria-expanded={opened} />
      <Drawer opened={opened} onClose={close} position="right" size="xs" title="keygraph" hiddenFrom="lg">
        <Stack gap="md">
          <HeaderSearch />
          <Stack gap={2} component="nav" aria-label="Main">
            {links}
          </Stack>
        </Stack>
      </Drawer>
    </>
  );
}
