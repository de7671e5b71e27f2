import type { Metadata } from 'next';
import { Badge, Button, Card, Checkbox, Group, NativeSelect, Stack, Text, TextInput } from '@mantine/core';
import { db } from '@/lib/db';
import { FINDING_SORTS, findingTable, type FindingSort, type FindingTableQuery } from '@/lib/analysis/finding-table';
import { RULE_IDS, RULES, type RuleId } from '@/lib/analysis/findings';
import { isSeverity, SEVERITIES } from '@/lib/analysis/severity';
import { TimeSpecError } from '@/lib/store/history';
import { listRuns } from '@/lib/store/read';
import { parseId } from '@/lib/graph/ids';
import { flagParam, hidesData, pageParam, param, readOptionsFrom, type SearchParams } from '@/lib/ui/params';
import { AsOfBanner, pageAsOf } from '../_components/AsOfBanner';
import { EmptyState } from '../_components/EmptyState';
import { SEVERITY_COLOR } from '../_components/FindingsList';
import { PageTitle } from '../_components/PageTitle';
import { AppLink } from '../_components/NodeLink';
import { AnchorLink } from '../_components/links';
import { FindingsTable, type SortColumn } from './FindingsTable';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Findings' };

const PAGE_SIZE = 100;

/** The page's URL state: the table query (lib/analysis/finding-table.ts) and the time. */
interface Filters extends FindingTableQuery {
  asOf?: string;
}

function href(f: Filters, page?: number): string {
  const q = new URLSearchParams();
  const put = (k: string, v: string | number | boolean | undefined) => {
    if (v !== undefined && v !== false && v !== '') q.set(k, v === true ? '1' : String(v));
  };
  put('severity', f.severity);
  put('exact', f.exactSeverity);
  put('rule', f.rule);
  put('realm', f.realm);
  put('namespace', f.namespace);
  put('owner', f.owner);
  put('new', f.newSince);
  put('onlyNew', f.onlyNew);
  put('sort', f.sort);
  put('dir', f.dir);
  put('asOf', f.asOf);
  if (page && page > 1) q.set('page', String(page));
  const s = q.toString();
  return s ? `/findings?${s}` : '/findings';
}

const SORT_LABELS: Record<FindingSort, string> = {
  severity: 'Severity', rule: 'rule', object: 'Object', owner: 'Owner', namespace: 'Where', realm: 'Cluster / project', pods: 'Pods at risk',
};
/** Sorts that start most-first (the others A→Z). */
const DESC_FIRST: FindingSort[] = ['severity', 'pods'];

function sortColumns(f: Filters): Record<FindingSort, SortColumn> {
  const current = f.sort ?? 'severity';
  const dir = f.dir ?? (DESC_FIRST.includes(current) ? 'desc' : 'asc');
  return Object.fromEntries(
    FINDING_SORTS.map((key) => {
      const first = DESC_FIRST.includes(key) ? 'desc' : 'asc';
      const next = key === current ? (dir === 'asc' ? 'desc' : 'asc') : first;
      return [key, {
        key, label: SORT_LABELS[key], href: href({ ...f, sort: key, dir: next }),
        ...(key === current && { sorted: dir === 'asc' ? 'ascending' : 'descending' }),
      } satisfies SortColumn];
    }),
  ) as Record<FindingSort, SortColumn>;
}

const nameOf = (id: string) => {
  const p = parseId(id);
  return p ? `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}` : id;
};

/**
 * Findings over the whole inventory as a table (lib/analysis/finding-table.ts: incidents grouped, owners, pods at
 * risk), filtered by severity (at least, or exactly from a severity chip), rule, cluster/project, namespace, owner,
 * and "new since run N"; sorted by any column. `asOf` (any form of lib/time.ts, read by the one resolver) shows them
 * as of a past time; a time that does not resolve, or one before the first collection, shows the banner instead
 * (never a "No findings" all-clear). A GET form: works without JavaScript.
 */
export default async function FindingsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const sev = param(sp, 'severity');
  const rule = param(sp, 'rule');
  const sort = param(sp, 'sort');
  const dir = param(sp, 'dir');
  const newSince = Number(param(sp, 'new'));
  const asOf = await pageAsOf(sp);
  const f: Filters = {
    severity: isSeverity(sev) ? sev : undefined,
    exactSeverity: flagParam(sp, 'exact') || undefined,
    rule: rule && (RULE_IDS as string[]).includes(rule) ? (rule as RuleId) : undefined,
    realm: param(sp, 'realm')?.slice(0, 320),
    namespace: param(sp, 'namespace')?.slice(0, 320),
    owner: param(sp, 'owner')?.slice(0, 1024),
    newSince: Number.isInteger(newSince) && newSince > 0 ? newSince : undefined,
    onlyNew: flagParam(sp, 'onlyNew') || undefined,
    sort: (FINDING_SORTS as readonly string[]).includes(sort ?? '') ? (sort as FindingSort) : undefined,
    dir: dir === 'asc' || dir === 'desc' ? dir : undefined,
    asOf: asOf.spec,
  };
  const banner = <AsOfBanner asOf={asOf} nowHref={href({ ...f, asOf: undefined })} />;
  if (hidesData(asOf)) return banner; // invalid time, or no data at that time
  const page = pageParam(sp);
  const database = db();
  let baselineError: string | undefined;
  const table = await findingTable(database, f, readOptionsFrom(asOf)).catch(async (e: unknown) => {
    if (!(e instanceof TimeSpecError)) throw e;
    baselineError = e.message;
    return findingTable(database, { ...f, newSince: undefined, onlyNew: undefined }, readOptionsFrom(asOf));
  });
  const runs = (await listRuns(database, { limit: 30 })).filter((r) => r.committedAt);
  const shown = table.rows.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const pages = Math.max(1, Math.ceil(table.rows.length / PAGE_SIZE));
  const filtered = [f.severity, f.rule, f.realm, f.namespace, f.owner, f.onlyNew].some(Boolean);
  return (
    <Stack gap="lg">
      <PageTitle
        title="Findings"
        description="What is broken already, or about to break: dangling references, missing keys, renamed Secrets, stale pods, keys and certificates. Same rules as keygraph check and GET /api/v1/findings."
      />
      {banner}
      <Group gap="xs" data-testid="severity-chips" aria-label="Filter by severity">
        {[...SEVERITIES].reverse().map((s) => {
          const active = f.severity === s && f.exactSeverity;
          return (
            <AnchorLink key={s} href={href({ ...f, severity: active ? undefined : s, exactSeverity: active ? undefined : true })} aria-current={active ? 'true' : undefined} data-severity={s} underline="never">
              <Badge component="span" color={SEVERITY_COLOR[s]} variant={active ? 'filled' : table.counts[s] ? 'light' : 'outline'} radius="sm" data-count={table.counts[s]} style={{ cursor: 'pointer' }}>
                {table.counts[s]} {s}
              </Badge>
            </AnchorLink>
          );
        })}
        <Text size="xs" c="dimmed">
          as of {table.asOf}
        </Text>
      </Group>
      <Card withBorder padding="md" radius="md" className="kg-filters-last" id="filters" component="section" aria-label="Filters">
        <form method="get" action="/findings" data-testid="findings-filters">
          <Group gap="sm" align="flex-end" wrap="wrap">
            <NativeSelect
              label="Severity (at least)"
              name="severity"
              defaultValue={f.exactSeverity ? '' : (f.severity ?? '')}
              data={[{ value: '', label: 'any' }, ...[...SEVERITIES].reverse().map((s) => ({ value: s, label: s }))]}
            />
            <NativeSelect
              label="Rule"
              name="rule"
              defaultValue={f.rule ?? ''}
              data={[{ value: '', label: 'all rules' }, ...RULE_IDS.map((r) => ({ value: r, label: RULES[r].title }))]}
            />
            <NativeSelect
              label="Cluster / project"
              name="realm"
              defaultValue={f.realm ?? ''}
              data={[{ value: '', label: 'all' }, ...table.realms.map((r) => ({ value: r, label: r }))]}
            />
            <NativeSelect
              label="Namespace"
              name="namespace"
              defaultValue={f.namespace ?? ''}
              data={[{ value: '', label: 'all' }, ...table.namespaces.map((n) => ({ value: n, label: n }))]}
            />
            <NativeSelect
              label="Owner"
              name="owner"
              defaultValue={f.owner ?? ''}
              data={[{ value: '', label: 'any' }, ...table.owners.map((o) => ({ value: o, label: nameOf(o) }))]}
              maw={260}
            />
            <NativeSelect
              label="New since run"
              name="new"
              defaultValue={f.newSince ? String(f.newSince) : ''}
              data={[{ value: '', label: 'not compared' }, ...runs.map((r) => ({ value: String(r.id), label: `run ${r.id} (${r.source} ${r.scope})` }))]}
              maw={240}
            />
            <Checkbox label="only new" name="onlyNew" value="1" defaultChecked={!!f.onlyNew} mb={8} />
            <TextInput label="As of" name="asOf" placeholder="now, run:N, 24h, ISO time" defaultValue={f.asOf ?? ''} w={200} />
            {f.sort ? <input type="hidden" name="sort" value={f.sort} /> : null}
            {f.dir ? <input type="hidden" name="dir" value={f.dir} /> : null}
            <Button type="submit">Apply</Button>
            {filtered || f.newSince || f.asOf ? <AppLink href="/findings">Clear</AppLink> : null}
          </Group>
        </form>
      </Card>
      {baselineError ? (
        <Text c="red.8" size="sm" data-testid="baseline-error">
          New since run {f.newSince}: {baselineError}. Showing every finding, not compared.
        </Text>
      ) : null}
      {shown.length === 0 ? (
        <EmptyState title={table.total ? 'No findings match these filters' : 'No findings'}>
          {table.total
            ? 'Loosen the filters to see the other findings.'
            : 'Nothing dangling, no missing keys, no stale or renamed Secrets. Rules that need complete data only fire for clusters and projects whose latest collection listed everything.'}
        </EmptyState>
      ) : (
        <>
          <Text size="sm" c="dimmed" data-testid="findings-count">
            {table.rows.length} {table.rows.length === 1 ? 'row' : 'rows'}
            {table.rows.length < table.total ? ` of ${table.total} findings` : ''}
            {table.rows.some((r) => r.related.length) ? '; an incident row holds the findings its cause explains' : ''}
            {f.newSince && !baselineError ? `; “new”: not there when run ${f.newSince} committed` : ''}.{' '}
            <Text span hiddenFrom="sm" size="sm">
              <AnchorLink href="#filters" underline="always">More filters</AnchorLink>
            </Text>
          </Text>
          <FindingsTable rows={shown} columns={sortColumns(f)} asOf={f.asOf} />
        </>
      )}
      {pages > 1 ? (
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            Page {page} of {pages} ({table.rows.length} rows)
          </Text>
          <Group gap="sm">
            {page > 1 ? <AppLink href={href(f, page - 1)}>Previous</AppLink> : null}
            {page < pages ? <AppLink href={href(f, page + 1)}>Next</AppLink> : null}
          </Group>
        </Group>
      ) : null}
    </Stack>
  );
}
