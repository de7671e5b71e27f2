import type { Metadata } from 'next';
import {
  Card,
  Code,
  Stack,
  Table,
  TableScrollContainer,
  TableTbody,
  TableTd,
  TableTh,
  TableThead,
  TableTr,
  Text,
} from '@mantine/core';
import { db } from '@/lib/db';
import { listRuns } from '@/lib/store/read';
import { formatDuration, runDurationMs, runHref } from '@/lib/ui/format';
import { pageParam, type SearchParams } from '@/lib/ui/params';
import { RunStatusBadge } from '../_components/badges';
import { EmptyState } from '../_components/EmptyState';
import { AppLink } from '../_components/NodeLink';
import { PageTitle } from '../_components/PageTitle';
import { TimeText } from '../_components/TimeText';
import { ChangeCounts } from './counts';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Runs' };

const PAGE_SIZE = 100;

export default async function RunsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const page = pageParam(await searchParams);
  const runs = await listRuns(db(), { limit: PAGE_SIZE + 1, offset: (page - 1) * PAGE_SIZE });
  const more = runs.length > PAGE_SIZE;
  const shown = runs.slice(0, PAGE_SIZE);

  return (
    <Stack gap="lg">
      <PageTitle
        title="Runs"
        description="Every collection, newest first. A run replaces what its source and scope said before, only for the kinds it listed completely."
      />
      {shown.length === 0 ? (
        <EmptyState title={page > 1 ? 'No more runs' : 'No collection has run yet'}>
          Collect with <Code>keygraph collect files DIR --cluster NAME</Code>, <Code>keygraph collect k8s --context CTX</Code>{' '}
          or try <Code>keygraph demo</Code>.
        </EmptyState>
      ) : (
        <Card withBorder padding={0} radius="md">
          <TableScrollContainer minWidth={900}>
            <Table verticalSpacing="sm" horizontalSpacing="md" highlightOnHover data-testid="runs-table">
              <TableThead>
                <TableTr>
                  <TableTh>Run</TableTh>
                  <TableTh>Source</TableTh>
                  <TableTh>Scope</TableTh>
                  <TableTh>Status</TableTh>
                  <TableTh>Started</TableTh>
                  <TableTh>Duration</TableTh>
                  <TableTh>Nodes</TableTh>
                  <TableTh>Edges</TableTh>
                </TableTr>
              </TableThead>
              <TableTbody>
                {shown.map((r) => (
                  <TableTr key={r.id} data-run-id={r.id}>
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
                    <TableTd>
                      <ChangeCounts counts={r.counts?.nodes} />
                    </TableTd>
                    <TableTd>
                      <ChangeCounts counts={r.counts?.edges} />
                    </TableTd>
                  </TableTr>
                ))}
              </TableTbody>
            </Table>
          </TableScrollContainer>
        </Card>
      )}
      {page > 1 || more ? (
        <Text size="sm">
          {page > 1 ? <AppLink href={`/runs?page=${page - 1}`}>← Newer</AppLink> : null}
          {page > 1 && more ? ' · ' : null}
          {more ? <AppLink href={`/runs?page=${page + 1}`}>Older →</AppLink> : null}
        </Text>
      ) : null}
    </Stack>
  );
}
