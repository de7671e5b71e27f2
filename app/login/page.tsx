/**
 * `/login`: the sign-in page. One button to the configured OpenID Provider (via /auth/login, which starts the
 * authorization code flow), a readable reason after a failed or expired sign-in, and a note after sign-out.
 * Already signed in: straight on to `returnTo`. Sign-in not configured: explains that this keygraph is local-only.
 */
import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { Alert, Button, Card, Code, Stack, Text, Title } from '@mantine/core';
import { currentPrincipal, signInEnabled } from '@/lib/auth/server';
import { authRuntime } from '@/lib/auth/context';
import { safeReturnTo } from '@/lib/auth/return-to';
import { IconAlert, IconInfo } from '../_components/icons';

export const metadata: Metadata = { title: 'Sign in' };
export const dynamic = 'force-dynamic';

const ERRORS: Record<string, { title: string; text: string }> = {
  denied: { title: 'Access denied', text: 'Your account is not allowed to use this keygraph. Ask an administrator to add your email or domain.' },
  unverified: { title: 'Email not verified', text: 'The identity provider did not confirm your email address, so keygraph cannot tell who you are.' },
  expired: { title: 'Sign-in expired', text: 'The sign-in took too long or was started in another browser. Please try again.' },
  failed: { title: 'Sign-in failed', text: 'The identity provider’s answer could not be verified. Please try again; if it keeps failing, see the server log.' },
  provider: { title: 'Identity provider unavailable', text: 'keygraph could not reach the identity provider. Please try again later.' },
};

type SP = Promise<Record<string, string | string[] | undefined>>;

export default async function LoginPage({ searchParams }: { searchParams: SP }) {
  const sp = await searchParams;
  const one = (k: string) => (typeof sp[k] === 'string' ? (sp[k] as string) : undefined);
  const returnTo = safeReturnTo(one('returnTo'));
  if (!signInEnabled()) {
    return (
      <Stack maw={520} mx="auto" mt="xl">
        <Title order={1} fz={26}>
          Sign-in is not configured
        </Title>
        <Text c="dimmed" size="sm">
          This keygraph listens on a loopback address only and needs no sign-in. To serve it on a network, configure an
          OpenID Provider (<Code>KEYGRAPH_OIDC_ISSUER</Code>, <Code>KEYGRAPH_OIDC_CLIENT_ID</Code>,{' '}
          <Code>KEYGRAPH_OIDC_CLIENT_SECRET</Code>, <Code>KEYGRAPH_PUBLIC_URL</Code>).
        </Text>
        <Button component="a" href="/" w="fit-content">
          Go to the overview
        </Button>
      </Stack>
    );
  }
  if (await currentPrincipal()) redirect(returnTo);
  const error = ERRORS[one('error') ?? ''];
  const provider = authRuntime().config.auth.oidc?.providerName ?? 'single sign-on';
  return (
    <Stack maw={440} mx="auto" mt="xl" gap="lg">
      {error ? (
        <Alert color="red" variant="light" icon={<IconAlert size={18} />} title={error.title} data-testid="login-error">
          {error.text}
        </Alert>
      ) : null}
      {one('reason') === 'expired' && !error ? (
        <Alert color="yellow" variant="light" icon={<IconInfo size={18} />} title="Session ended" data-testid="login-expired">
          Your session has expired. Please sign in again.
        </Alert>
      ) : null}
      {one('signedOut') ? (
        <Alert color="teal" variant="light" icon={<IconInfo size={18} />} title="Signed out" data-testid="login-signed-out">
          You have been signed out of keygraph.
        </Alert>
      ) : null}
      <Card withBorder radius="md" padding="xl">
        <Stack gap="md">
          <Title order={1} fz={24}>
            Sign in to keygraph
          </Title>
          <Text c="dimmed" size="sm">
            keygraph maps your organisation’s secrets and keys. Sign in with your work account to continue.
          </Text>
          <Button component="a" href={`/auth/login?returnTo=${encodeURIComponent(returnTo)}`} size="md" data-testid="sign-in">
            Sign in with {provider}
          </Button>
        </Stack>
      </Card>
    </Stack>
  );
}
