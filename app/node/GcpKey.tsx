/**
 * Node page section for a GCP service-account key (`gcp:PROJECT/ServiceAccountKey/KEY_ID`): its account, type,
 * validity window and age, last use (Policy Analyzer; "unknown" when not read completely), status, and the Secrets
 * holding its key file with the workloads and pods that read them. Server component; data from
 * lib/store/gcp-views.ts at the page's time.
 */
import { Alert, Badge, Card, Code, Group, Stack, Table, TableScrollContainer, TableTbody, TableTd, TableTh, TableThead, TableTr, Text, Title } from '@mantine/core';
import { db } from '@/lib/db';
import { keyView } from '@/lib/store/gcp-views';
import { gcpServiceAccountId } from '@/lib/graph/ids';
import type { EdgeView, NodeView } from '@/lib/store/read';
import { readOptionsFrom, type AsOf } from '@/lib/ui/params';
import { IconAlert } from '../_components/icons';
import { TimeText } from '../_components/TimeText';
import { ConsumerList, FactTable, KeyCreated, KeyStatusBadge, KeyTypeBadge, KeyValidUntil, LastUseValue, NodeChip } from './GcpParts';

export async function GcpKey({ node, inbound, asOf }: { node: NodeView; inbound: EdgeView[]; asOf: AsOf }) {
  const now = asOf.at ?? new Date();
  const v = await keyView(db(), node, now, readOptionsFrom(asOf));
  const owner =
    inbound.find((e) => e.kind === 'HAS_KEY')?.other ??
    (typeof v.key.properties.serviceAccount === 'string' && v.key.properties.serviceAccount.includes('@')
      ? { id: gcpServiceAccountId(node.realm, v.key.properties.serviceAccount), provider: 'gcp', kind: 'ServiceAccount', realm: node.realm, namespace: null, name: v.key.properties.serviceAccount, missing: false }
      : undefined);
  const emails = [...new Set(v.holders.map((h) => h.clientEmail).filter((x): x is string => !!x))];
  const spec = asOf.spec;
  const running = v.holders.reduce((n, h) => n + h.pods.filter((p) => p.phase === 'Running').length, 0);

  return (
    <Card withBorder padding="lg" radius="md" component="section" aria-labelledby="gcp-key-title" data-testid="gcp-key">
      <Stack gap="md">
        <Group gap="sm" justify="space-between" wrap="wrap">
          <Title order={2} fz="lg" id="gcp-key-title">
            GCP key
          </Title>
          <Group gap={6}>
            <KeyTypeBadge keyType={v.keyType} />
            <KeyStatusBadge missing={node.missing} disabled={v.disabled} />
          </Group>
        </Group>
        {node.missing ? (
          <Alert color="red" variant="light" icon={<IconAlert size={18} />} title="GCP does not list this key" data-testid="key-not-listed">
            <Text size="sm">
              {v.holders.length
                ? `It is known only because ${v.holders.length === 1 ? 'a Secret holds' : `${v.holders.length} Secrets hold`} its key file. If it was deleted in GCP, everything below fails to authenticate: put a valid key into the Secret or move the workloads to Workload Identity.`
                : 'It is known only from a reference.'}
            </Text>
          </Alert>
        ) : null}
        <FactTable
          rows={[
            {
              key: 'account',
              label: 'Service account',
              value: owner ? <NodeChip node={owner} asOf={spec} /> : emails.length ? <Code>{emails.join(', ')}</Code> : <Text size="sm" c="dimmed">unknown</Text>,
            },
            { key: 'created', label: 'Created (valid from)', value: <KeyCreated validAfter={v.validAfter} ageDays={v.ageDays} userManaged={v.userManaged} /> },
            { key: 'valid-until', label: 'Valid until', value: <KeyValidUntil validBefore={v.validBefore} neverExpires={v.neverExpires} now={now} /> },
            { key: 'last-use', label: 'Last used', value: <LastUseValue lastUse={v.lastUse} now={now} subject={v.userManaged ? 'user-key' : 'google-key'} /> },
            ...(v.lastListedUntil
              ? [{ key: 'listed-until', label: 'Not listed since', value: <Group gap={6}><TimeText value={v.lastListedUntil} /><Text span size="xs" c="dimmed">(values above as GCP last reported them)</Text></Group> }]
              : []),
            ...(typeof v.key.properties.keyAlgorithm === 'string'
              ? [{ key: 'algorithm', label: 'Algorithm', value: <Text size="sm">{`${v.key.properties.keyAlgorithm}${typeof v.key.properties.keyOrigin === 'string' ? ` · ${v.key.properties.keyOrigin}` : ''}`}</Text> }]
              : []),
          ]}
        />

        <Stack gap={6}>
          <Group gap="sm">
            <Title order={3} fz="md">
              Held by
            </Title>
            <Badge size="sm" variant="light" color={v.holders.length ? 'violet' : 'gray'} radius="sm" tt="none">
              {v.holders.length} Secret{v.holders.length === 1 ? '' : 's'}
            </Badge>
            {running ? (
              <Badge size="sm" variant="light" color="green" radius="sm" tt="none">
                {running} running pod{running === 1 ? '' : 's'}
              </Badge>
            ) : null}
          </Group>
          <Text size="sm" c="dimmed">
            Kubernetes Secrets holding this key file, and what reads them: rotating or deleting the key means updating these Secrets and
            restarting their consumers.
          </Text>
          {v.holders.length ? (
            <TableScrollContainer minWidth={720}>
              <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="key-holders">
                <TableThead>
                  <TableTr>
                    <TableTh w="34%">Secret</TableTh>
                    <TableTh>Read by</TableTh>
                  </TableTr>
                </TableThead>
                <TableTbody>
                  {v.holders.map((h) => (
                    <TableTr key={h.secret.id} data-testid="key-holder" data-secret-id={h.secret.id} style={{ verticalAlign: 'top' }}>
                      <TableTd>
                        <Stack gap={4}>
                          <NodeChip node={h.secret} asOf={spec} />
                          {h.dataKey ? (
                            <Text size="xs" c="dimmed">
                              data key <Code fz={11}>{h.dataKey}</Code>
                            </Text>
                          ) : null}
                        </Stack>
                      </TableTd>
                      <TableTd>
                        <ConsumerList workloads={h.workloads} pods={h.pods} asOf={spec} empty="Nothing keygraph has seen reads this Secret." />
                      </TableTd>
                    </TableTr>
                  ))}
                </TableTbody>
              </Table>
            </TableScrollContainer>
          ) : (
            <Text size="sm" c="dimmed" data-testid="key-no-holders">
              No Secret in a collected cluster holds this key file. Copies outside Kubernetes (CI variables, laptops) are not visible to
              keygraph.
            </Text>
          )}
        </Stack>
      </Stack>
    </Card>
  );
}
