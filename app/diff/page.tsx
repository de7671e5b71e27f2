/**
 * `/diff?from=…&to=…&cluster=…`: what changed in the inventory between two times (ISO 8601 or `run:N`). Defaults:
 * the latest run (of `cluster` when given) against the previous run of the same source/scope. Renamed Secrets come
 * first, with the references still using the old name; then objects and references added, removed or changed.
 * Filters: `change` (added|removed|changed), `kind` (an object kind), `show` (objects|references).
 */
import type { Metadata } from 'next';
import { Alert, Badge, Card, Group, Stack, Text, Title } from '@mantine/core';
import { db } from '@/lib/db';
import { getEdges, getRun, listRuns, type RunView } from '@/lib/store/read';
import { diffGraph, latestRun, previousRun, resolveTime, runScopes, TimeSpecError, type GraphDiff } from '@/lib/store/history';
import { parseTimeSpec } from '@/lib/time';
import { parseId } from '@/lib/graph/ids';
import { formatDate, formatRelative, nodeHref, runHref } from '@/lib/ui/format';
import { beforeRunSpec, diffHref, param, withAsOf, type SearchParams } from '@/lib/ui/params';
import { EmptyState } from '../_components/EmptyState';
import { PageTitle } from '../_components/PageTitle';
import { IconAlert } from '../_components/icons';
import { AnchorLink, ButtonLink } from '../_components/links';
import { DiffForm } from './DiffForm';
import { DiffTables, type DiffFilter } from './DiffTables';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Changes' };

const CHANGES = ['added', 'removed', 'changed'] as const;

/** A time end of the diff: the spec as typed, its time, and the run it names (for `run:N`). */
interface End {
  spec: string;
  at: Date;
  run: RunView | null;
}

/** A time end through the one resolver (lib/store/history.ts resolveTime); a spec that does not resolve is `{error}`. */
async function resolveEnd(spec: string): Promise<End | { spec: string; error: string }> {
  let at: Date;
  try {
    at = await resolveTime(db(), spec);
  } catch (e) {
    if (e instanceof TimeSpecError) return { spec, error: e.message };
    throw e; // the database's: the error page, not a message that reads like a typo
  }
  const p = parseTimeSpec(spec);
  return { spec, at, run: p.kind === 'run' ? await getRun(db(), p.runId) : null };
}

export default async function DiffPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const database = db();
  let cluster = param(sp, 'cluster')?.slice(0, 200);
  let toSpec = param(sp, 'to')?.slice(0, 64);
  let fromSpec = param(sp, 'from')?.slice(0, 64);
  const scopes = await runScopes(database);

  // Defaults: the latest run (of the cluster) vs the previous run of its source/scope.
  if (!toSpec) {
    const latest = await latestRun(database, cluster);
    if (!latest) {
      return (
        <Stack gap="lg">
          <PageTitle title="Changes" description="What changed in the inventory between two times." />
          <EmptyState title={cluster ? `No run of ${cluster} yet` : 'No run yet'}>
            Changes appear once two collections have run.
          </EmptyState>
        </Stack>
      );
    }
    toSpec = `run:${latest.id}`;
    if (!fromSpec && !cluster) cluster = latest.scope;
  }
  if (!fromSpec) {
    const m = /^run:(\d{1,9})$/i.exec(toSpec);
    if (m) {
      const run = await getRun(database, Number(m[1]));
      const prev = run?.committedAt ? await previousRun(database, run.id) : null;
      if (run?.committedAt) fromSpec = prev ? `run:${prev.id}` : beforeRunSpec(run.committedAt);
    }
  }

  const [fromEnd, toEnd] = await Promise.all([fromSpec ? resolveEnd(fromSpec) : null, resolveEnd(toSpec)]);
  const clusters = [...new Set([...scopes.map((s) => s.scope), ...(cluster ? [cluster] : [])])].sort();
  const recentRuns = (await listRuns(database, { limit: 50 })).filter((r) => r.committedAt && (!cluster || r.scope === cluster));
  // The page's title and the form, above an error or the diff.
  const top = (
    <>
      <PageTitle
        title="Changes"
        description="What changed in the inventory between two times: objects and references added, removed or changed, and renamed Secrets."
      />
      <Card withBorder padding="md" radius="md">
        <DiffForm from={fromSpec ?? ''} to={toSpec} cluster={cluster ?? ''} clusters={clusters} runs={recentRuns} />
      </Card>
    </>
  );

  const errors = [
    !fromEnd ? 'Choose a “from” time (ISO 8601 or run:N).' : 'error' in fromEnd ? `From: ${fromEnd.error}.` : null,
    'error' in toEnd ? `To: ${toEnd.error}.` : null,
  ].filter((e): e is string => !!e);
  if (!errors.length && fromEnd && !('error' in fromEnd) && !('error' in toEnd) && fromEnd.at > toEnd.at) {
    errors.push(`“From” (${formatDate(fromEnd.at)}) is after “to” (${formatDate(toEnd.at)}): swap them to see what changed.`);
  }
  if (errors.length || !fromEnd || 'error' in fromEnd || 'error' in toEnd) {
    return (
      <Stack gap="lg">
        {top}
        <Alert color="red" variant="light" icon={<IconAlert size={20} />} title="Cannot compare these times" data-testid="diff-error">
          <Stack gap={4}>
            {errors.map((e) => (
              <Text size="sm" key={e}>
                {e}
              </Text>
            ))}
            <Text size="sm" c="dimmed">
              Times are ISO 8601 (UTC unless an offset is given), like 2024-10-07T10:00:00Z, or run:N (when run N took effect).
            </Text>
          </Stack>
        </Alert>
      </Stack>
    );
  }

  const diff = await diffGraph(database, { from: fromEnd.at, to: toEnd.at, realm: cluster });
  // For each renamed Secret: how many objects still reference the old name at `to` (the seed incident).
  const renames = await Promise.all(
    diff.renamedSecrets.map(async (r) => {
      const refs = await getEdges(database, r.from, 'in', { asOf: toEnd.at });
      return { ...r, referrers: new Set(refs.map((e) => e.other.id)).size };
    }),
  );

  const change = param(sp, 'change');
  const show = param(sp, 'show');
  const filter: DiffFilter = {
    change: CHANGES.find((c) => c === change),
    kind: param(sp, 'kind')?.slice(0, 100),
    show: show === 'objects' || show === 'references' ? show : undefined,
  };
  const base = { from: fromEnd.spec, to: toEnd.spec, cluster };
  const filterHref = (f: DiffFilter) => {
    const u = new URLSearchParams(diffHref(base).split('?')[1] ?? '');
    if (f.change) u.set('change', f.change);
    if (f.kind) u.set('kind', f.kind);
    if (f.show) u.set('show', f.show);
    return `/diff?${u.toString()}`;
  };

  return (
    <Stack gap="lg">
      {top}
      <Range from={fromEnd} to={toEnd} cluster={cluster} diff={diff} />

      {renames.length ? (
        <Stack gap="sm" data-testid="renamed-secrets">
          {renames.map((r) => {
            const oldName = parseId(r.from)?.name ?? r.from;
            const newName = parseId(r.to)?.name ?? r.to;
            const broken = r.referrers > 0;
            return (
              <Alert
                key={`${r.from}→${r.to}`}
                color={broken ? 'red' : 'teal'}
                variant="light"
                icon={<IconAlert size={22} />}
                data-testid="renamed-secret"
                data-from={r.from}
                data-to={r.to}
                title={
                  <Text fw={700} fz="md">
                    Renamed Secret{r.namespace ? ` in ${r.namespace}` : ''}:{' '}
                    <AnchorLink href={withAsOf(nodeHref(r.from), fromEnd.spec)} fw={700} c="inherit" underline="always">
                      {oldName}
                    </AnchorLink>{' '}
                    →{' '}
                    <AnchorLink href={withAsOf(nodeHref(r.to), toEnd.spec)} fw={700} c="inherit" underline="always">
                      {newName}
                    </AnchorLink>
                  </Text>
                }
              >
                <Stack gap={6}>
                  <Text size="sm">
                    Same data (identical keys and fingerprints).{' '}
                    {broken ? (
                      <>
                        <AnchorLink href={withAsOf(nodeHref(r.from), toEnd.spec)} fw={700} c="red.8" underline="always" data-testid="rename-referrers">
                          {r.referrers} object{r.referrers === 1 ? ' still references' : 's still reference'} the old name
                        </AnchorLink>
                        : they keep running, and fail to start (CreateContainerConfigError) at their next rollout or
                        restart. Point them at {newName}, or restore {oldName}.
                      </>
                    ) : (
                      'Nothing references the old name any more: a clean rename.'
                    )}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {r.realm}
                    {r.namespace ? `/${r.namespace}` : ''} · references counted as of {formatDate(toEnd.at)}
                  </Text>
                </Stack>
              </Alert>
            );
          })}
        </Stack>
      ) : null}

      <DiffTables diff={diff} filter={filter} filterHref={filterHref} fromSpec={fromEnd.spec} toSpec={toEnd.spec} />
    </Stack>
  );
}

function EndLabel({ end, testId }: { end: End; testId: string }) {
  return (
    <Stack gap={0} data-testid={testId}>
      <Text size="sm" fw={600}>
        {end.run ? (
          <>
            <AnchorLink href={runHref(end.run.id)} fw={600}>
              run {end.run.id}
            </AnchorLink>{' '}
            <Text span size="sm" c="dimmed" fw={400}>
              {end.run.source}/{end.run.scope}
            </Text>
          </>
        ) : (
          end.spec
        )}
      </Text>
      <Text size="xs" c="dimmed">
        {formatDate(end.at)} · {formatRelative(end.at)}
      </Text>
    </Stack>
  );
}

/** From → to, the cluster, the totals, and links to the inventory at either end. */
function Range({ from, to, cluster, diff }: { from: End; to: End; cluster?: string; diff: GraphDiff }) {
  const count = (list: { change: string }[], c: string) => list.filter((x) => x.change === c).length;
  const stat = (label: string, list: { change: string }[]) => (
    <Group gap={6} wrap="nowrap">
      <Text size="sm" fw={600}>
        {label}
      </Text>
      <Badge color="teal" variant="light" radius="sm" tt="none">
        +{count(list, 'added')}
      </Badge>
      <Badge color="red" variant="light" radius="sm" tt="none">
        −{count(list, 'removed')}
      </Badge>
      <Badge color="indigo" variant="light" radius="sm" tt="none">
        ~{count(list, 'changed')}
      </Badge>
    </Group>
  );
  return (
    <Card withBorder padding="md" radius="md" data-testid="diff-range">
      <Group justify="space-between" wrap="wrap" gap="md">
        <Group gap="lg" wrap="wrap" align="center">
          <EndLabel end={from} testId="diff-from-label" />
          <Text fz={22} c="dimmed" aria-hidden>
            →
          </Text>
          <EndLabel end={to} testId="diff-to-label" />
          <Stack gap={0}>
            <Text size="xs" c="dimmed">
              cluster / project
            </Text>
            <Text size="sm" fw={600}>
              {cluster ?? 'all'}
            </Text>
          </Stack>
        </Group>
        <Stack gap={6} align="flex-end">
          {stat('Objects', diff.nodes)}
          {stat('References', diff.edges)}
        </Stack>
      </Group>
      <Group gap="xs" mt="sm">
        <ButtonLink href={withAsOf('/', from.spec)} size="xs" variant="default">
          Inventory at “from”
        </ButtonLink>
        <ButtonLink href={withAsOf('/', to.spec)} size="xs" variant="default">
          Inventory at “to”
        </ButtonLink>
        {diff.truncated ? (
          <Text size="xs" c="orange.8">
            Very many changes: the lists are cut. Narrow them with a cluster.
          </Text>
        ) : null}
      </Group>
    </Card>
  );
}
