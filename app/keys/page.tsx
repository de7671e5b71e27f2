/**
 * `/keys`: every user-managed GCP service account key in one sortable table, like the GCP console's Keys tab but across
 * projects and with what uses each key (the key audit, lib/export/sources/keys.ts listKeys): status, age, expiry, last
 * use, the Secrets holding it and their consumers and running pods. Sorted by column links (GET), filtered by project;
 * `asOf` shows a past time. Downloads: the same rows as CSV for Excel and JSON.
 */
import type { Metadata } from 'next';
import { Anchor, Badge, Group, NativeSelect, Button, Stack, Table, TableScrollContainer, TableTbody, TableTd, TableTh, TableThead, TableTr, Text } from '@mantine/core';
import { db } from '@/lib/db';
import { listKeys, type KeyItem } from '@/lib/export';
import { KEY_SORTS, KEY_SORTS_DESC_FIRST, sortKeys, type KeySort } from '@/lib/ui/keys-table';
import { nodeHref } from '@/lib/ui/format';
import { hidesData, param, readOptionsFrom, withAsOf, type SearchParams } from '@/lib/ui/params';
import { AsOfBanner, pageAsOf } from '../_components/AsOfBanner';
import { EmptyState } from '../_components/EmptyState';
import { NodeChip } from '../_components/FindingsList';
import { AnchorLink } from '../_components/links';
import { DisplayName, NodeLink } from '../_components/NodeLink';
import { PageTitle } from '../_components/PageTitle';
import { TimeText } from '../_components/TimeText';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Keys' };

interface State {
  project?: string;
  sort: KeySort;
  dir: 'asc' | 'desc';
  asOf?: string;
}

function href(s: State): string {
  const q = new URLSearchParams();
  if (s.project) q.set('project', s.project);
  if (s.sort !== 'age' || s.dir !== 'desc') (q.set('sort', s.sort), q.set('dir', s.dir));
  if (s.asOf) q.set('asOf', s.asOf);
  const t = q.toString();
  return t ? `/keys?${t}` : '/keys';
}

const STATUS: Record<KeyItem['validity'], { label: string; color: string }> = {
  valid: { label: 'valid', color: 'green' },
  disabled: { label: 'disabled', color: 'gray' },
  expired: { label: 'expired', color: 'red' },
  'not-yet-valid': { label: 'not yet valid', color: 'yellow' },
  missing: { label: 'gone from GCP', color: 'red' },
};

const LABELS: Record<KeySort, string> = {
  key: 'Key', account: 'Service account', status: 'Status', age: 'Age', lastUsed: 'Last used', holders: 'Held in', consumers: 'Used by', pods: 'Running pods',
};

function SortTh({ s, k }: { s: State; k: KeySort }) {
  const current = s.sort === k;
  const next = current ? (s.dir === 'asc' ? 'desc' : 'asc') : KEY_SORTS_DESC_FIRST.includes(k) ? 'desc' : 'asc';
  return (
    <TableTh aria-sort={current ? (s.dir === 'asc' ? 'ascending' : 'descending') : 'none'} style={{ whiteSpace: 'nowrap' }}>
      <AnchorLink href={href({ ...s, sort: k, dir: next })} underline="hover" data-testid={`keys-sort-${k}`}>
        {LABELS[k]}
        {current ? (s.dir === 'asc' ? ' ▲' : ' ▼') : ''}
      </AnchorLink>
    </TableTh>
  );
}

/** "not used for 90+ days", "unknown" or the time of the last authentication. */
function LastUsed({ k }: { k: KeyItem }) {
  if (k.lastAuthenticatedAt) return <TimeText value={k.lastAuthenticatedAt} />;
  return (
    <Text size="sm" c="dimmed">
      {k.lastUseCovered ? 'not in the window' : 'unknown'}
    </Text>
  );
}

export default async function KeysPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const asOf = await pageAsOf(sp);
  const sort = param(sp, 'sort');
  const dir = param(sp, 'dir');
  const s: State = {
    project: param(sp, 'project')?.slice(0, 320),
    sort: (KEY_SORTS as readonly string[]).includes(sort ?? '') ? (sort as KeySort) : 'age',
    dir: dir === 'asc' || dir === 'desc' ? dir : 'desc',
    asOf: asOf.spec,
  };
  if (!sort) s.dir = 'desc';
  const banner = <AsOfBanner asOf={asOf} nowHref={href({ ...s, asOf: undefined })} />;
  if (hidesData(asOf)) return banner; // invalid time, or no data at that time
  const all = await listKeys(db(), {}, readOptionsFrom(asOf).asOf);
  const projects = [...new Set(all.map((k) => k.project))].sort();
  const keys = sortKeys(s.project ? all.filter((k) => k.project === s.project) : all, s.sort, s.dir);
  const inUse = keys.filter((k) => k.runningPods.length).length;
  const download = (format: string) => `/api/v1/export?${new URLSearchParams({ what: 'keys', format, ...(s.project && { realm: s.project }), ...(s.asOf && { asOf: s.asOf }) })}`;

  return (
    <Stack gap="lg">
      <PageTitle
        title="Keys"
        description="Every user-managed GCP service account key: how old, when last used, which Secrets hold it and what reads them. The same rows as keygraph export --what keys."
      />
      {banner}
      <Group gap="sm" align="flex-end" wrap="wrap">
        <form method="get" action="/keys">
          <Group gap="sm" align="flex-end">
            <NativeSelect label="Project" name="project" defaultValue={s.project ?? ''} data={[{ value: '', label: 'all' }, ...projects.map((p) => ({ value: p, label: p }))]} />
            {s.asOf ? <input type="hidden" name="asOf" value={s.asOf} /> : null}
            <Button type="submit" variant="default">
              Show
            </Button>
          </Group>
        </form>
        <Text size="sm" ml="auto">
          {/* Plain links with `download`: a client-side Link would prefetch the export itself. */}
          Download: <Anchor href={download('excel')} download underline="always" data-testid="keys-download-excel">CSV for Excel</Anchor> ·{' '}
          <Anchor href={download('json')} download underline="always">JSON</Anchor>
        </Text>
      </Group>
      {keys.length === 0 ? (
        <EmptyState title="No user-managed keys">
          {all.length ? 'None in this project.' : 'No GCP project was collected with user-managed keys: collect one with keygraph collect gcp --project P.'}
        </EmptyState>
      ) : (
        <>
          <Text size="sm" c="dimmed" data-testid="keys-summary">
            {keys.length} key{keys.length === 1 ? '' : 's'}; {inUse} held in a Secret that running pods read.
          </Text>
          <TableScrollContainer minWidth={1100}>
            <Table verticalSpacing="sm" horizontalSpacing="sm" striped highlightOnHover data-testid="keys-table">
              <TableThead>
                <TableTr>
                  <SortTh s={s} k="key" />
                  <SortTh s={s} k="account" />
                  <SortTh s={s} k="status" />
                  <SortTh s={s} k="age" />
                  <TableTh>Expires</TableTh>
                  <SortTh s={s} k="lastUsed" />
                  <SortTh s={s} k="holders" />
                  <SortTh s={s} k="consumers" />
                  <SortTh s={s} k="pods" />
                </TableTr>
              </TableThead>
              <TableTbody>
                {keys.map((k) => (
                  <TableTr key={k.id} data-key-id={k.id} data-validity={k.validity} style={{ verticalAlign: 'top' }}>
                    <TableTd>
                      <Stack gap={2}>
                        <NodeLink id={k.id} asOf={s.asOf}>
                          <span className="kg-mono" style={{ overflowWrap: 'anywhere', fontSize: 12 }}>{k.keyId}</span>
                        </NodeLink>
                        <AnchorLink href={withAsOf(`${nodeHref(k.id)}&action=delete`, s.asOf)} size="xs" underline="always">
                          impact of deleting
                        </AnchorLink>
                      </Stack>
                    </TableTd>
                    <TableTd>
                      {k.serviceAccountIds[0] ? (
                        <NodeLink id={k.serviceAccountIds[0]} asOf={s.asOf}>
                          <span style={{ overflowWrap: 'anywhere' }}><DisplayName text={k.serviceAccount ?? k.serviceAccountIds[0]} /></span>
                        </NodeLink>
                      ) : (
                        <Text size="sm" c="dimmed">{k.serviceAccount ?? 'unknown'}</Text>
                      )}
                      <Text size="xs" c="dimmed">{k.project}</Text>
                    </TableTd>
                    <TableTd>
                      <Badge color={STATUS[k.validity].color} variant="light" radius="sm" style={{ minWidth: 'max-content' }} data-testid="key-status">
                        {STATUS[k.validity].label}
                      </Badge>
                    </TableTd>
                    <TableTd>
                      <Text size="sm" fw={500}>{k.ageDays === null ? '—' : `${k.ageDays} d`}</Text>
                      <TimeText value={k.validAfterTime} size="xs" c="dimmed" />
                    </TableTd>
                    <TableTd>
                      {k.validBeforeTime && !k.validBeforeTime.startsWith('9999') ? <TimeText value={k.validBeforeTime} /> : <Text size="sm" c="dimmed">never</Text>}
                    </TableTd>
                    <TableTd>
                      <LastUsed k={k} />
                    </TableTd>
                    <TableTd miw={240}>
                      <Stack gap={4}>
                        {k.holderSecrets.length ? k.holderSecrets.map((h) => <NodeChip key={h} id={h} asOf={s.asOf} />) : <Text size="sm" c="dimmed">none</Text>}
                      </Stack>
                    </TableTd>
                    <TableTd data-testid="key-consumers">{k.consumers.length || '—'}</TableTd>
                    <TableTd data-testid="key-pods">
                      <Text size="sm" fw={k.runningPods.length ? 700 : 400} c={k.runningPods.length ? 'red.8' : 'dimmed'}>
                        {k.runningPods.length || '—'}
                      </Text>
                    </TableTd>
                  </TableTr>
                ))}
              </TableTbody>
            </Table>
          </TableScrollContainer>
        </>
      )}
    </Stack>
  );
}
