/**
 * The table of collection runs (run, source, scope, status, start, duration), newest first as given: the overview's
 * "Latest collections" and the runs page. Server component.
 */
import { Card, Table, TableScrollContainer, TableTbody, TableTd, TableTh, TableThead, TableTr, Text } from '@mantine/core';
import type { RunView } from '@/lib/store/read';
import { formatDuration, runDurationMs, runHref } from '@/lib/ui/format';
import { ChangeCounts } from '../runs/counts';
import { RunStatusBadge } from './badges';
import { AppLink } from './NodeLink';
import { TimeText } from './TimeText';

/**
 * One row per run, in a bordered card. `withCounts` adds the node and edge change counts (`+added ~changed −removed`), a horizontal
 * scroll container for them, and the `runs-table` test id and `data-run-id` row attributes of the runs page.
 */
export function RunsTable({ runs, withCounts = false }: { runs: RunView[]; withCounts?: boolean }) {
  const table = (
    <Table verticalSpacing="sm" horizontalSpacing="md" highlightOnHover data-testid={withCounts ? 'runs-table' : undefined}>
      <TableThead>
        <TableTr>
          <TableTh>Run</TableTh>
          <TableTh>Source</TableTh>
          <TableTh>Scope</TableTh>
          <TableTh>Status</TableTh>
          <TableTh>Started</TableTh>
          <TableTh>Duration</TableTh>
          {withCounts ? (
            <>
              <TableTh>Nodes</TableTh>
              <TableTh>Edges</TableTh>
            </>
          ) : null}
        </TableTr>
      </TableThead>
      <TableTbody>
        {runs.map((r) => (
          <TableTr key={r.id} data-run-id={withCounts ? r.id : undefined}>
            <TableTd>
              <AppLink href={runHref(r.id)} fw={600}>
                #{r.id}
              </AppLink>
            </TableTd>
            <TableTd>{r.source}</TableTd>
            <TableTd>
              <Text size="sm" className="kg-mono">
                {r.scope}
              </Text>
            </TableTd>
            <TableTd>
              <RunStatusBadge status={r.status} />
            </TableTd>
            <TableTd>
              <TimeText value={r.startedAt} />
            </TableTd>
            <TableTd>{formatDuration(runDurationMs(r))}</TableTd>
            {withCounts ? (
              <>
                <TableTd>
                  <ChangeCounts counts={r.counts?.nodes} />
                </TableTd>
                <TableTd>
                  <ChangeCounts counts={r.counts?.edges} />
                </TableTd>
              </>
            ) : null}
          </TableTr>
        ))}
      </TableTbody>
    </Table>
  );
  return (
    <Card withBorder padding={0} radius="md">
      {withCounts ? <TableScrollContainer minWidth={900}>{table}</TableScrollContainer> : table}
    </Card>
  );
}
