/**
 * The lists of the diff page: objects (nodes) and references (edges) added, removed or changed, with filter chips.
 * Links go to the node as of `to` (added, changed) or as of `from` (removed: it existed then).
 */
import {
  Badge,
  Card,
  Group,
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
import type { ReactNode } from 'react';
import { edgeKindSpec } from '@/lib/graph/model';
import { foldChurn, isChurn } from '@/lib/ui/churn';
import { parseId } from '@/lib/graph/ids';
import type { DiffEdge, DiffNode, GraphDiff } from '@/lib/store/history';
import { edgeDetails, kindStyle, nodeHref, viaLabel } from '@/lib/ui/format';
import { withAsOf } from '@/lib/ui/params';
import { KindBadge } from '../_components/badges';
import { EmptyState } from '../_components/EmptyState';
import { NodeLink } from '../_components/NodeLink';
import { AnchorLink, ButtonLink } from '../_components/links';
import { FieldChangeItem } from '../node/History';

/** What the diff lists show (from the page's query string); absent fields do not filter. */
export interface DiffFilter {
  change?: 'added' | 'removed' | 'changed';
  /** An object kind (`Secret`); references match when either end is of that kind. */
  kind?: string;
  show?: 'objects' | 'references';
}

/** Rows listed per table before "and N more". */
const MAX_ROWS = 500;
/** Rows listed per table while both tables are shown (the full list is one click away). */
const PREVIEW_ROWS = 40;

const CHANGE_COLOR = { added: 'teal', removed: 'red', changed: 'indigo' } as const;

function ChangeBadge({ change }: { change: DiffNode['change'] }) {
  return (
    <Badge color={CHANGE_COLOR[change]} variant="light" size="sm" radius="sm" tt="none" data-testid="change-badge">
      {change}
    </Badge>
  );
}

const endKind = (id: string) => parseId(id)?.kind;

/** Whether an object passes the change and kind filters. */
function matchesNode(n: DiffNode, f: DiffFilter): boolean {
  return (!f.change || n.change === f.change) && (!f.kind || n.kind === f.kind);
}

/** A churn row's members, folded: "ota-lite-api-7c9d8f6b54-m8hzt, …" linked, behind a summary. */
function ChurnMembers({ ids, asOf }: { ids: string[]; asOf: string }) {
  return (
    <details data-testid="churn-members">
      <summary style={{ cursor: 'pointer', fontSize: 'var(--mantine-font-size-xs)' }}>list them</summary>
      <Stack gap={2} mt={4}>
        {ids.map((id) => (
          <NodeLink key={id} id={id} asOf={asOf}>
            <span style={{ overflowWrap: 'anywhere' }}>{parseId(id)?.name ?? id}</span>
          </NodeLink>
        ))}
      </Stack>
    </details>
  );
}

/** Whether a reference passes the change filter and has an end of the filtered kind. */
function matchesEdge(e: DiffEdge, f: DiffFilter): boolean {
  return (!f.change || e.change === f.change) && (!f.kind || endKind(e.from) === f.kind || endKind(e.to) === f.kind);
}

/** A node at one end of a reference: its name (linked as of `asOf`), then kind and namespace. */
function End({ id, asOf }: { id: string; asOf: string }) {
  const p = parseId(id);
  if (!p) return <Text size="sm">{id}</Text>;
  return (
    <Stack gap={0} style={{ minWidth: 0 }}>
      <AnchorLink href={withAsOf(nodeHref(id), asOf)} size="sm" fw={500} underline="hover" style={{ wordBreak: 'break-word' }}>
        {p.name}
      </AnchorLink>
      <Text size="xs" c="dimmed">
        {kindStyle(p.provider, p.kind).label}
        {p.namespace ? ` · ${p.namespace}` : ''}
      </Text>
    </Stack>
  );
}

/**
 * The filter chips (each with its count) and the objects and references lists of a diff; with no `show` filter
 * both lists are previews that link to their full list.
 */
export function DiffTables({
  diff,
  filter,
  filterHref,
  fromSpec,
  toSpec,
}: {
  diff: GraphDiff;
  filter: DiffFilter;
  filterHref: (f: DiffFilter) => string;
  fromSpec: string;
  toSpec: string;
}) {
  const nodes = diff.nodes.filter((n) => matchesNode(n, filter));
  const edges = diff.edges.filter((e) => matchesEdge(e, filter));
  // Churn folds unless the list is filtered to that kind (then each one is what was asked for).
  const nodeRows = foldChurn(nodes, (n) =>
    isChurn(n.provider, n.kind, n.change) && filter.kind !== n.kind ? `${n.change}|${n.provider}:${n.kind}|${n.realm}/${n.namespace ?? ''}` : null,
  );
  const edgeRows = foldChurn(edges, (e) => {
    const p = parseId(e.from);
    return p && isChurn(p.provider, p.kind, e.change) && filter.kind !== p.kind ? `${e.change}|${p.provider}:${p.kind}|${e.kind}|${e.to}` : null;
  }, (e) => e.from);
  const kinds = [...new Map(diff.nodes.map((n) => [n.kind, n])).values()].sort((a, b) => a.kind.localeCompare(b.kind));
  const at = (change: DiffNode['change']) => (change === 'removed' ? fromSpec : toSpec);
  const both = !filter.show;
  const rows = both ? PREVIEW_ROWS : MAX_ROWS;

  const chip = (label: string, f: DiffFilter, active: boolean, testId?: string) => (
    <ButtonLink
      key={label}
      href={filterHref(f)}
      size="compact-sm"
      radius="xl"
      variant={active ? 'filled' : 'default'}
      data-testid={testId}
      aria-current={active ? 'true' : undefined}
    >
      {label}
    </ButtonLink>
  );
  const countOf = (c?: DiffFilter['change']) =>
    diff.nodes.filter((n) => matchesNode(n, { ...filter, change: c })).length +
    diff.edges.filter((e) => matchesEdge(e, { ...filter, change: c })).length;

  if (!diff.nodes.length && !diff.edges.length) {
    return <EmptyState title="No changes">The inventory was the same at both times.</EmptyState>;
  }

  return (
    <Stack gap="lg">
      <Card withBorder padding="md" radius="md" data-testid="diff-filters">
        <Stack gap={8}>
          <ChipRow label="Change">
            {chip(`All (${countOf()})`, { ...filter, change: undefined }, !filter.change)}
            {(['added', 'removed', 'changed'] as const).map((c) => chip(`${c[0]!.toUpperCase()}${c.slice(1)} (${countOf(c)})`, { ...filter, change: c }, filter.change === c, `filter-${c}`))}
          </ChipRow>
          <ChipRow label="Kind">
            {chip('All kinds', { ...filter, kind: undefined }, !filter.kind)}
            {kinds.map((n) => chip(kindStyle(n.provider, n.kind).plural, { ...filter, kind: n.kind }, filter.kind === n.kind))}
          </ChipRow>
          <ChipRow label="Show">
            {chip('Objects and references', { ...filter, show: undefined }, !filter.show)}
            {chip('Objects', { ...filter, show: 'objects' }, filter.show === 'objects')}
            {chip('References', { ...filter, show: 'references' }, filter.show === 'references')}
          </ChipRow>
        </Stack>
      </Card>

      {filter.show !== 'references' ? (
        <DiffSection
          title="Objects"
          titleId="diff-objects-title"
          testId="diff-objects"
          count={nodes.length}
          shown={rows}
          moreHref={both ? filterHref({ ...filter, show: 'objects' }) : undefined}
          noun={['object', 'objects']}
        >
          <TableScrollContainer minWidth={760}>
            <Table verticalSpacing="sm" horizontalSpacing="md" highlightOnHover>
              <TableThead>
                <TableTr>
                  <TableTh w={100}>Change</TableTh>
                  <TableTh w={150}>Kind</TableTh>
                  <TableTh w="30%">Name</TableTh>
                  <TableTh w={150}>Namespace</TableTh>
                  <TableTh>What changed</TableTh>
                </TableTr>
              </TableThead>
              <TableTbody>
                {nodeRows.slice(0, rows).map((r) => {
                  if ('group' in r) {
                    const n = r.group[0]!;
                    return (
                      <TableTr key={r.key} data-churn={n.kind} data-change={n.change}>
                        <TableTd>
                          <ChangeBadge change={n.change} />
                        </TableTd>
                        <TableTd>
                          <KindBadge provider={n.provider} kind={n.kind} />
                        </TableTd>
                        <TableTd>
                          <Text size="sm" fw={500}>
                            {r.group.length} {kindStyle(n.provider, n.kind).plural}
                          </Text>
                          <ChurnMembers ids={r.group.map((x) => x.id)} asOf={at(n.change)} />
                        </TableTd>
                        <TableTd>
                          <Text size="sm" c={n.namespace ? undefined : 'dimmed'}>
                            {n.namespace ?? '—'}
                          </Text>
                        </TableTd>
                        <TableTd>
                          <Text size="xs" c="dimmed">
                            created and replaced by their controllers (rollouts, schedules): folded
                          </Text>
                        </TableTd>
                      </TableTr>
                    );
                  }
                  const n = r.item;
                  return (
                  <TableTr key={n.id} data-node-id={n.id} data-change={n.change}>
                    <TableTd>
                      <ChangeBadge change={n.change} />
                    </TableTd>
                    <TableTd>
                      <KindBadge provider={n.provider} kind={n.kind} />
                    </TableTd>
                    <TableTd>
                      <NodeLink id={n.id} asOf={at(n.change)}>
                        {n.name}
                      </NodeLink>
                    </TableTd>
                    <TableTd>
                      <Text size="sm" c={n.namespace ? undefined : 'dimmed'}>
                        {n.namespace ?? '—'}
                      </Text>
                    </TableTd>
                    <TableTd>
                      {n.changes.length ? (
                        <Stack gap={4}>
                          {n.changes.slice(0, 12).map((c, j) => (
                            <FieldChangeItem key={`${c.field}/${j}`} c={c} />
                          ))}
                          {n.changes.length > 12 ? (
                            <Text size="xs" c="dimmed">
                              and {n.changes.length - 12} more (see the object’s history)
                            </Text>
                          ) : null}
                        </Stack>
                      ) : (
                        <Text size="xs" c="dimmed">
                          {n.change === 'changed' ? 'status or bookkeeping fields' : '—'}
                        </Text>
                      )}
                    </TableTd>
                  </TableTr>
                  );
                })}
              </TableTbody>
            </Table>
          </TableScrollContainer>
        </DiffSection>
      ) : null}

      {filter.show !== 'objects' ? (
        <DiffSection
          title="References"
          titleId="diff-refs-title"
          testId="diff-references"
          count={edges.length}
          shown={rows}
          moreHref={both ? filterHref({ ...filter, show: 'references' }) : undefined}
          noun={['reference', 'references']}
        >
          <TableScrollContainer minWidth={860}>
            <Table verticalSpacing={8} horizontalSpacing="md" highlightOnHover>
              <TableThead>
                <TableTr>
                  <TableTh w={100}>Change</TableTh>
                  <TableTh w="30%">From</TableTh>
                  <TableTh w={110}>Relation</TableTh>
                  <TableTh w="30%">To</TableTh>
                  <TableTh>Details</TableTh>
                </TableTr>
              </TableThead>
              <TableTbody>
                {edgeRows.slice(0, rows).map((r, i) => {
                  if ('group' in r) {
                    const e = r.group[0]!;
                    const from = parseId(e.from);
                    return (
                      <TableTr key={r.key} data-churn={from?.kind} data-change={e.change} data-to={e.to}>
                        <TableTd>
                          <ChangeBadge change={e.change} />
                        </TableTd>
                        <TableTd>
                          <Text size="sm" fw={500}>
                            {new Set(r.group.map((x) => x.from)).size} {from ? kindStyle(from.provider, from.kind).plural : ''}
                          </Text>
                          <ChurnMembers ids={[...new Set(r.group.map((x) => x.from))]} asOf={at(e.change)} />
                        </TableTd>
                        <TableTd>
                          <Text size="sm" c="dimmed">
                            {edgeKindSpec(e.kind).forward}
                          </Text>
                        </TableTd>
                        <TableTd>
                          <End id={e.to} asOf={at(e.change)} />
                        </TableTd>
                        <TableTd />
                      </TableTr>
                    );
                  }
                  const e = r.item;
                  const spec = edgeKindSpec(e.kind);
                  const via = typeof e.properties.via === 'string' ? e.properties.via : undefined;
                  const details = edgeDetails(e.properties);
                  return (
                    <TableTr key={`${e.kind}/${e.from}/${e.to}/${i}`} data-change={e.change} data-from={e.from} data-to={e.to}>
                      <TableTd>
                        <ChangeBadge change={e.change} />
                      </TableTd>
                      <TableTd>
                        <End id={e.from} asOf={at(e.change)} />
                      </TableTd>
                      <TableTd>
                        <Text size="sm" c="dimmed">
                          {spec ? spec.forward : e.kind}
                        </Text>
                      </TableTd>
                      <TableTd>
                        <End id={e.to} asOf={at(e.change)} />
                      </TableTd>
                      <TableTd>
                        <Group gap={6} wrap="wrap">
                          {via ? (
                            <Badge variant="dot" color="indigo" size="sm" radius="sm" tt="none">
                              {viaLabel(via)}
                            </Badge>
                          ) : null}
                          {details.slice(0, 4).map((d) => (
                            <Text key={d.label} size="xs">
                              <Text span c="dimmed" size="xs">
                                {d.label}
                              </Text>{' '}
                              <Text span size="xs" className="kg-mono">
                                {d.values.join(', ')}
                              </Text>
                            </Text>
                          ))}
                        </Group>
                      </TableTd>
                    </TableTr>
                  );
                })}
              </TableTbody>
            </Table>
          </TableScrollContainer>
        </DiffSection>
      ) : null}
    </Stack>
  );
}

/** A row of filter chips after its dimmed label. */
function ChipRow({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group gap={6} wrap="wrap">
      <Text size="xs" c="dimmed" w={64}>
        {label}
      </Text>
      {children}
    </Group>
  );
}

/**
 * One titled list of the diff (objects or references): a section card with the title and its count, the table
 * (`children`, its first `shown` rows) or a line saying nothing matches, then "and N more" ({@link More}).
 */
function DiffSection(p: {
  title: string;
  titleId: string;
  testId: string;
  count: number;
  shown: number;
  moreHref: string | undefined;
  /** Singular and plural. */
  noun: [string, string];
  children: ReactNode;
}) {
  return (
    <Card withBorder padding="lg" radius="md" component="section" aria-labelledby={p.titleId} data-testid={p.testId}>
      <Stack gap="sm">
        <Group gap={8}>
          <Title order={2} fz="lg" id={p.titleId}>
            {p.title}
          </Title>
          <Badge variant="filled" color={p.count ? 'indigo' : 'gray'} radius="sm">
            {p.count}
          </Badge>
        </Group>
        {p.count ? (
          p.children
        ) : (
          <Text size="sm" c="dimmed" fs="italic">
            {`No ${p.noun[0]} matches these filters.`}
          </Text>
        )}
        <More total={p.count} shown={p.shown} href={p.moreHref} noun={p.noun[1]} />
      </Stack>
    </Card>
  );
}

/** "… and N more" under a cut list: a link to the full list, or a hint to filter. */
function More({ total, shown, href, noun }: { total: number; shown: number; href?: string; noun: string }) {
  if (total <= shown) return null;
  return href ? (
    <Group>
      <ButtonLink href={href} variant="light" size="xs" data-testid={`more-${noun}`}>
        Show all {total} {noun}
      </ButtonLink>
    </Group>
  ) : (
    <Text size="sm" c="dimmed">
      … and {total - shown} more: narrow the list with the filters.
    </Text>
  );
}
