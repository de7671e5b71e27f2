'use client';

/**
 * The token admin UI: a form to create a token (name, role, expiry), the new token shown once with a copy button,
 * and the list with a revoke button per active token. Calls /api/v1/tokens with the session's CSRF token in
 * `X-CSRF-Token`, then refreshes the server-rendered list.
 */
import { useRouter } from 'next/navigation';
import { useEffect, useState, type FormEvent } from 'react';
import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  CopyButton,
  Group,
  NativeSelect,
  Stack,
  Table,
  TableTbody,
  TableTd,
  TableTh,
  TableThead,
  TableTr,
  Text,
  TextInput,
  Title,
} from '@mantine/core';

export interface TokenRow {
  id: number;
  name: string;
  role: 'viewer' | 'admin';
  prefix: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  status: 'active' | 'expired' | 'revoked';
}

const when = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '—');
const STATUS_COLOR = { active: 'teal', expired: 'gray', revoked: 'red' } as const;

export function TokenManager({ tokens, csrf }: { tokens: TokenRow[]; csrf: string }) {
  const router = useRouter();
  const [name, setName] = useState('');
  const [role, setRole] = useState<'viewer' | 'admin'>('viewer');
  const [expires, setExpires] = useState('90d');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  // The form works only with JavaScript (it calls the API); keep it disabled until hydrated, so nothing typed
  // before then is lost and a native submit cannot put the form in a URL.
  const [ready, setReady] = useState(false);
  useEffect(() => setReady(true), []);

  const call = async (url: string, init: RequestInit) => {
    const res = await fetch(url, {
      ...init,
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, ...(init.headers ?? {}) },
      credentials: 'same-origin',
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) throw new Error(typeof body.error === 'string' ? body.error : `request failed (${res.status})`);
    return body;
  };

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setCreated(null);
    try {
      const body = await call('/api/v1/tokens', { method: 'POST', body: JSON.stringify({ name, role, expires }) });
      setCreated({ name, token: String(body.token) });
      setName('');
      router.refresh();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (t: TokenRow) => {
    if (!window.confirm(`Revoke the token "${t.name}"? Anything using it stops working at once.`)) return;
    setError(null);
    try {
      await call(`/api/v1/tokens/${t.id}`, { method: 'DELETE' });
      router.refresh();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <Stack gap="lg">
      <Card withBorder radius="md" padding="lg">
        <form onSubmit={create} data-testid="create-token-form" data-ready={ready}>
          <fieldset disabled={!ready} style={{ border: 0, margin: 0, padding: 0, minWidth: 0 }}>
            <Stack gap="sm">
              <Title order={2} fz="lg">
                Create a token
              </Title>
              <Group align="flex-end" gap="sm" wrap="wrap">
                <TextInput
                  label="Name"
                  description="What will use it"
                  placeholder="rotation-ci"
                  value={name}
                  onChange={(e) => setName(e.currentTarget.value)}
                  required
                  maxLength={100}
                  w={260}
                />
                <NativeSelect label="Role" value={role} onChange={(e) => setRole(e.currentTarget.value as 'viewer' | 'admin')} data={['viewer', 'admin']} w={140} />
                <NativeSelect
                  label="Expires after"
                  value={expires}
                  onChange={(e) => setExpires(e.currentTarget.value)}
                  data={[
                    { value: '7d', label: '7 days' },
                    { value: '30d', label: '30 days' },
                    { value: '90d', label: '90 days' },
                    { value: '365d', label: '1 year' },
                    { value: 'never', label: 'never' },
                  ]}
                  w={160}
                />
                <Button type="submit" loading={busy} data-testid="create-token">
                  Create token
                </Button>
              </Group>
            </Stack>
          </fieldset>
        </form>
      </Card>

      {error ? (
        <Alert color="red" variant="light" title="That did not work" data-testid="token-error">
          {error}
        </Alert>
      ) : null}

      {created ? (
        <Alert color="teal" variant="light" title={`Token "${created.name}" created`} data-testid="new-token">
          <Stack gap="xs">
            <Text size="sm">Copy it now: this is the only time keygraph shows it. It is stored only as a hash.</Text>
            <Group gap="xs" wrap="nowrap">
              <Code className="kg-mono" data-testid="new-token-value" style={{ padding: '6px 10px' }}>
                {created.token}
              </Code>
              <CopyButton value={created.token}>
                {({ copied, copy }) => (
                  <Button size="xs" variant="light" color={copied ? 'teal' : 'gray'} onClick={copy}>
                    {copied ? 'Copied' : 'Copy'}
                  </Button>
                )}
              </CopyButton>
            </Group>
          </Stack>
        </Alert>
      ) : null}

      <Card withBorder radius="md" padding={0}>
        {tokens.length === 0 ? (
          <Text c="dimmed" size="sm" p="lg" data-testid="no-tokens">
            No API tokens yet.
          </Text>
        ) : (
          <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="tokens-table">
            <TableThead>
              <TableTr>
                <TableTh>Name</TableTh>
                <TableTh>Token</TableTh>
                <TableTh>Role</TableTh>
                <TableTh>Created</TableTh>
                <TableTh>Expires</TableTh>
                <TableTh>Last used</TableTh>
                <TableTh>Status</TableTh>
                <TableTh />
              </TableTr>
            </TableThead>
            <TableTbody>
              {tokens.map((t) => (
                <TableTr key={t.id} data-token-id={t.id} data-token-name={t.name} data-status={t.status}>
                  <TableTd>
                    <Text size="sm" fw={500}>
                      {t.name}
                    </Text>
                    <Text size="xs" c="dimmed">
                      by {t.createdBy}
                    </Text>
                  </TableTd>
                  <TableTd>
                    <Code>{t.prefix}…</Code>
                  </TableTd>
                  <TableTd>
                    <Badge variant="light" color={t.role === 'admin' ? 'grape' : 'gray'} radius="sm">
                      {t.role}
                    </Badge>
                  </TableTd>
                  <TableTd>
                    <Text size="sm">{when(t.createdAt)}</Text>
                  </TableTd>
                  <TableTd>
                    <Text size="sm">{t.expiresAt ? when(t.expiresAt) : 'never'}</Text>
                  </TableTd>
                  <TableTd>
                    <Text size="sm" data-testid="last-used">
                      {when(t.lastUsedAt)}
                    </Text>
                  </TableTd>
                  <TableTd>
                    <Badge variant="light" color={STATUS_COLOR[t.status]} radius="sm" data-testid="token-status">
                      {t.status}
                    </Badge>
                  </TableTd>
                  <TableTd>
                    {t.status === 'active' ? (
                      <Button size="xs" variant="subtle" color="red" onClick={() => revoke(t)} data-testid="revoke-token">
                        Revoke
                      </Button>
                    ) : null}
                  </TableTd>
                </TableTr>
              ))}
            </TableTbody>
          </Table>
        )}
      </Card>
    </Stack>
  );
}
