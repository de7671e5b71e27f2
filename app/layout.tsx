import '@fontsource/inter/400.css';
import '@fontsource/inter/500.css';
import '@fontsource/inter/600.css';
import '@fontsource/inter/700.css';
import '@mantine/core/styles.css';
import './globals.css';

import type { Metadata, Viewport } from 'next';
import Link from 'next/link';
import { Suspense, type ReactNode } from 'react';
import {
  AppShell,
  AppShellHeader,
  AppShellMain,
  Badge,
  Box,
  ColorSchemeScript,
  Container,
  Group,
  MantineProvider,
  Text,
  ThemeIcon,
  mantineHtmlProps,
} from '@mantine/core';
import { theme } from './theme';
import { HeaderSearch } from './_components/HeaderSearch';
import { NavLinks } from './_components/NavLinks';
import { AsOfPicker } from './_components/AsOfPicker';
import { IconGraph } from './_components/icons';
import { UserMenu } from './auth/_components/UserMenu';
import { cspNonce, currentPrincipal, signInEnabled } from '@/lib/auth/server';
import { SearchShortcut } from './_components/SearchShortcut';

export const metadata: Metadata = {
  title: { default: 'keygraph', template: '%s · keygraph' },
  description: 'What uses this secret, key or service account, and what does this workload depend on.',
  referrer: 'no-referrer',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

/**
 * Reads the request's CSP nonce (set by proxy.ts) for Mantine's inline color-scheme script, which makes every page
 * dynamically rendered (a nonce is per request). Search and navigation are shown only to a signed-in user (or in
 * local mode); the user menu shows who is signed in and how to sign out.
 */
export default async function RootLayout({ children }: { children: ReactNode }) {
  const nonce = await cspNonce();
  const signedIn = !signInEnabled() || !!(await currentPrincipal());
  return (
    <html lang="en" {...mantineHtmlProps}>
      <head>
        <ColorSchemeScript defaultColorScheme="light" nonce={nonce} />
      </head>
      <body>
        <a href="#main" className="kg-skip-link">
          Skip to content
        </a>
        <MantineProvider theme={theme} defaultColorScheme="light">
          <SearchShortcut />
          <AppShell header={{ height: 60 }} padding={0}>
            <AppShellHeader px="md">
              <Group h="100%" gap="lg" wrap="nowrap" justify="space-between">
                <Group gap="lg" wrap="nowrap" style={{ flex: 1, minWidth: 0 }}>
                  <Link href="/" className="kg-brand" aria-label="keygraph overview">
                    <Group gap={8} wrap="nowrap">
                      <ThemeIcon size={30} radius="md" variant="gradient" gradient={{ from: 'indigo', to: 'grape', deg: 135 }}>
                        <IconGraph size={18} />
                      </ThemeIcon>
                      {/* The name gives way to the header's controls on a phone (the link keeps its label). */}
                      <Text fw={700} fz="lg" style={{ letterSpacing: '-0.01em' }} visibleFrom="xs">
                        keygraph
                      </Text>
                    </Group>
                  </Link>
                  {signedIn ? (
                    <Box visibleFrom="sm" style={{ flex: 1, maxWidth: 460 }}>
                      <HeaderSearch />
                    </Box>
                  ) : null}
                </Group>
                <Group gap="sm" wrap="nowrap">
                  {signedIn ? (
                    <>
                      <Suspense fallback={null}>
                        <NavLinks />
                      </Suspense>
                      <Suspense fallback={null}>
                        <AsOfPicker />
                      </Suspense>
                    </>
                  ) : null}
                  <UserMenu />
                </Group>
              </Group>
            </AppShellHeader>
            <AppShellMain id="main" tabIndex={-1}>
              <Container size="xl" py="xl" px="md">
                {children}
              </Container>
              <Container size="xl" px="md" pb="xl">
                <Group gap={6}>
                  <Badge variant="outline" color="gray" size="xs" radius="sm">
                    read-only
                  </Badge>
                  <Text size="xs" c="dimmed">
                    keygraph never stores secret values: only key names and HMAC fingerprints.
                  </Text>
                </Group>
              </Container>
            </AppShellMain>
          </AppShell>
        </MantineProvider>
      </body>
    </html>
  );
}
