/**
 * "Used by" (inbound edges) and "Uses" (outbound edges) of a node, grouped by edge kind with the model's wording,
 * one row per node at the other end (its references stacked: env var, volume, …).
 */
import {
  Badge,
  Card,
  Code,
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
import { EDGE_KIND_KEYS, EDGE_KINDS, NODE_KIND_KEYS, type EdgeKind, type NodeKindKey } from '@/lib/graph/model';
import type { EdgeView, NodeSummary, Ownership } from '@/lib/store/read';
import { edgeDetails, edgeFlags, edgeGroupHeading, realmNoun, viaLabel } from '@/lib/ui/format';
import { OwnedList } from '../_components/OwnedList';
import { KindBadge, MissingBadge } from '../_components/badges';
import { NodeLink, DisplayName } from '../_components/NodeLink';
import { Tip } from '../_components/Tip';
import { AnchorLink } from '../_components/links';

/** References that expose every data key of the Secret when no `keys` are listed. */
const WHOLE_SECRET_VIAS = new Set(['envFrom', 'volume', 'projected']);

/** Rows shown per group before "and N more". */
/** Rows a list shows by default; `allHref` (the page with `rows=all`) shows up to {@link ALL_ROWS}. */
export const DEFAULT_ROWS = 50;
export const ALL_ROWS = 1000;

interface OtherGroup {
  other: NodeSummary;
  edges: EdgeView[];
}

/** Model order of a node kind (Deployment before ReplicaSet before Pod), unknown kinds last. */
function kindRank(n: NodeSummary): number {
  const i = NODE_KIND_KEYS.indexOf(`${n.provider}:${n.kind}` as NodeKindKey);
  return i < 0 ? NODE_KIND_KEYS.length : i;
}

function groupByOther(edges: EdgeView[]): OtherGroup[] {
  const m = new Map<string, OtherGroup>();
  for (const e of edges) {
    let g = m.get(e.other.id);
    if (!g) m.set(e.other.id, (g = { other: e.other, edges: [] }));
    g.edges.push(e);
  }
  return [...m.values()].sort(
    (a, b) =>
      kindRank(a.other) - kindRank(b.other) ||
      (a.other.namespace ?? '').localeCompare(b.other.namespace ?? '') ||
      a.other.name.localeCompare(b.other.name),
  );
}

/** A row of "Used by": an object and what it owns among the same list (ReplicaSets and Pods under a Deployment). */
interface OwnerRow extends OtherGroup {
  owned: OtherGroup[];
}

/**
 * Groups nested under their top-most owner in the same list (`ownerOf`: child → owner, from OWNS edges), so a
 * Deployment, its ReplicaSets and their Pods are one row. Order: the owners' order in `groups`.
 */
function nestUnderOwners(groups: OtherGroup[], ownerOf: Map<string, string>): OwnerRow[] {
  const byId = new Map(groups.map((g) => [g.other.id, g]));
  const top = (id: string) => {
    let cur = id;
    for (let hops = 0; hops < 10; hops++) {
      const owner = ownerOf.get(cur);
      if (!owner || !byId.has(owner)) break;
      cur = owner;
    }
    return cur;
  };
  const rows = new Map<string, OwnerRow>();
  for (const g of groups) if (top(g.other.id) === g.other.id) rows.set(g.other.id, { ...g, owned: [] });
  for (const g of groups) {
    const t = top(g.other.id);
    if (t !== g.other.id) rows.get(t)?.owned.push(g);
  }
  return [...rows.values()];
}

/** "3/3 running · env var + volume": the Pods of a row and how the row's objects reference the target. */
function rowSummary(row: OwnerRow, phase: Map<string, string>): string {
  const all = [row, ...row.owned];
  const pods = all.filter((g) => g.other.kind === 'Pod');
  const running = pods.filter((g) => phase.get(g.other.id) === 'Running').length;
  const vias = [...new Set(all.flatMap((g) => g.edges.map((e) => (typeof e.properties.via === 'string' ? viaLabel(e.properties.via) : null))).filter(Boolean))];
  return [pods.length ? `${running}/${pods.length} running` : null, vias.join(' + ') || null].filter(Boolean).join(' · ');
}

function Reference({ e }: { e: EdgeView }) {
  const via = typeof e.properties.via === 'string' ? e.properties.via : undefined;
  const details = edgeDetails(e.properties);
  const flags = edgeFlags(e.kind, e.properties);
  return (
    <Group gap={8} wrap="wrap" align="center" data-testid="reference" data-via={via}>
      {via ? (
        <Tip label={`via: ${via}`} withArrow openDelay={300}>
          <Badge variant="dot" color="indigo" size="sm" radius="sm" tt="none" data-testid="via">
            {viaLabel(via)}
          </Badge>
        </Tip>
      ) : null}
      {details.map((d) => (
        <Group key={d.label} gap={4} wrap="nowrap">
          <Text size="xs" c="dimmed">
            {d.label}
          </Text>
          <Group gap={4}>
            {d.values.map((v) => (
              <Code key={v} fz={12}>
                {v}
              </Code>
            ))}
          </Group>
        </Group>
      ))}
      {via && !('keys' in e.properties) && (e.kind === 'USES_SECRET' || e.kind === 'USES_CONFIG_MAP') && WHOLE_SECRET_VIAS.has(via) ? (
        <Text size="xs" c="dimmed">
          all keys
        </Text>
      ) : null}
      {flags.map((f) => (
        <Tip key={f.label} label={f.tip} multiline w={280} withArrow>
          <Badge variant="light" color={f.color} size="sm" radius="sm" tt="none">
            {f.label}
          </Badge>
        </Tip>
      ))}
    </Group>
  );
}

function EdgeGroup({
  kind,
  direction,
  edges,
  self,
  showHeading,
  asOf,
  ownership,
  maxRows,
  allHref,
}: {
  kind: EdgeKind;
  direction: 'in' | 'out';
  edges: EdgeView[];
  self: NodeSummary;
  showHeading: boolean;
  asOf?: string;
  ownership?: Ownership;
  maxRows: number;
  allHref?: string;
}) {
  const groups = groupByOther(edges);
  const rows: OwnerRow[] = ownership ? nestUnderOwners(groups, ownership.ownerOf) : groups.map((g) => ({ ...g, owned: [] }));
  const shown = rows.slice(0, maxRows);
  const heading = edgeGroupHeading(kind, direction);
  const spec = EDGE_KINDS[kind];
  const anyDetails = edges.some((e) => Object.keys(e.properties).length > 0);
  return (
    <Stack gap={6} data-testid={`edge-group-${direction}-${kind}`}>
      <Group gap={8} display={showHeading ? undefined : 'none'}>
        <Tip label={spec.description} multiline w={320} withArrow>
          <Title order={4} fz="sm" fw={600} style={{ cursor: 'help' }}>
            {heading}
          </Title>
        </Tip>
        <Badge variant="light" color="gray" size="sm" radius="sm">
          {groups.length}
        </Badge>
      </Group>
      <TableScrollContainer minWidth={640}>
        <Table verticalSpacing={8} horizontalSpacing="sm" highlightOnHover withTableBorder={false}>
          <TableThead>
            <TableTr>
              <TableTh w="34%">
                <Text size="xs" c="dimmed" fw={600}>
                  {direction === 'in' ? 'Object' : 'Target'}
                </Text>
              </TableTh>
              {anyDetails ? (
                <TableTh>
                  <Text size="xs" c="dimmed" fw={600}>
                    {kind === 'USES_SECRET' || kind === 'USES_CONFIG_MAP' ? 'How it is referenced' : 'Details'}
                  </Text>
                </TableTh>
              ) : null}
            </TableTr>
          </TableThead>
          <TableTbody>
            {shown.map((g) => (
              <TableTr key={g.other.id} data-other-id={g.other.id}>
                <TableTd style={{ verticalAlign: 'top' }}>
                  <Group gap={8} wrap="nowrap" align="center">
                    <KindBadge provider={g.other.provider} kind={g.other.kind} size="sm" />
                    <Stack gap={0} style={{ minWidth: 0 }}>
                      <Group gap={6} wrap="nowrap">
                        <NodeLink id={g.other.id} asOf={asOf}>
                          {/* Long unbreakable names (GCP key ids, emails) wrap instead of running into the next column. */}
                          <span style={{ overflowWrap: 'anywhere' }}><DisplayName text={g.other.name} /></span>
                        </NodeLink>
                        {g.other.missing ? <MissingBadge size="xs" /> : null}
                      </Group>
                      {g.other.namespace !== self.namespace || g.other.realm !== self.realm ? (
                        <Text size="xs" c="dimmed">
                          {g.other.namespace ? `${g.other.namespace} · ` : ''}
                          {realmNoun(g.other.provider)} {g.other.realm}
                        </Text>
                      ) : null}
                      {g.owned.length ? (
                        <Text size="xs" c="dimmed" data-testid="owner-summary">
                          {rowSummary(g, ownership?.phase ?? new Map())}
                        </Text>
                      ) : null}
                      {g.owned.length ? <OwnedList owned={g.owned.map((o) => o.other)} phase={(id) => ownership?.phase.get(id)} asOf={asOf} /> : null}
                    </Stack>
                  </Group>
                </TableTd>
                {anyDetails ? (
                  <TableTd style={{ verticalAlign: 'top' }}>
                    <Stack gap={6}>
                      {g.edges.map((e, i) => (
                        <Reference key={i} e={e} />
                      ))}
                    </Stack>
                  </TableTd>
                ) : null}
              </TableTr>
            ))}
          </TableTbody>
        </Table>
      </TableScrollContainer>
      {rows.length > shown.length ? (
        <Text size="sm" c="dimmed" data-testid="relations-more">
          … and {rows.length - shown.length} more:{' '}
          {allHref && maxRows < ALL_ROWS ? (
            <AnchorLink href={allHref} underline="always" data-testid="relations-all">show {Math.min(rows.length, ALL_ROWS)}</AnchorLink>
          ) : null}
          {allHref && maxRows < ALL_ROWS ? ', or ' : ''}use <Code>keygraph show {self.id} --json</Code> for the full list
        </Text>
      ) : null}
    </Stack>
  );
}

/** One direction's section: a card with a group per edge kind, in model order. */
export function RelationSection({
  title,
  description,
  emptyText,
  direction,
  edges,
  self,
  testId,
  asOf,
  ownership,
  maxRows = DEFAULT_ROWS,
  allHref,
}: {
  title: string;
  description: string;
  emptyText: string;
  direction: 'in' | 'out';
  edges: EdgeView[];
  self: NodeSummary;
  testId: string;
  /** Time spec the page shows (lib/ui/params.ts): node links keep it. */
  asOf?: string;
  /** Owners among the listed objects (lib/store/read.ts getOwnership): their ReplicaSets and Pods nest under them. */
  ownership?: Ownership;
  /** Rows per edge kind ({@link DEFAULT_ROWS}; the page asks for {@link ALL_ROWS} with `rows=all`). */
  maxRows?: number;
  /** The page showing every row (`rows=all`), linked under a cut list. */
  allHref?: string;
}) {
  const byKind = EDGE_KIND_KEYS.map((k) => ({ kind: k, edges: edges.filter((e) => e.kind === k) })).filter((g) => g.edges.length);
  const objects = new Set(edges.map((e) => e.other.id)).size;
  return (
    <Card withBorder padding="lg" radius="md" component="section" id={testId} aria-labelledby={`${testId}-title`} data-testid={testId}>
      <Stack gap="md">
        <Group justify="space-between" align="flex-start" wrap="wrap">
          <Stack gap={2}>
            <Group gap={8}>
              <Title order={2} fz="lg" id={`${testId}-title`}>
                {title}
              </Title>
              <Badge variant="filled" color={objects ? 'indigo' : 'gray'} size="md" radius="sm" data-testid={`${testId}-count`}>
                {objects}
              </Badge>
            </Group>
            <Text size="sm" c="dimmed">
              {description}
            </Text>
          </Stack>
        </Group>
        {byKind.length ? (
          byKind.map((g) => (
            <EdgeGroup
              key={g.kind}
              kind={g.kind}
              direction={direction}
              edges={g.edges}
              self={self}
              asOf={asOf}
              ownership={ownership}
              maxRows={maxRows}
              allHref={allHref}
              showHeading={byKind.length > 1 || edgeGroupHeading(g.kind, direction) !== title}
            />
          ))
        ) : (
          <Text size="sm" c="dimmed" fs="italic">
            {emptyText}
          </Text>
        )}
      </Stack>
    </Card>
  );
}

