import type { Metadata } from 'next';
import { Code, Stack, Text } from '@mantine/core';
import { db } from '@/lib/db';
import { listRuns } from '@/lib/store/read';
import { pageParam, type SearchParams } from '@/lib/ui/params';
import { EmptyState } from '../_components/EmptyState';
import { AppLink } from '../_components/NodeLink';
import { PageTitle } from '../_components/PageTitle';
import { RunsTable } from '../_components/RunsTable';
import { ScheduledCollectionsCard } from '../_components/ScheduledCollections';
import { listScheduledCollections } from '@/lib/schedule/read';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Runs' };

const PAGE_SIZE = 100;

export default async function RunsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const page = pageParam(await searchParams);
  const runs = await listRuns(db(), { limit: PAGE_SIZE + 1, offset: (page - 1) * PAGE_SIZE });
  const more = runs.length > PAGE_SIZE;
  const shown = runs.slice(0, PAGE_SIZE);
  const scheduled = page === 1 ? await listScheduledCollections(db()) : [];

  return (
    <Stack gap="lg">
      <PageTitle
        title="Runs"
        description="Every collection, newest first. A run replaces what its source and scope said before, only for the kinds it listed completely."
      />
      <ScheduledCollectionsCard entries={scheduled} />
      {shown.length === 0 ? (
        <EmptyState title={page > 1 ? 'No more runs' : 'No collection has run yet'}>
          Collect with <Code>keygraph collect files DIR --cluster NAME</Code>, <Code>keygraph collect k8s --context CTX</Code>{' '}
          or try <Code>keygraph demo</Code>.
        </EmptyState>
      ) : (
        <RunsTable runs={shown} withCounts />
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
