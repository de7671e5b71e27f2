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
import { getEdges, getNode } from '@/lib/store/read';
import { parseId } from '@/lib/graph/ids';
import { EDGE_KINDS } from '@/lib/graph/model';
import { kindStyle, providerLabel, realmNoun, runHref, searchHref } from '@/lib/ui/format';
import { param, readOptionsFrom, type SearchParams } from '@/lib/ui/params';
import { CopyId } from '../_components/CopyId';
import { KindBadge, MissingBadge } from '../_components/badges';
import { AppLink } from '../_components/NodeLink';
import { TimeText } from '../_components/TimeText';
import { IconAlert } from '../_components/icons';
import { NodeNotFound } from './NodeNotFound';
import { PropertyTable, propertyRows } from './Properties';
import { RelationSection } from './Relations';
import { AnchorLink } from '../_components/links';

export const dynamic = 'force-dynamic';

type PageArgs = { searchParams: Promise<SearchParams> };

export async function generateMetadata({ searchParams }: PageArgs): Promise<Metadata> {
  const id = param(await searchParams, 'id');
  const p = id ? parseId(id) : null;
  return { title: p ? `${p.name} (${kindStyle(p.provider, p.kind).label})` : 'Node' };
}

export default async function NodePage({ searchParams }: PageArgs) {
  const sp = await searchParams;
  const id = param(sp, 'id');
  if (!id) redirect('/search');
  if (!parseId(id)) return <NodeNotFound id={id} malformed />;

  const opts = readOptionsFrom(sp);
  const database = db();
  const [node, inbound, outbound] = await Promise.all([
    getNode(database, id, opts),
    getEdges(database, id, 'in', opts),
    getEdges(database, id, 'out', opts),
  ]);
  if (!node) notFound();

  const style = kindStyle(node.provider, node.kind);
  const rows = propertyRows(node, new Date());
  // For a missing Secret: the data keys its references expect (what a re-created Secret must contain).
  const expectedKeys = node.missing
    ? [...new Set(inbound.flatMap((e) => (Array.isArray(e.properties.keys) ? (e.properties.keys as unknown[]) : [])))]
        .filter((k): k is string => typeof k === 'string')
        .sort()
    : [];
  const referrers = new Set(inbound.map((e) => e.other.id)).size;
  const isSecretLike = node.kind === 'Secret' || node.kind === 'ServiceAccountKey' || node.provider === 'gcp';

  return (
    <Stack gap="lg">
      <Breadcrumbs separator="/" fz="sm">
        <AppLink href="/search" size="sm">
          Search
        </AppLink>
        <AppLink href={searchHref({ kind: node.kind, provider: node.provider })} size="sm">
          {style.plural}
        </AppLink>
        <Text size="sm" c="dimmed">
          {node.name}
        </Text>
      </Breadcrumbs>

      <Stack gap={8}>
        <Group gap="sm" align="center">
          <KindBadge provider={node.provider} kind={node.kind} size="lg" />
          {node.missing ? <MissingBadge size="lg" /> : null}
        </Group>
        <Title order={1} fz={28} style={{ wordBreak: 'break-word' }} data-testid="node-name">
          {node.name}
        </Title>
        <Group gap="lg" wrap="wrap">
          {node.namespace ? (
            <Text size="sm" c="dimmed">
              namespace{' '}
              <AnchorLink href={searchHref({ namespace: node.namespace, realm: node.realm, provider: node.provider })} fw={500}>
                {node.namespace}
              </AnchorLink>
            </Text>
          ) : null}
          <Text size="sm" c="dimmed">
            {realmNoun(node.provider)}{' '}
            <AnchorLink href={searchHref({ realm: node.realm, provider: node.provider })} fw={500}>
              {node.realm}
            </AnchorLink>
          </Text>
          <Text size="sm" c="dimmed">
            {providerLabel(node.provider)}
          </Text>
        </Group>
        <CopyId value={node.id} />
      </Stack>

      {node.missing ? (
        <Alert
          color="red"
          variant="light"
          icon={<IconAlert size={20} />}
          title={`This ${style.label} does not exist`}
          data-testid="missing-alert"
        >
          <Text size="sm">
            Referenced but not observed: a reference to it fails at the next start of the pods that need it; listed from both
            ends.
          </Text>
          {referrers ? (
            <Text size="sm" mt={6}>
              {referrers} object{referrers === 1 ? ' still references' : 's still reference'} it (see “Used by” below).
              {expectedKeys.length ? (
                <>
                  {' '}
                  They expect the keys{' '}
                  {expectedKeys.map((k, i) => (
                    <span key={k}>
                      {i ? ', ' : ''}
                      <Code>{k}</Code>
                    </span>
                  ))}
                  .
                </>
              ) : null}
            </Text>
          ) : null}
        </Alert>
      ) : null}

      <Stack gap="lg">
        <RelationSection
          testId="used-by"
          title="Used by"
          description={
            inbound.some((e) => EDGE_KINDS[e.kind].dependent === 'from')
              ? `What references this ${style.label}: deleting or renaming it breaks these.`
              : `What points at this ${style.label}.`
          }
          emptyText={isSecretLike ? 'Nothing references it: no workload, pod, ServiceAccount or Ingress that keygraph has seen.' : 'Nothing points at it.'}
          direction="in"
          edges={inbound}
          self={node}
        />
        <RelationSection
          testId="uses"
          title="Uses"
          description={`What this ${style.label} depends on or owns.`}
          emptyText="It references nothing keygraph tracks."
          direction="out"
          edges={outbound}
          self={node}
        />
      </Stack>

      <Card withBorder padding="lg" radius="md" component="section" aria-labelledby="props-title">
        <Stack gap="sm">
          <Group justify="space-between">
            <Title order={2} fz="lg" id="props-title">
              Properties
            </Title>
            {node.kind === 'Secret' ? (
              <Badge variant="light" color="teal" radius="sm" tt="none">
                values are never stored
              </Badge>
            ) : null}
          </Group>
          {rows.length ? (
            <PropertyTable rows={rows} />
          ) : (
            <Text size="sm" c="dimmed">
              No properties recorded.
            </Text>
          )}
          <Accordion variant="contained" radius="md" chevronPosition="left">
            <AccordionItem value="raw">
              <AccordionControl>
                <Text size="sm" fw={500}>
                  Raw properties (JSON)
                </Text>
              </AccordionControl>
              <AccordionPanel>
                <Code block style={{ fontSize: 12, maxHeight: 480, overflow: 'auto' }}>
                  {JSON.stringify(node.properties, null, 2)}
                </Code>
              </AccordionPanel>
            </AccordionItem>
          </Accordion>
        </Stack>
      </Card>

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
