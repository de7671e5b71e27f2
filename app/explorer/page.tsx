/**
 * `/explorer?id=…`: a cytoscape view of a node's neighbourhood, expandable both ways (app/explorer/Explorer.tsx).
 * The first view is computed here, on the server, so the graph draws without a second round trip; later changes
 * are fetched from /api/v1/graph. URL parameters: lib/ui/neighbourhood-view.ts.
 */
import type { Metadata } from 'next';
import { Stack, Text } from '@mantine/core';
import { db } from '@/lib/db';
import { parseId } from '@/lib/graph/ids';
import { neighbourhood } from '@/lib/store/neighbourhood';
import { parseExplorerState } from '@/lib/ui/neighbourhood-view';
import { kindStyle, nodeHref } from '@/lib/ui/format';
import { hidesData, readOptionsFrom, withAsOf, type SearchParams } from '@/lib/ui/params';
import { AsOfBanner, pageAsOf } from '../_components/AsOfBanner';
import { EmptyState } from '../_components/EmptyState';
import { AnchorLink } from '../_components/links';
import { DisplayName } from '../_components/NodeLink';
import { PageTitle } from '../_components/PageTitle';
import { Explorer } from './Explorer';

export const dynamic = 'force-dynamic';

type PageArgs = { searchParams: Promise<SearchParams> };

function toParams(sp: SearchParams): URLSearchParams {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(sp)) for (const x of Array.isArray(v) ? v : v === undefined ? [] : [v]) u.append(k, x);
  return u;
}

export async function generateMetadata({ searchParams }: PageArgs): Promise<Metadata> {
  const id = toParams(await searchParams).get('id');
  const p = id ? parseId(id) : null;
  return { title: p ? `Explorer: ${p.name} (${kindStyle(p.provider, p.kind).label})` : 'Explorer' };
}

export default async function ExplorerPage({ searchParams }: PageArgs) {
  const sp = await searchParams;
  const state = parseExplorerState(toParams(sp));
  const title = 'Graph explorer';
  if (!state.id || !parseId(state.id)) {
    return (
      <Stack gap="md">
        <PageTitle title={title} />
        <EmptyState title={state.id ? 'Not a keygraph node id' : 'Pick a node to explore'}>
          Open the explorer from a node’s page (“Open in explorer”), or give a node id:{' '}
          <Text span className="kg-mono">
            /explorer?id=k8s:CLUSTER/NAMESPACE/KIND/NAME
          </Text>
          . <AnchorLink href="/search" underline="always">Search the inventory</AnchorLink>.
        </EmptyState>
      </Stack>
    );
  }
  const database = db();
  const asOf = await pageAsOf(sp);
  const banner = <AsOfBanner asOf={asOf} nowHref={`/explorer?id=${encodeURIComponent(state.id)}`} />;
  if (hidesData(asOf)) return banner; // invalid time, or no data at that time
  const initial = await neighbourhood(database, {
    ...readOptionsFrom(asOf),
    root: { id: state.id, depth: state.depth },
    expand: state.expanded,
    groups: state.groups,
    threshold: state.threshold,
    pageSize: state.pageSize,
  });
  const root = initial.fragments[0]?.nodes[0];
  const p = parseId(state.id)!;
  return (
    <Stack gap={0}>
      {banner}
      <PageTitle
        title={title}
        description={
          <>
            Around{' '}
            <AnchorLink href={withAsOf(nodeHref(state.id), asOf.spec)} fw={600} data-testid="explorer-root-link">
              {kindStyle(p.provider, p.kind).label} <DisplayName text={`${p.namespace ? `${p.namespace}/` : ''}${p.name}`} />
            </AnchorLink>
            {root?.missing ? ' (missing)' : ''}
            {asOf.spec ? ` as of ${asOf.spec}` : ''}: what points at it on the left, what it points at on the right.
          </>
        }
      />
      <Explorer key={state.id} initialState={state} initial={initial} />
    </Stack>
  );
}
