/**
 * The "Scheduled collections" card of the runs page: the entries of `keygraph serve --schedule` / `--collect …
 * --every …` (lib/schedule), each with its command, interval, next run (relative, exact time in a tooltip), last
 * status and a link to its last run. Nothing when no collection is scheduled. Server component.
 */
import { Badge, Card, Code, Group, Table, TableScrollContainer, TableTbody, TableTd, TableTh, TableThead, TableTr, Text, Title } from '@mantine/core';
import type { ScheduledCollectionView } from '@/lib/schedule/read';
import { formatDate, formatRelative, isoDate, runHref } from '@/lib/ui/format';
import { formatDuration } from '@/lib/schedule/parse';
import { AppLink } from './NodeLink';
import { Tip } from './Tip';
import { TimeText } from './TimeText';

const STATUS_COLOR: Record<string, string> = { ok: 'teal', partial: 'yellow', failed: 'red', running: 'blue' };

/** A time as "in 4 minutes" / "3 minutes ago", the exact time in a tooltip. */
function Relative({ value, now }: { value: Date; now: Date }) {
  const iso = isoDate(value)!;
  return (
    <Tip label={formatDate(value)} withArrow openDelay={300}>
      <Text size="sm" span component="time" dateTime={iso} style={{ whiteSpace: 'nowrap' }}>
        {value.getTime() <= now.getTime() ? 'due now' : formatRelative(value, now)}
      </Text>
    </Tip>
  );
}

export function ScheduledCollectionsCard({ entries, now = new Date() }: { entries: ScheduledCollectionView[]; now?: Date }) {
  if (!entries.length) return null;
  return (
    <Card withBorder padding="md" radius="md" data-testid="scheduled-collections">
      <Title order={2} size="h4" mb="xs">
        Scheduled collections
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Run by <Code>keygraph serve</Code> on this database; a run still going when the next is due makes that one skipped.
      </Text>
      <TableScrollContainer minWidth={760}>
        <Table verticalSpacing="sm" horizontalSpacing="md">
          <TableThead>
            <TableTr>
              <TableTh>Name</TableTh>
              <TableTh>Command</TableTh>
              <TableTh>Every</TableTh>
              <TableTh>Next run</TableTh>
              <TableTh>Last run</TableTh>
              <TableTh>Finished</TableTh>
            </TableTr>
          </TableThead>
          <TableTbody>
            {entries.map((e) => {
              const status = e.running ? 'running' : e.lastStatus;
              return (
                <TableTr key={e.name} data-testid="scheduled-collection" data-name={e.name}>
                  <TableTd>
                    <Text size="sm" fw={600}>
                      {e.name}
                    </Text>
                  </TableTd>
                  <TableTd>
                    <Code>keygraph collect {e.command}</Code>
                  </TableTd>
                  <TableTd>
                    <Text size="sm" span style={{ whiteSpace: 'nowrap' }}>
                      {formatDuration(e.everyMs)}
                      {e.jitterMs ? <Text size="xs" c="dimmed" span> ± {formatDuration(e.jitterMs)}</Text> : null}
                    </Text>
                  </TableTd>
                  <TableTd>
                    <Relative value={e.nextRunAt} now={now} />
                  </TableTd>
                  <TableTd>
                    <Group gap={6} wrap="nowrap">
                      {status ? (
                        <Tip label={e.lastError ?? (e.lastExitCode !== null ? `exit code ${e.lastExitCode}` : status)} multiline w={320} withArrow>
                          <Badge color={STATUS_COLOR[status] ?? 'gray'} variant="light" size="sm" radius="sm" data-testid="scheduled-status" data-status={status}>
                            {status}
                          </Badge>
                        </Tip>
                      ) : (
                        <Text size="sm" c="dimmed" span>
                          not run yet
                        </Text>
                      )}
                      {e.lastRunId !== null ? (
                        <AppLink href={runHref(e.lastRunId)} fw={600}>
                          #{e.lastRunId}
                        </AppLink>
                      ) : null}
                      {e.skippedCount ? (
                        <Tip label={`due runs skipped because the previous run was still going; last ${e.lastSkippedAt ? formatRelative(e.lastSkippedAt, now) : ''}`} withArrow>
                          <Badge color="gray" variant="outline" size="sm" radius="sm">
                            {e.skippedCount} skipped
                          </Badge>
                        </Tip>
                      ) : null}
                    </Group>
                    {e.lastStatus === 'failed' && e.lastError ? (
                      <Text size="xs" c="red" lineClamp={2} mt={4}>
                        {e.lastError}
                      </Text>
                    ) : null}
                  </TableTd>
                  <TableTd>
                    <TimeText value={e.lastFinishedAt} />
                  </TableTd>
                </TableTr>
              );
            })}
          </TableTbody>
        </Table>
      </TableScrollContainer>
    </Card>
  );
}
