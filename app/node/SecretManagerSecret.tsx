/**
 * Node page section for a Secret Manager secret (`gcp:PROJECT/Secret/S`): its versions newest first, each with its
 * state (ENABLED, DISABLED, DESTROYED), create and destroy time, and the Kubernetes objects that fetch it
 * (ExternalSecret, SecretProviderClass: FETCHES_SECRET edges, collectors/secret-manager/links.ts) as `latest` or
 * pinned; the version `latest` resolves to (the newest ENABLED one) is marked. Server component; versions through
 * the secret's HAS_VERSION edges, their properties and fetchers read at the page's time.
 */
import { Badge, Card, Group, Stack, Table, TableScrollContainer, TableTbody, TableTd, TableTh, TableThead, TableTr, Text, Title } from '@mantine/core';
import { db } from '@/lib/db';
import { getEdges, getNode, type EdgeView, type NodeView } from '@/lib/store/read';
import { readOptionsFrom, type AsOf } from '@/lib/ui/params';
import { NodeLink } from '../_components/NodeLink';
import { TimeText } from '../_components/TimeText';
import { NodeChip } from './GcpParts';

const STATE_COLOR: Record<string, string> = { ENABLED: 'green', DISABLED: 'orange', DESTROYED: 'gray' };

/** One fetcher of a version: the consumer and how it names the version (`latest` or the number). */
function Fetcher({ edge, asOf }: { edge: EdgeView; asOf?: string }) {
  const latest = edge.properties.alias === 'latest';
  return (
    <NodeChip node={edge.other} asOf={asOf}>
      <Badge size="xs" radius="sm" variant={latest ? 'filled' : 'outline'} color={latest ? 'indigo' : 'gray'} tt="none" data-testid="fetch-mode">
        {latest ? 'latest' : `pinned ${String(edge.properties.version ?? '')}`}
      </Badge>
    </NodeChip>
  );
}

export async function SecretManagerSecret({ outbound, inbound, asOf }: { outbound: EdgeView[]; inbound: EdgeView[]; asOf: AsOf }) {
  const opts = readOptionsFrom(asOf);
  const database = db();
  const rows = await Promise.all(
    outbound
      .filter((e) => e.kind === 'HAS_VERSION')
      .map(async (e) => {
        const [version, fetchers] = await Promise.all([getNode(database, e.other.id, opts), getEdges(database, e.other.id, 'in', opts)]);
        return { id: e.other.id, version: version as NodeView | null, fetchers: fetchers.filter((f) => f.kind === 'FETCHES_SECRET') };
      }),
  );
  const n = (r: (typeof rows)[number]) => Number(r.version?.properties.version ?? 0);
  rows.sort((a, b) => n(b) - n(a));
  const latest = rows.find((r) => r.version?.properties.state === 'ENABLED');
  // Consumers whose version keygraph does not hold point at the secret itself.
  const unresolved = inbound.filter((e) => e.kind === 'FETCHES_SECRET');
  const spec = asOf.spec;
  const fetching = new Set(rows.flatMap((r) => r.fetchers.map((f) => f.other.id)).concat(unresolved.map((e) => e.other.id))).size;

  return (
    <Card withBorder padding="lg" radius="md" component="section" aria-labelledby="sm-versions-title" data-testid="sm-versions">
      <Stack gap="sm">
        <Group gap="sm">
          <Title order={2} fz="lg" id="sm-versions-title">Versions</Title>
          <Badge variant="filled" color="indigo" size="md" radius="sm" data-testid="sm-versions-count">{rows.length}</Badge>
        </Group>
        <Text size="sm" c="dimmed" data-testid="sm-versions-summary">
          {fetching
            ? `${fetching} Kubernetes object${fetching === 1 ? ' fetches' : 's fetch'} this secret. `
            : 'No Kubernetes object keygraph has seen fetches this secret. '}
          {latest ? `“latest” is version ${n(latest)}, the newest enabled one: disabling it breaks what reads “latest”, not what pins another version.` : 'No version is enabled: “latest” resolves to nothing.'}
        </Text>
        <TableScrollContainer minWidth={640}>
          <Table striped verticalSpacing={4} fz="sm">
            <TableThead>
              <TableTr><TableTh>Version</TableTh><TableTh>State</TableTh><TableTh>Created</TableTh><TableTh>Fetched by</TableTh></TableTr>
            </TableThead>
            <TableTbody>
              {rows.map((r) => {
                const state = String(r.version?.properties.state ?? 'unknown');
                return (
                  <TableTr key={r.id} data-testid="sm-version" data-version={n(r)} data-state={state}>
                    <TableTd>
                      <Group gap={6} wrap="nowrap">
                        <NodeLink id={r.id} asOf={spec}>{String(n(r))}</NodeLink>
                        {r === latest ? <Badge size="xs" radius="sm" variant="light" color="indigo" tt="none" style={{ flexShrink: 0 }} data-testid="sm-latest">latest</Badge> : null}
                      </Group>
                    </TableTd>
                    <TableTd>
                      <Badge size="sm" radius="sm" variant="light" color={STATE_COLOR[state] ?? 'gray'} data-testid="sm-state">{state}</Badge>
                      {r.version?.properties.destroyTime ? (
                        <Text size="xs" c="dimmed">destroyed <TimeText value={String(r.version.properties.destroyTime)} size="xs" /></Text>
                      ) : null}
                    </TableTd>
                    <TableTd><TimeText value={r.version?.properties.createTime as string | undefined} /></TableTd>
                    <TableTd>
                      {r.fetchers.length ? (
                        <Stack gap={4}>{r.fetchers.map((f) => <Fetcher key={f.other.id} edge={f} asOf={spec} />)}</Stack>
                      ) : (
                        <Text size="sm" c="dimmed">—</Text>
                      )}
                    </TableTd>
                  </TableTr>
                );
              })}
            </TableTbody>
          </Table>
        </TableScrollContainer>
        {unresolved.length ? (
          <Stack gap={4} data-testid="sm-unresolved">
            <Text size="sm">Fetching a version keygraph does not hold:</Text>
            {unresolved.map((e) => <Fetcher key={e.other.id} edge={e} asOf={spec} />)}
          </Stack>
        ) : null}
      </Stack>
    </Card>
  );
}
