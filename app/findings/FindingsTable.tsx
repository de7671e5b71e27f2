/**
 * The findings page's table (lib/analysis/finding-table.ts rows): severity, the finding (title, rule, fix, the
 * findings an incident folds in, evidence), the primary object, the owner to act on, where, and pods at risk. Column
 * headers are sort links (GET: no JavaScript needed). Server component.
 */
import { Badge, Group, Stack, Table, TableScrollContainer, TableTbody, TableTd, TableTh, TableThead, TableTr, Text } from '@mantine/core';
import type { FindingRow, FindingSort } from '@/lib/analysis/finding-table';
import { RULES } from '@/lib/analysis/findings';
import { FixAndEvidence, NodeChip, SeverityBadge } from '../_components/FindingsList';
import { DisplayName } from '../_components/NodeLink';
import { AnchorLink } from '../_components/links';

/** A sortable column: its sort key, header and the header's link (the other direction when it is the current sort). */
export interface SortColumn {
  key: FindingSort;
  label: string;
  href: string;
  /** `ascending` / `descending` when the table is sorted by it. */
  sorted?: 'ascending' | 'descending';
}

function SortHeader({ c, prefix }: { c: SortColumn; prefix?: string }) {
  return (
    <TableTh aria-sort={c.sorted ?? 'none'} style={{ whiteSpace: 'nowrap' }}>
      {prefix}
      <AnchorLink href={c.href} underline="hover" data-testid={`sort-${c.key}`}>
        {c.label}
        {c.sorted ? (c.sorted === 'ascending' ? ' ▲' : ' ▼') : ''}
      </AnchorLink>
    </TableTh>
  );
}

export function FindingsTable({ rows, columns, asOf }: { rows: FindingRow[]; columns: Record<FindingSort, SortColumn>; asOf?: string }) {
  return (
    <TableScrollContainer minWidth={960}>
      <Table verticalSpacing="sm" horizontalSpacing="sm" striped highlightOnHover data-testid="findings-table">
        <TableThead>
          <TableTr>
            <SortHeader c={columns.severity} />
            <SortHeader c={columns.rule} prefix="Finding · " />
            <SortHeader c={columns.object} />
            <SortHeader c={columns.owner} />
            <SortHeader c={columns.namespace} />
            <SortHeader c={columns.pods} />
          </TableTr>
        </TableThead>
        <TableTbody>
          {rows.map((r) => {
            const f = r.finding;
            return (
              <TableTr key={f.id} data-finding-id={f.id} data-rule={f.rule} data-severity={r.severity} style={{ verticalAlign: 'top' }}>
                <TableTd>
                  <SeverityBadge severity={r.severity} />
                </TableTd>
                <TableTd maw={520}>
                  <Stack gap={4}>
                    <Text size="sm" fw={500} style={{ overflowWrap: 'anywhere' }}>
                      <DisplayName text={f.title} />
                      {r.isNew ? (
                        <Badge component="span" size="xs" color="grape" variant="light" ml={6} data-testid="finding-new">
                          new
                        </Badge>
                      ) : null}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {RULES[f.rule]?.title ?? f.rule}
                      {r.related.length ? ' · incident' : ''}
                    </Text>
                    {r.related.length ? (
                      <Stack gap={2} data-testid="incident-related">
                        <Text size="xs" fw={600}>
                          Caused by it:
                        </Text>
                        {r.related.map((x) => (
                          <Group key={x.id} gap={6} wrap="nowrap" align="flex-start" data-finding-id={x.id}>
                            <SeverityBadge severity={x.severity} />
                            <Text size="xs" style={{ overflowWrap: 'anywhere' }}>
                              <DisplayName text={x.title} />
                            </Text>
                          </Group>
                        ))}
                      </Stack>
                    ) : null}
                    <FixAndEvidence finding={f} size="xs" />
                  </Stack>
                </TableTd>
                <TableTd>{f.objects[0] ? <NodeChip id={f.objects[0]} asOf={asOf} /> : null}</TableTd>
                <TableTd data-testid="finding-owner">{r.owner ? <NodeChip id={r.owner} asOf={asOf} /> : <Text size="sm" c="dimmed">—</Text>}</TableTd>
                <TableTd>
                  <Text size="sm">{f.namespace ?? '—'}</Text>
                  <Text size="xs" c="dimmed">
                    {f.realm}
                  </Text>
                </TableTd>
                <TableTd data-testid="finding-pods">
                  <Text size="sm" fw={r.podsAtRisk ? 700 : 400} c={r.podsAtRisk ? 'red.8' : 'dimmed'}>
                    {r.podsAtRisk || '—'}
                  </Text>
                </TableTd>
              </TableTr>
            );
          })}
        </TableTbody>
      </Table>
    </TableScrollContainer>
  );
}
