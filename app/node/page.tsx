import { Suspense } from 'react';
import type { Metadata } from 'next';
import { notFound, redirect } from 'next/navigation';
import {
  Accordion,
  AccordionControl,
  AccordionItem,
  AccordionPanel,
  Alert,
  Anchor,
  Badge,
  Breadcrumbs,
  Card,
  Skeleton,
  Code,
  Group,
  Stack,
  Table,
  TableTbody,
  TableTd,
  TableTh,
  TableThead,
  TableTr,
  Text,
  Title,
} from '@mantine/core';
import { db } from '@/lib/db';
import { getEdges, getNode, getOwnership } from '@/lib/store/read';
import { getNodeHistory } from '@/lib/store/history';
import { parseId } from '@/lib/graph/ids';
import { EDGE_KINDS } from '@/lib/graph/model';
import { clipDeep, formatDate, kindStyle, nodeHref, providerLabel, realmNoun, runHref, searchHref } from '@/lib/ui/format';
import { hidesData, param, readOptionsFrom, withAsOf, type SearchParams } from '@/lib/ui/params';
import { CopyId } from '../_components/CopyId';
import { KindBadge, MissingBadge } from '../_components/badges';
import { AppLink, DisplayName } from '../_components/NodeLink';
import { displayText } from '@/lib/graph/describe';
import { TimeText } from '../_components/TimeText';
import { IconAlert } from '../_components/icons';
import { PropertyTable, propertyRows } from './Properties';
import { ALL_ROWS, DEFAULT_ROWS, RelationSection } from './Relations';
import { AnchorLink, ButtonLink } from '../_components/links';
import { explorerHref } from '@/lib/ui/neighbourhood-view';
import { AsOfBanner, pageAsOf } from '../_components/AsOfBanner';
import { HistoryCard } from './History';
import { NodeFindings } from '../_components/NodeFindings';
import { ImpactPanel } from '../_components/ImpactPanel';
import { GcpKey } from './GcpKey';
import { AccessCard } from './Access';
import { nodeAccess } from '@/lib/analysis/access';
import { SecretManagerSecret } from './SecretManagerSecret';
import { GcpServiceAccount } from './GcpServiceAccount';
import { ImpactActionForm, impactActionsFor } from './ImpactActionForm';
import { TriageHeader } from './Triage';

export const dynamic = 'force-dynamic';

type PageArgs = { searchParams: Promise<SearchParams> };

export async function generateMetadata({ searchParams }: PageArgs): Promise<Metadata> {
  const id = param(await searchParams, 'id');
  const p = id ? parseId(id) : null;
  return { title: p ? `${displayText(p.name)} (${kindStyle(p.provider, p.kind).label})` : 'Node' };
}

export default async function NodePage({ searchParams }: PageArgs) {
  const sp = await searchParams;
  const id = param(sp, 'id');
  if (!id) redirect('/search');
  // Not an id at all: a real 404 (not-found.tsx tells a malformed id from an unknown one).
  if (!parseId(id)) notFound();

  const asOf = await pageAsOf(sp);
  const banner = <AsOfBanner asOf={asOf} nowHref={nodeHref(id)} />;
  if (hidesData(asOf)) return banner; // invalid time, or no data at that time
  const opts = readOptionsFrom(asOf);
  /** Links on this page keep the time shown. */
  const at = (href: string) => withAsOf(href, asOf.spec);
  const database = db();
  const [node, inbound, outbound, history, access] = await Promise.all([
    getNode(database, id, opts),
    getEdges(database, id, 'in', opts),
    getEdges(database, id, 'out', opts),
    getNodeHistory(database, id),
    nodeAccess(database, id, opts),
  ]);
  if (!node && asOf.state === 'past' && history) {
    return <NotAtThisTime id={id} at={asOf.at} banner={banner} history={<HistoryCard id={id} history={history} asOf={asOf} />} />;
  }
  if (!node) notFound();
  // Used by nests ReplicaSets and Pods under the Deployment (or CronJob, Job…) that owns them.
  const ownership = await getOwnership(database, inbound.map((e) => e.other.id), opts);

  const style = kindStyle(node.provider, node.kind);
  const rows = propertyRows(node, asOf.at ?? new Date(), asOf.spec);
  // For a missing Secret: the data keys its references expect (what a re-created Secret must contain).
  const expectedKeys = node.missing && (node.kind === 'Secret' || node.kind === 'ConfigMap')
    ? [...new Set(inbound.flatMap((e) => (Array.isArray(e.properties.keys) ? (e.properties.keys as unknown[]) : [])))]
        .filter((k): k is string => typeof k === 'string')
        .sort()
    : [];
  const isSecretLike = node.kind === 'Secret' || node.kind === 'ServiceAccountKey' || node.provider === 'gcp';
  // Impact card: the action picked in its GET form (`?action=`), among those that apply to this kind.
  const actions = impactActionsFor(node.provider, node.kind);
  const requested = param(sp, 'action');
  const action = actions.find((a) => a === requested) ?? actions[0]!;
  // Long lists show their first rows; `rows=all` (the "show all" links) draws up to ALL_ROWS of each.
  const maxRows = param(sp, 'rows') === 'all' ? ALL_ROWS : DEFAULT_ROWS;
  const allHref = (anchor: string) => `${at(nodeHref(node.id))}${action === actions[0] ? '' : `&action=${action}`}&rows=all#${anchor}`;

  return (
    <Stack gap="lg">
      {banner}
      <Breadcrumbs separator="/" fz="sm">
        <AppLink href={at('/search')} size="sm">
          Search
        </AppLink>
        <AppLink href={at(searchHref({ kind: node.kind, provider: node.provider }))} size="sm">
          {style.plural}
        </AppLink>
        <Text size="sm" c="dimmed">
          <DisplayName text={node.name} />
        </Text>
      </Breadcrumbs>

      <Stack gap={8}>
        <Group gap="sm" align="center">
          <KindBadge provider={node.provider} kind={node.kind} size="lg" />
          {node.missing ? <MissingBadge size="lg" /> : null}
        </Group>
        <Title order={1} fz={28} style={{ wordBreak: 'break-word' }} data-testid="node-name">
          <DisplayName text={node.name} />
        </Title>
        <Group gap="lg" wrap="wrap">
          {node.namespace ? (
            <Text size="sm" c="dimmed">
              namespace{' '}
              <AnchorLink href={at(searchHref({ namespace: node.namespace, realm: node.realm, provider: node.provider }))} fw={500}>
                <DisplayName text={node.namespace} />
              </AnchorLink>
            </Text>
          ) : null}
          <Text size="sm" c="dimmed">
            {realmNoun(node.provider)}{' '}
            <AnchorLink href={at(searchHref({ realm: node.realm, provider: node.provider }))} fw={500}>
              <DisplayName text={node.realm} />
            </AnchorLink>
          </Text>
          <Text size="sm" c="dimmed">
            {providerLabel(node.provider)}
          </Text>
        </Group>
        <Group gap="sm" wrap="wrap">
          <CopyId value={node.id} />
          <ButtonLink href={at(explorerHref(node.id))} size="xs" variant="light" data-testid="open-explorer">
            Open in explorer
          </ButtonLink>
        </Group>
      </Stack>

      {/* The answer first: health, who fails at the next restart, the default action's verdict, and About. */}
      <Suspense fallback={<Skeleton height={120} radius="md" aria-label="Loading health" />}>
        <TriageHeader node={node} action={action} asOf={opts.asOf} asOfSpec={asOf.spec} rows={rows} expectedKeys={expectedKeys} />
      </Suspense>

      {/* Findings and impact stream in after the rest of the page: they may take longer than the node's own reads. */}
      <section id="findings" aria-label="Findings">
        <Suspense fallback={<Skeleton height={48} radius="md" aria-label="Loading findings" />}>
          <NodeFindings id={node.id} asOf={opts.asOf} asOfSpec={asOf.spec} />
        </Suspense>
      </section>

      {node.provider === 'gcp' && node.kind === 'ServiceAccountKey' ? <GcpKey node={node} inbound={inbound} asOf={asOf} /> : null}
      {node.provider === 'gcp' && node.kind === 'ServiceAccount' ? (
        <GcpServiceAccount node={node} inbound={inbound} outbound={outbound} asOf={asOf} />
      ) : null}
      {node.provider === 'gcp' && node.kind === 'Secret' ? <SecretManagerSecret outbound={outbound} inbound={inbound} asOf={asOf} /> : null}

      <Stack gap="lg">
        <RelationSection
          testId="used-by"
          title="Used by"
          description={
            inbound.some((e) => EDGE_KINDS[e.kind].dependent === 'from')
              ? `What references this ${style.label}: deleting or renaming it breaks these.`
              : `What points at this ${style.label}.`
          }
          emptyText={
            node.provider === 'gcp' && node.kind === 'Secret'
              ? 'Nothing points at the secret itself: consumers fetch its versions (see Versions above).'
              : isSecretLike ? 'Nothing references it: no workload, pod, ServiceAccount or Ingress that keygraph has seen.' : 'Nothing points at it.'
          }
          direction="in"
          edges={inbound}
          self={node}
          asOf={asOf.spec}
          ownership={ownership}
          maxRows={maxRows}
          allHref={allHref('used-by')}
        />
        <AccessCard access={access} asOf={asOf.spec} />
        <RelationSection
          testId="uses"
          title="Uses"
          description={`What this ${style.label} depends on or owns.`}
          emptyText="It references nothing keygraph tracks."
          direction="out"
          edges={outbound}
          self={node}
          asOf={asOf.spec}
          maxRows={maxRows}
          allHref={allHref('uses')}
        />
      </Stack>

      <section id="impact" aria-label="Impact">
        <Suspense fallback={<Skeleton height={160} radius="md" aria-label="Loading impact" />}>
          <ImpactPanel
            id={node.id}
            action={action}
            asOf={opts.asOf}
            asOfSpec={asOf.spec}
            limit={maxRows}
            allHref={allHref('impact')}
            controls={<ImpactActionForm id={node.id} actions={actions} action={action} asOfSpec={asOf.spec} />}
          />
        </Suspense>
      </section>

      <HistoryCard id={id} history={history} asOf={asOf} />

      {/* Every property and the raw JSON: collapsed, the About card above holds the ones people look for. */}
      <Accordion variant="contained" radius="md" chevronPosition="left" aria-label="All properties">
        <AccordionItem value="properties">
          <AccordionControl data-testid="all-properties">
            <Group gap="sm">
              <Text fw={600}>All properties ({rows.length})</Text>
              {node.kind === 'Secret' || node.kind === 'ConfigMap' ? (
                <Badge variant="light" color="teal" radius="sm" tt="none">
                  values are never stored
                </Badge>
              ) : null}
            </Group>
          </AccordionControl>
          <AccordionPanel>
            <Stack gap="sm">
              {rows.length ? (
                <PropertyTable rows={rows} />
              ) : (
                <Text size="sm" c="dimmed">
                  No properties recorded.
                </Text>
              )}
              <Text size="sm" fw={500}>
                Raw properties (JSON)
              </Text>
              <Code block style={{ fontSize: 12, maxHeight: 480, overflow: 'auto' }}>
                {JSON.stringify(clipDeep(node.properties), null, 2)}
              </Code>
            </Stack>
          </AccordionPanel>
        </AccordionItem>
      </Accordion>

      <Card withBorder padding="lg" radius="md" component="section" aria-labelledby="assert-title" data-testid="assertions">
        <Stack gap="sm">
          <Stack gap={2}>
            <Title order={2} fz="lg" id="assert-title">
              Assertions
            </Title>
            <Text size="sm" c="dimmed">
              Which collections report this object, and since when.
            </Text>
          </Stack>
          <Table verticalSpacing="sm" horizontalSpacing="md">
            <TableThead>
              <TableTr>
                <TableTh>Source</TableTh>
                <TableTh>Scope</TableTh>
                <TableTh>As</TableTh>
                <TableTh>Since</TableTh>
                <TableTh>Run</TableTh>
              </TableTr>
            </TableThead>
            <TableTbody>
              {node.assertions.map((a, i) => (
                <TableTr key={`${a.source}/${a.scope}/${i}`}>
                  <TableTd>{a.source}</TableTd>
                  <TableTd>
                    <Text size="sm" className="kg-mono">
                      {a.scope}
                    </Text>
                  </TableTd>
                  <TableTd>
                    {a.missing ? (
                      <Badge variant="light" color="red" size="sm" radius="sm" tt="none">
                        referenced only
                      </Badge>
                    ) : (
                      <Badge variant="light" color="teal" size="sm" radius="sm" tt="none">
                        observed
                      </Badge>
                    )}
                  </TableTd>
                  <TableTd>
                    <TimeText value={a.validFrom} />
                  </TableTd>
                  <TableTd>
                    <AppLink href={runHref(a.runFrom)} fw={600}>
                      #{a.runFrom}
                    </AppLink>
                  </TableTd>
                </TableTr>
              ))}
            </TableTbody>
          </Table>
        </Stack>
      </Card>
    </Stack>
  );
}

/** A node that exists in history but not at the time shown: say so, with its timeline (not a 404). */
function NotAtThisTime({ id, at, banner, history }: { id: string; at: Date; banner: React.ReactNode; history: React.ReactNode }) {
  const p = parseId(id)!;
  const style = kindStyle(p.provider, p.kind);
  return (
    <Stack gap="lg">
      {banner}
      <Stack gap={8}>
        <Group gap="sm" align="center">
          <KindBadge provider={p.provider} kind={p.kind} size="lg" />
        </Group>
        <Title order={1} fz={28} style={{ wordBreak: 'break-word' }} data-testid="node-name">
          <DisplayName text={p.name} />
        </Title>
        <CopyId value={id} />
      </Stack>
      <Alert color="gray" variant="light" icon={<IconAlert size={20} />} title={`No such ${style.label} as of ${formatDate(at)}`} data-testid="not-at-this-time">
        <Text size="sm">
          No collection reported it then, not even as a reference. Its history below shows when it existed.
        </Text>
      </Alert>
      {history}
    </Stack>
  );
}
