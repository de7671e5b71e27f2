import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import {
  Alert,
  Badge,
  Breadcrumbs,
  Card,
  Code,
  Group,
  SimpleGrid,
  Stack,
  Table,
  TableScrollContainer,
  TableTbody,
  TableTd,
  TableTh,
  TableThead,
  TableTr,
  Text,
  Title,
} from '@mantine/core';
import { db } from '@/lib/db';
import { getRun } from '@/lib/store/read';
import { previousRun } from '@/lib/store/history';
import { runChangesHref } from '@/lib/ui/params';
import { AnchorLink, ButtonLink } from '../../_components/links';
import { NODE_KIND_KEYS } from '@/lib/graph/model';
import { formatDuration, runDurationMs, searchHref } from '@/lib/ui/format';
import { KindBadge, RunStatusBadge } from '../../_components/badges';
import { AppLink, DisplayName } from '../../_components/NodeLink';
import { TimeText } from '../../_components/TimeText';
import { IconAlert } from '../../_components/icons';
import { ChangeCounts } from '../counts';

export const dynamic = 'force-dynamic';

type Args = { params: Promise<{ id: string }> };

function runId(raw: string): number | null {
  return /^[1-9][0-9]{0,15}$/.test(raw) ? Number(raw) : null;
}

export async function generateMetadata({ params }: Args): Promise<Metadata> {
  const { id } = await params;
  return { title: runId(id) ? `Run #${id}` : 'Run' };
}

function Stat({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed" fw={500} tt="uppercase" style={{ letterSpacing: '0.04em' }}>
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </Stack>
  );
}

function InputValue({ v }: { v: unknown }) {
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) {
    return (
      <Group gap={6}>
        {(v as string[]).map((s) => (
          <Code key={s}>{s}</Code>
        ))}
      </Group>
    );
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return <Code>{String(v)}</Code>;
  return <Code block>{JSON.stringify(v, null, 2)}</Code>;
}

export default async function RunPage({ params }: Args) {
  const { id: raw } = await params;
  const id = runId(raw);
  if (!id) notFound();
  const run = await getRun(db(), id);
  if (!run) notFound();
  const previous = run.committedAt ? await previousRun(db(), run.id) : null;

  const coverage = Object.entries(run.coverage ?? {}).sort(([a], [b]) => {
    const ia = NODE_KIND_KEYS.indexOf(a as (typeof NODE_KIND_KEYS)[number]);
    const ib = NODE_KIND_KEYS.indexOf(b as (typeof NODE_KIND_KEYS)[number]);
    return (ia < 0 ? 999 : ia) - (ib < 0 ? 999 : ib) || a.localeCompare(b);
  });
  const incomplete = coverage.filter(([, c]) => !c.complete);
  const placeholders = typeof run.counts?.placeholders === 'number' ? run.counts.placeholders : null;
  const inputs = Object.entries(run.inputs ?? {});
  const errors = Array.isArray(run.errors) ? run.errors : [];
  const skipped = Array.isArray(run.skipped) ? run.skipped : [];
  const skippedTotal = typeof run.counts?.skipped === 'number' ? run.counts.skipped : skipped.length;
  const skippedByReason = [...skipped.reduce((m, s) => m.set(s.reason, (m.get(s.reason) ?? 0) + 1), new Map<string, number>())].sort(
    (a, b) => b[1] - a[1] || a[0].localeCompare(b[0]),
  );

  return (
    <Stack gap="lg">
      <Breadcrumbs separator="/" fz="sm">
        <AppLink href="/runs" size="sm">
          Runs
        </AppLink>
        <Text size="sm" c="dimmed">
          #{run.id}
        </Text>
      </Breadcrumbs>
      <Group gap="sm" align="center" justify="space-between">
        <Group gap="sm" align="center">
          <Title order={1} fz={26}>
            Run #{run.id}
          </Title>
          <RunStatusBadge status={run.status} />
        </Group>
        {run.committedAt ? (
          <ButtonLink
            href={runChangesHref({ id: run.id, scope: run.scope, committedAt: run.committedAt }, previous)}
            variant="light"
            data-testid="run-changes"
          >
            {previous ? `Changes in this run (since run ${previous.id})` : 'Changes in this run'}
          </ButtonLink>
        ) : null}
      </Group>

      {run.status === 'failed' ? (
        <Alert color="red" variant="light" icon={<IconAlert size={18} />} title="This run failed">
          Nothing it collected was applied: the inventory still shows what the previous runs of {run.source}/{run.scope} said.
        </Alert>
      ) : run.status === 'partial' ? (
        <Alert color="yellow" variant="light" icon={<IconAlert size={18} />} title="Partial collection">
          {incomplete.length} kind{incomplete.length === 1 ? ' was' : 's were'} not listed completely; their previous state was
          kept. Impact answers that depend on them say “unknown”.
        </Alert>
      ) : run.status === 'running' ? (
        <Alert color="blue" variant="light" title="Still running">
          This collection has not been committed yet.
        </Alert>
      ) : null}

      <Card withBorder padding="lg" radius="md">
        <SimpleGrid cols={{ base: 2, sm: 3, md: 6 }} spacing="lg">
          <Stat label="Source">{run.source}</Stat>
          <Stat label="Scope">
            <Text span className="kg-mono">
              {run.scope}
            </Text>
          </Stat>
          <Stat label="Started">
            <TimeText value={run.startedAt} />
          </Stat>
          <Stat label="Duration">{formatDuration(runDurationMs(run))}</Stat>
          <Stat label="Nodes">
            <ChangeCounts counts={run.counts?.nodes} />
          </Stat>
          <Stat label="Edges">
            <ChangeCounts counts={run.counts?.edges} />
          </Stat>
        </SimpleGrid>
        {placeholders !== null ? (
          <Text size="sm" c="dimmed" mt="md">
            {placeholders} missing object{placeholders === 1 ? '' : 's'} referenced by this scope after this run.{' '}
            {placeholders ? <AnchorLink href={searchHref({ missing: true, realm: run.scope })} underline="always">List them</AnchorLink> : null}
          </Text>
        ) : null}
      </Card>

      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg" style={{ alignItems: 'start' }}>
        <Card withBorder padding="lg" radius="md" component="section" data-testid="coverage">
          <Stack gap="sm">
            <Title order={2} fz="lg">
              Coverage
            </Title>
            <Text size="sm" c="dimmed">
              Kinds listed completely replace what this scope said before (only in the namespaces named, when some are);
              incomplete kinds keep their previous state.
            </Text>
            {coverage.length ? (
              <Table verticalSpacing={6} horizontalSpacing="sm">
                <TableThead>
                  <TableTr>
                    <TableTh>Kind</TableTh>
                    <TableTh ta="right">Listed</TableTh>
                    <TableTh>Result</TableTh>
                  </TableTr>
                </TableThead>
                <TableTbody>
                  {coverage.map(([key, c]) => {
                    const [provider, kind] = key.includes(':') ? (key.split(':', 2) as [string, string]) : ['k8s', key];
                    return (
                      <TableTr key={key}>
                        <TableTd>
                          <KindBadge provider={provider} kind={kind} />
                        </TableTd>
                        <TableTd ta="right" style={{ fontVariantNumeric: 'tabular-nums' }}>
                          {c.count}
                        </TableTd>
                        <TableTd>
                          {c.complete && c.namespaces ? (
                            <Group gap={6} wrap="nowrap">
                              <Badge color="teal" variant="light" size="sm" radius="sm">
                                complete in
                              </Badge>
                              <Text size="xs" c="dimmed" className="kg-mono" data-testid="coverage-namespaces">
                                {c.namespaces.join(', ')}
                              </Text>
                            </Group>
                          ) : c.complete ? (
                            <Badge color="teal" variant="light" size="sm" radius="sm">
                              complete
                            </Badge>
                          ) : (
                            <Group gap={6} wrap="nowrap">
                              <Badge color="yellow" variant="light" size="sm" radius="sm">
                                incomplete
                              </Badge>
                              {c.error ? (
                                <Text size="xs" c="dimmed">
                                  {c.error}
                                </Text>
                              ) : null}
                            </Group>
                          )}
                        </TableTd>
                      </TableTr>
                    );
                  })}
                </TableTbody>
              </Table>
            ) : (
              <Text size="sm" c="dimmed" fs="italic">
                No kind was listed.
              </Text>
            )}
          </Stack>
        </Card>

        <Stack gap="lg">
          <Card withBorder padding="lg" radius="md" component="section" data-testid="errors">
            <Stack gap="sm">
              <Group gap={8}>
                <Title order={2} fz="lg">
                  Errors
                </Title>
                <Badge color={errors.length ? 'red' : 'gray'} variant="light" radius="sm">
                  {errors.length}
                </Badge>
              </Group>
              {errors.length ? (
                <TableScrollContainer minWidth={400}>
                  <Table verticalSpacing={6} horizontalSpacing="sm">
                    <TableThead>
                      <TableTr>
                        <TableTh>Where</TableTh>
                        <TableTh>Message</TableTh>
                      </TableTr>
                    </TableThead>
                    <TableTbody>
                      {errors.map((e, i) => (
                        <TableTr key={i}>
                          <TableTd style={{ verticalAlign: 'top' }}>
                            <Text size="sm" className="kg-mono">
                              {e.where}
                            </Text>
                          </TableTd>
                          <TableTd>
                            <Text size="sm">{e.message}</Text>
                          </TableTd>
                        </TableTr>
                      ))}
                    </TableTbody>
                  </Table>
                </TableScrollContainer>
              ) : (
                <Text size="sm" c="dimmed" fs="italic">
                  No errors.
                </Text>
              )}
            </Stack>
          </Card>

          <Card withBorder padding="lg" radius="md" component="section" data-testid="skipped">
            <Stack gap="sm">
              <Group gap={8}>
                <Title order={2} fz="lg">
                  Skipped documents
                </Title>
                <Badge color={skippedTotal ? 'yellow' : 'gray'} variant="light" radius="sm">
                  {skippedTotal}
                </Badge>
              </Group>
              {skipped.length ? (
                <>
                  <Text size="sm" c="dimmed">
                    Input documents this run did not map (they do not make it partial):{' '}
                    {skippedByReason.map(([r, n]) => `${r} ${n}`).join(', ')}
                    {skippedTotal > skipped.length ? ` — the first ${skipped.length} of ${skippedTotal} are kept.` : '.'}
                  </Text>
                  <TableScrollContainer minWidth={500}>
                    <Table verticalSpacing={6} horizontalSpacing="sm">
                      <TableThead>
                        <TableTr>
                          <TableTh>Reason</TableTh>
                          <TableTh>Object</TableTh>
                          <TableTh>Where</TableTh>
                          <TableTh>Message</TableTh>
                        </TableTr>
                      </TableThead>
                      <TableTbody>
                        {skipped.map((s, i) => (
                          <TableTr key={i}>
                            <TableTd style={{ verticalAlign: 'top' }}>
                              <Badge color="gray" variant="light" size="sm" radius="sm">
                                {s.reason}
                              </Badge>
                            </TableTd>
                            <TableTd style={{ verticalAlign: 'top' }}>
                              <Text size="sm" className="kg-mono" component="div">
                                <DisplayName text={[s.kind, [s.namespace, s.name].filter((x) => x !== undefined).join('/')].filter(Boolean).join(' ')} />
                              </Text>
                            </TableTd>
                            <TableTd style={{ verticalAlign: 'top' }}>
                              <Text size="sm" className="kg-mono" component="div">
                                <DisplayName text={s.where} />
                              </Text>
                            </TableTd>
                            <TableTd>
                              <Text size="sm" component="div">
                                <DisplayName text={s.message} />
                              </Text>
                            </TableTd>
                          </TableTr>
                        ))}
                      </TableTbody>
                    </Table>
                  </TableScrollContainer>
                </>
              ) : (
                <Text size="sm" c="dimmed" fs="italic">
                  No document was skipped.
                </Text>
              )}
            </Stack>
          </Card>

          <Card withBorder padding="lg" radius="md" component="section" data-testid="inputs">
            <Stack gap="sm">
              <Title order={2} fz="lg">
                Inputs
              </Title>
              {inputs.length ? (
                <Table className="kg-kv" verticalSpacing={6} horizontalSpacing="sm">
                  <TableTbody>
                    {inputs.map(([k, v]) => (
                      <TableTr key={k}>
                        <TableTh scope="row">
                          <Text size="sm" c="dimmed" fw={500}>
                            {k}
                          </Text>
                        </TableTh>
                        <TableTd>
                          <InputValue v={v} />
                        </TableTd>
                      </TableTr>
                    ))}
                  </TableTbody>
                </Table>
              ) : (
                <Text size="sm" c="dimmed" fs="italic">
                  None recorded.
                </Text>
              )}
            </Stack>
          </Card>
        </Stack>
      </SimpleGrid>
    </Stack>
  );
}

