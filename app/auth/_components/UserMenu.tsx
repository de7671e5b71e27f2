/**
 * Header corner: who is signed in (email and role), the admin's link to API tokens, and a sign-out button (a POST
 * form carrying the session's CSRF token). Nothing when sign-in is off (local mode) other than a "local" badge.
 */
import { Badge, Button, Group, Text } from '@mantine/core';
import { currentPrincipal, signInEnabled } from '@/lib/auth/server';
import { CSRF_FIELD } from '@/lib/auth/csrf';

export async function UserMenu() {
  if (!signInEnabled()) {
    return (
      <Badge variant="outline" color="gray" radius="sm" title="Sign-in is off: keygraph answers on a loopback address only" data-testid="local-mode">
        local
      </Badge>
    );
  }
  const p = await currentPrincipal();
  if (!p) return null;
  return (
    <Group gap="xs" wrap="nowrap" data-testid="user-menu">
      <Text size="sm" fw={500} data-testid="user-email" style={{ whiteSpace: 'nowrap' }}>
        {p.label}
      </Text>
      <Badge variant="light" color={p.role === 'admin' ? 'grape' : 'gray'} radius="sm" data-testid="user-role">
        {p.role}
      </Badge>
      {p.role === 'admin' ? (
        <a href="/settings/tokens" className="kg-nav-link" data-testid="tokens-link">
          API tokens
        </a>
      ) : null}
      {p.kind === 'session' ? (
        <form action="/auth/logout" method="post">
          <input type="hidden" name={CSRF_FIELD} value={p.csrf} />
          <Button type="submit" variant="default" size="xs" data-testid="sign-out">
            Sign out
          </Button>
        </form>
      ) : null}
    </Group>
  );
}
