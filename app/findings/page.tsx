import type { Metadata } from 'next';
import { Badge, Button, Card, Group, NativeSelect, Stack, Text, TextInput } from '@mantine/core';
import { db } from '@/lib/db';
import { cachedFindings } from '@/lib/analysis/cache';
import { filterFindings, RULE_IDS, RULES, type RuleId } from '@/lib/analysis/findings';
import { isSeverity, SEVERITIES, type Severity } from '@/lib/analysis/severity';
import { hidesData, pageParam, param, readOptionsFrom, type SearchParams } from '@/lib/ui/params';
import { AsOfBanner, pageAsOf } from '../_components/AsOfBanner';
import { EmptyState } from '../_components/EmptyState';
import { FindingsList, SEVERITY_COLOR } from '../_components/FindingsList';
import { PageTitle } from '../_components/PageTitle';
import { AppLink } from '../_components/NodeLink';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Findings' };

const PAGE_SIZE = 100;

interface Filters {
  severity?: Severity;
  rule?: RuleId;
  realm?: string;
  namespace?: string;
  asOf?: string;
}

function href(f: Filters, page?: number): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) q.set(k, v);
  if (page && page > 1) q.set('page', String(page));
  const s = q.toString();
  return s ? `/findings?${s}` : '/findings';
}

/**
 * Findings over the whole inventory (lib/analysis/findings.ts, cached until the next run commits), filtered by
 * minimum severity, rule, cluster/project and namespace; `asOf` (any form of lib/time.ts: ISO 8601, `run:N`, `24h`,
 * `yesterday`…, read by the one resolver) shows them as of a past time. A time that does not resolve, or one before
 * the first collection, shows the banner instead of findings (never a "No findings" all-clear). A GET form: works
 * without JavaScript.
 */
export default async function FindingsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const sev = param(sp, 'severity');
  const rule = param(sp, 'rule');
  const asOf = await pageAsOf(sp);
  const f: Filters = {
    severity: isSeverity(sev) ? sev : undefined,
    rule: rule && (RULE_IDS as string[]).includes(rule) ? (rule as RuleId) : undefined,
    realm: param(sp, 'realm')?.slice(0, 320),
    namespace: param(sp, 'namespace')?.slice(0, 320),
    asOf: asOf.spec,
  };
  const banner = <AsOfBanner asOf={asOf} nowHref={href({ ...f, asOf: undefined })} />;
  if (hidesData(asOf)) return banner; // invalid time, or no data at that time
  const page = pageParam(sp);
  const result = await cachedFindings(db(), readOptionsFrom(asOf));
  const all = result.findings;
  const list = filterFindings(all, f);
  const shown = list.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, list.filter((x) => x.severity === s).length])) as Record<Severity, number>;
  const realms = [...new Set(all.map((x) => x.realm))].sort();
  const namespaces = [...new Set(all.filter((x) => !f.realm || x.realm === f.realm).map((x) => x.namespace).filter((n): n is string => !!n))].sort();
  const pages = Math.max(1, Math.ceil(list.length / PAGE_SIZE));

  return (
    <Stack gap="lg">
      <PageTitle
        title="Findings"
        description="What is broken already, or about to break: dangling references, missing keys, renamed Secrets, stale pods, keys and certificates. Same rules as keygraph check and GET /api/v1/findings."
      />
      {banner}
      <Card withBorder padding="md" radius="md">
        <form method="get" action="/findings" data-testid="findings-filters">
          <Group gap="sm" align="flex-end" wrap="wrap">
            <NativeSelect
              label="Severity (at least)"
              name="severity"
              defaultValue={f.severity ?? ''}
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
              data={[{ value: '', label: 'all' }, ...realms.map((r) => ({ value: r, label: r }))]}
            />
            <NativeSelect
              label="Namespace"
              name="namespace"
              defaultValue={f.namespace ?? ''}
              data={[{ value: '', label: 'all' }, ...namespaces.map((n) => ({ value: n, label: n }))]}
            />
            <TextInput label="As of" name="asOf" placeholder="now, run:N, 24h, ISO time" defaultValue={f.asOf ?? ''} w={200} />
            <Button type="submit">Apply</Button>
            {Object.values(f).some(Boolean) ? <AppLink href="/findings">Clear</AppLink> : null}
          </Group>
        </form>
      </Card>
      <Group gap="xs">
        {[...SEVERITIES].reverse().map((s) => (
          <Badge key={s} color={SEVERITY_COLOR[s]} variant={counts[s] ? 'light' : 'outline'} radius="sm" data-count={counts[s]}>
            {counts[s]} {s}
          </Badge>
        ))}
        <Text size="xs" c="dimmed">
          as of {result.asOf}
        </Text>
      </Group>
      {shown.length === 0 ? (
        <EmptyState title={all.length ? 'No findings match these filters' : 'No findings'}>
          {all.length
            ? 'Loosen the filters to see the other findings.'
            : 'Nothing dangling, no missing keys, no stale or renamed Secrets. Rules that need complete data only fire for clusters and projects whose latest collection listed everything.'}
        </EmptyState>
      ) : (
        <FindingsList findings={shown} />
      )}
      {pages > 1 ? (
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            Page {page} of {pages} ({list.length} findings)
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
