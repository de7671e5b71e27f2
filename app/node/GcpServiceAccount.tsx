/**
 * Node page section for a GCP service account (`gcp:PROJECT/ServiceAccount/EMAIL`): its keys (age, validity, last
 * use: "unknown" unless Policy Analyzer data was read completely, never "unused" then), the Kubernetes
 * ServiceAccounts acting as it through GKE Workload Identity with both halves as badges (annotation on the KSA,
 * workloadIdentityUser binding on the account), the workloads running as those KSAs, and the workloads reaching it
 * through Secrets that hold its key files. Server component; data from lib/store/gcp-views.ts at the page's time.
 */
import { Badge, Card, Code, Group, Stack, Table, TableScrollContainer, TableTbody, TableTd, TableTh, TableThead, TableTr, Text, Title } from '@mantine/core';
import { db } from '@/lib/db';
import { serviceAccountView } from '@/lib/store/gcp-views';
import type { EdgeView, NodeView } from '@/lib/store/read';
import { readOptionsFrom, type AsOf } from '@/lib/ui/params';
import { NodeLink } from '../_components/NodeLink';
import {
  ConsumerList,
  FactTable,
  HalfBadge,
  KeyCreated,
  KeyStatusBadge,
  KeyTypeBadge,
  KeyValidUntil,
  LastUseValue,
  NodeChip,
} from './GcpParts';

function SubHeading({ title, count, description }: { title: string; count?: number; description: string }) {
  return (
    <Stack gap={2}>
      <Group gap="sm">
        <Title order={3} fz="md">
          {title}
        </Title>
        {count !== undefined ? (
          <Badge size="sm" variant="light" color="gray" radius="sm">
            {count}
          </Badge>
        ) : null}
      </Group>
      <Text size="sm" c="dimmed">
        {description}
      </Text>
    </Stack>
  );
}

export async function GcpServiceAccount({ node, inbound, outbound, asOf }: { node: NodeView; inbound: EdgeView[]; outbound: EdgeView[]; asOf: AsOf }) {
  const now = asOf.at ?? new Date();
  const v = await serviceAccountView(db(), node, { inbound, outbound }, now, readOptionsFrom(asOf));
  const p = node.properties ?? {};
  const spec = asOf.spec;
  const str = (k: string) => (typeof p[k] === 'string' && p[k] ? (p[k] as string) : undefined);
  const viaKeys = v.keys.filter((k) => k.holders.length);

  return (
    <Card withBorder padding="lg" radius="md" component="section" aria-labelledby="gcp-sa-title" data-testid="gcp-sa">
      <Stack gap="lg">
        <Group gap="sm" justify="space-between" wrap="wrap">
          <Title order={2} fz="lg" id="gcp-sa-title">
            GCP service account
          </Title>
          <Group gap={6}>
            {p.userManaged === false ? (
              <Badge size="sm" variant="light" color="gray" radius="sm" tt="none">
                Google-managed
              </Badge>
            ) : null}
            {node.missing ? (
              <Badge size="sm" variant="filled" color="red" radius="sm" tt="none">
                not listed by GCP
              </Badge>
            ) : p.disabled === true ? (
              <Badge size="sm" variant="light" color="red" radius="sm" tt="none" data-testid="sa-disabled">
                disabled
              </Badge>
            ) : (
              <Badge size="sm" variant="light" color="teal" radius="sm" tt="none">
                enabled
              </Badge>
            )}
          </Group>
        </Group>
        {!node.missing ? (
          <FactTable
            rows={[
              ...(str('displayName') ? [{ key: 'display', label: 'Display name', value: <Text size="sm">{str('displayName')}</Text> }] : []),
              ...(str('description') ? [{ key: 'description', label: 'Description', value: <Text size="sm">{str('description')}</Text> }] : []),
              ...(str('uniqueId') ? [{ key: 'unique', label: 'Unique id', value: <Code>{str('uniqueId')}</Code> }] : []),
              { key: 'last-use', label: 'Last authenticated', value: <LastUseValue lastUse={v.lastUse} now={now} subject="account" /> },
            ]}
          />
        ) : null}

        <Stack gap="xs">
          <SubHeading
            title="Keys"
            count={v.keys.length}
            description="User-managed keys first. Google-managed keys never leave Google; user-managed ones live wherever their key file was copied."
          />
          {v.keys.length ? (
            <TableScrollContainer minWidth={900}>
              <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="sa-keys">
                <TableThead>
                  <TableTr>
                    <TableTh>Key</TableTh>
                    <TableTh style={{ minWidth: 210 }}>Created</TableTh>
                    <TableTh>Valid until</TableTh>
                    <TableTh>Last used</TableTh>
                    <TableTh style={{ whiteSpace: 'nowrap' }}>Held by</TableTh>
                  </TableTr>
                </TableThead>
                <TableTbody>
                  {v.keys.map((k) => (
                    <TableTr key={k.key.id} data-testid="sa-key" data-key-id={k.key.id} style={{ verticalAlign: 'top' }}>
                      <TableTd style={{ minWidth: 190 }}>
                        <Stack gap={4}>
                          <NodeLink id={k.key.id} asOf={spec}>
                            <span className="kg-mono" title={k.key.name} style={{ whiteSpace: 'nowrap' }}>
                              {k.key.name.length > 14 ? `${k.key.name.slice(0, 12)}…` : k.key.name}
                            </span>
                          </NodeLink>
                          <Group gap={4}>
                            <KeyTypeBadge keyType={k.keyType} />
                            <KeyStatusBadge missing={k.key.missing} disabled={k.disabled} />
                          </Group>
                        </Stack>
                      </TableTd>
                      <TableTd>
                        <KeyCreated validAfter={k.validAfter} ageDays={k.ageDays} userManaged={k.userManaged} />
                      </TableTd>
                      <TableTd>
                        <KeyValidUntil validBefore={k.validBefore} neverExpires={k.neverExpires} now={now} />
                      </TableTd>
                      <TableTd>
                        <LastUseValue lastUse={k.lastUse} now={now} subject={k.userManaged ? 'user-key' : 'google-key'} />
                      </TableTd>
                      <TableTd>
                        {k.holders.length ? (
                          <Stack gap={4}>
                            {k.holders.map((h) => (
                              <NodeChip key={h.secret.id} node={h.secret} asOf={spec} />
                            ))}
                          </Stack>
                        ) : (
                          <Text size="sm" c="dimmed">
                            {k.userManaged ? 'no Secret seen' : '—'}
                          </Text>
                        )}
                      </TableTd>
                    </TableTr>
                  ))}
                </TableTbody>
              </Table>
            </TableScrollContainer>
          ) : (
            <Text size="sm" c="dimmed">
              No keys recorded for it.
            </Text>
          )}
        </Stack>

        <Stack gap="xs">
          <SubHeading
            title="Kubernetes ServiceAccounts acting as it (Workload Identity)"
            count={v.identities.length + v.unmatchedMembers.length}
            description="Both halves are needed: the iam.gke.io/gcp-service-account annotation on the Kubernetes ServiceAccount, and roles/iam.workloadIdentityUser for it on this account."
          />
          {v.identities.length || v.unmatchedMembers.length ? (
            <TableScrollContainer minWidth={820}>
              <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="wi-identities">
                <TableThead>
                  <TableTr>
                    <TableTh w="30%">Kubernetes ServiceAccount</TableTh>
                    <TableTh w="24%">Halves</TableTh>
                    <TableTh>Runs as it</TableTh>
                  </TableTr>
                </TableThead>
                <TableTbody>
                  {v.identities.map((i) => {
                    const complete = i.annotation && i.binding === true;
                    return (
                      <TableTr
                        key={i.ksa.id}
                        data-testid="wi-identity"
                        data-ksa-id={i.ksa.id}
                        data-annotation={String(i.annotation)}
                        data-binding={i.binding === null ? 'unknown' : String(i.binding)}
                        style={{ verticalAlign: 'top' }}
                      >
                        <TableTd>
                          <Stack gap={4}>
                            <NodeChip node={i.ksa} asOf={spec} />
                            <Text size="xs" c="dimmed">
                              cluster {i.ksa.realm}
                            </Text>
                          </Stack>
                        </TableTd>
                        <TableTd>
                          <Stack gap={6}>
                            <Group gap={4}>
                              <HalfBadge half="annotation" state={i.annotation} />
                              <HalfBadge half="binding" state={i.binding} />
                            </Group>
                            <Text size="xs" c={complete ? 'teal.8' : i.binding === null ? 'dimmed' : 'red.8'} data-testid="wi-verdict">
                              {complete
                                ? 'complete: pods get this identity'
                                : i.binding === null
                                  ? 'binding unknown (policy not read)'
                                  : i.annotation
                                    ? 'half-configured: token exchange is refused'
                                    : 'half-configured: pods do not use this identity'}
                            </Text>
                          </Stack>
                        </TableTd>
                        <TableTd>
                          <ConsumerList workloads={i.workloads} pods={i.pods} asOf={spec} empty="No workload or pod runs as this ServiceAccount." />
                        </TableTd>
                      </TableTr>
                    );
                  })}
                  {v.unmatchedMembers.map((m) => (
                    <TableTr key={m.member} data-testid="wi-unmatched" data-member={m.member} style={{ verticalAlign: 'top' }}>
                      <TableTd>
                        <Stack gap={4}>
                          <Code>
                            {m.namespace}/{m.ksa}
                          </Code>
                          <Text size="xs" c="dimmed">
                            no such ServiceAccount in a collected cluster
                          </Text>
                        </Stack>
                      </TableTd>
                      <TableTd>
                        <Group gap={4}>
                          <HalfBadge half="annotation" state={false} />
                          <HalfBadge half="binding" state={true} />
                        </Group>
                      </TableTd>
                      <TableTd>
                        <Text size="sm" c="dimmed">
                          <Code fz={11}>{m.member}</Code>
                        </Text>
                      </TableTd>
                    </TableTr>
                  ))}
                </TableTbody>
              </Table>
            </TableScrollContainer>
          ) : (
            <Text size="sm" c="dimmed" data-testid="wi-none">
              {v.policyKnown
                ? 'No Kubernetes ServiceAccount is annotated for it and its IAM policy grants workloadIdentityUser to none.'
                : 'No Kubernetes ServiceAccount is annotated for it. Its IAM policy was not read, so bindings are unknown.'}
            </Text>
          )}
        </Stack>

        <Stack gap="xs">
          <SubHeading
            title="Reached through key files"
            count={viaKeys.reduce((n, k) => n + k.holders.length, 0)}
            description="Secrets holding a key file of this account, and the workloads and pods that read them."
          />
          {viaKeys.length ? (
            <TableScrollContainer minWidth={720}>
              <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="sa-key-consumers">
                <TableThead>
                  <TableTr>
                    <TableTh w="30%">Secret</TableTh>
                    <TableTh w="24%">Key</TableTh>
                    <TableTh>Read by</TableTh>
                  </TableTr>
                </TableThead>
                <TableTbody>
                  {viaKeys.flatMap((k) =>
                    k.holders.map((h) => (
                      <TableTr key={`${k.key.id}|${h.secret.id}`} data-testid="sa-key-holder" data-secret-id={h.secret.id} style={{ verticalAlign: 'top' }}>
                        <TableTd>
                          <NodeChip node={h.secret} asOf={spec} />
                        </TableTd>
                        <TableTd>
                          <Group gap={4} wrap="nowrap">
                            <NodeLink id={k.key.id} asOf={spec}>
                              <span className="kg-mono">{k.key.name.slice(0, 12)}…</span>
                            </NodeLink>
                            {k.key.missing ? <KeyStatusBadge missing disabled={false} /> : null}
                          </Group>
                        </TableTd>
                        <TableTd>
                          <ConsumerList workloads={h.workloads} pods={h.pods} asOf={spec} empty="Nothing keygraph has seen reads this Secret." />
                        </TableTd>
                      </TableTr>
                    )),
                  )}
                </TableTbody>
              </Table>
            </TableScrollContainer>
          ) : (
            <Text size="sm" c="dimmed">
              No Secret in a collected cluster holds a key file of this account.
            </Text>
          )}
        </Stack>
      </Stack>
    </Card>
  );
}
