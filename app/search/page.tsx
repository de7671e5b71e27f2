import type { Metadata } from 'next';
import {
  Alert,
  Badge,
  Code,
  Card,
  CloseButton,
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
} from '@mantine/core';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { db } from '@/lib/db';
import { searchNodes } from '@/lib/store/read';
import { findingsByNode } from '@/lib/analysis/cache';
import { missingSummary, type MissingSummary } from '@/lib/analysis/triage';
import { SeverityBadge } from '../_components/FindingsList';
import { NODE_KIND_KEYS, NODE_KINDS, providerOfId } from '@/lib/graph/model';
import { idForms, parseId } from '@/lib/graph/ids';
import { freeTextIssues } from '@/lib/api/schemas';
import { IconAlert } from '../_components/icons';
import { kindStyle, nodeHref, providerLabel, realmNoun, searchHref, type SearchParamsIn } from '@/lib/ui/format';
import { hidesData, flagParam, pageParam, param, readOptionsFrom, withAsOf, type SearchParams } from '@/lib/ui/params';
import { KindBadge, MissingBadge } from '../_components/badges';
import { EmptyState } from '../_components/EmptyState';
import { DisplayName, NodeLink } from '../_components/NodeLink';
import { PageTitle } from '../_components/PageTitle';
import { Pager } from '../_components/Pager';
import { FilterBar } from './FilterBar';
import { CloseButtonLink, TextLink } from '../_components/links';
import { AsOfBanner, pageAsOf } from '../_components/AsOfBanner';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Search' };

const PAGE_SIZE = 50;

function parseFilters(sp: SearchParams): SearchParamsIn {
  let kind = param(sp, 'kind');
  let provider = param(sp, 'provider');
  // No-JS form submit sends the Select's `PROVIDER:KIND` value as kindKey.
  const kindKey = param(sp, 'kindKey');
  if (kindKey && kindKey.includes(':')) [provider, kind] = kindKey.split(':', 2) as [string, string];
  return {
    q: param(sp, 'q')?.slice(0, 300),
    kind,
    provider,
    namespace: param(sp, 'namespace'),
    realm: param(sp, 'realm'),
    missing: flagParam(sp, 'missing'),
    page: pageParam(sp),
  };
}

export default async function SearchPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const f = parseFilters(sp);
  const page = f.page ?? 1;
  const asOf = await pageAsOf(sp);
  const banner = <AsOfBanner asOf={asOf} nowHref={searchHref(f)} />;
  if (hidesData(asOf)) return banner; // invalid time, or no data at that time
  // Control characters (a NUL byte) in a filter: say so here instead of querying (the API answers 400).
  const issues = freeTextIssues({ q: f.q, kind: f.kind, namespace: f.namespace, realm: f.realm });
  if (issues.length) {
    return (
      <Stack gap="lg">
        {banner}
        <PageTitle title="Search" description="Find Secrets, ServiceAccounts, workloads, GCP service accounts and keys by name, namespace or id." />
        <Alert color="orange" variant="light" icon={<IconAlert size={18} />} title="This search cannot be run" data-testid="search-invalid">
          <Stack gap={4}>
            {issues.map((i) => (
              <Text key={i.path} size="sm">
                <Code>{i.path}</Code> {i.message}.
              </Text>
            ))}
            <TextLink href={withAsOf('/search', asOf.spec)} size="sm">
              Start a new search
            </TextLink>
          </Stack>
        </Alert>
      </Stack>
    );
  }
  /** Links on this page keep the time shown. */
  const at = (href: string) => withAsOf(href, asOf.spec);
  const { total, capped, nodes } = await searchNodes(db(), f.q ?? '', {
    ...readOptionsFrom(asOf),
    kind: f.kind,
    provider: f.provider,
    namespace: f.namespace,
    realm: f.realm,
    missingOnly: f.missing,
    limit: PAGE_SIZE,
    offset: (page - 1) * PAGE_SIZE,
  });

  const kinds = NODE_KIND_KEYS.map((k) => ({ value: k, label: NODE_KINDS[k].plural, group: providerLabel(NODE_KINDS[k].provider) }));
  const kindKey = f.kind ? `${f.provider ?? 'k8s'}:${f.kind}` : '';
  const looksLikeId = !!f.q && providerOfId(f.q) !== null;
  const exact = f.q && nodes[0]?.id === f.q;
  // The Missing list says how bad each one is: who references it, running pods, optional, severity (its findings).
  const missingFindings = f.missing ? await findingsByNode(db(), nodes.map((n) => n.id), { asOf: readOptionsFrom(asOf).asOf }) : null;
  // A pasted node id opens its page (the header search and "/" or Ctrl/⌘+K lead here); with filters, the list stays.
  if (exact && f.q && parseId(f.q) && !f.kind && !f.namespace && !f.realm && !f.missing && page === 1) redirect(at(nodeHref(f.q)));

  const title = f.missing ? 'Missing objects' : 'Search';
  const description = f.missing
    ? 'Referenced but not observed. A reference to one of these fails at the next start of the pods that need it.'
    : 'Find Secrets, ServiceAccounts, workloads, GCP service accounts and keys by name, namespace or id.';

  const chips: { label: string; clear: SearchParamsIn }[] = [];
  if (f.realm) chips.push({ label: `${f.provider ? realmNoun(f.provider) : 'cluster/project'}: ${f.realm}`, clear: { ...f, realm: undefined, page: 1 } });
  if (f.provider && !f.kind) chips.push({ label: `provider: ${providerLabel(f.provider)}`, clear: { ...f, provider: undefined, page: 1 } });

  return (
    <Stack gap="lg">
      {banner}
      <PageTitle title={title} description={description} />
      <Card withBorder padding="md" radius="md">
        <Stack gap="sm">
          <FilterBar
            // Re-mount when the URL changes so the inputs show the current filters.
            key={JSON.stringify(f)}
            initial={{ q: f.q ?? '', kindKey, namespace: f.namespace ?? '', realm: f.realm ?? '', missing: !!f.missing }}
            kinds={kinds}
            asOf={asOf.spec}
          />
          {chips.length ? (
            <Group gap="xs">
              {chips.map((c) => (
                <Badge
                  key={c.label}
                  variant="light"
                  color="gray"
                  tt="none"
                  rightSection={<CloseButtonLink size="xs" href={at(searchHref(c.clear))} aria-label={`Remove filter ${c.label}`} />}
                >
                  {c.label}
                </Badge>
              ))}
            </Group>
          ) : null}
        </Stack>
      </Card>

      {nodes.length === 0 ? (
        <NoResults f={f} looksLikeId={looksLikeId} asOf={asOf.spec} />
      ) : (
        <Stack gap="sm">
          {exact ? (
            <Text size="sm" c="dimmed">
              Exact id match shown first.
            </Text>
          ) : null}
          <Card withBorder padding={0} radius="md">
            <TableScrollContainer minWidth={820}>
              <Table verticalSpacing="sm" horizontalSpacing="md" highlightOnHover data-testid="search-results">
                <TableThead>
                  <TableTr>
                    <TableTh w={170}>Kind</TableTh>
                    <TableTh>Name</TableTh>
                    {missingFindings ? (
                      <>
                        <TableTh>Referenced by</TableTh>
                        <TableTh>Running pods</TableTh>
                        <TableTh>Optional</TableTh>
                        <TableTh>Severity</TableTh>
                      </>
                    ) : null}
                    <TableTh>Namespace</TableTh>
                    <TableTh>Cluster / project</TableTh>
                    {missingFindings ? null : <TableTh>Id</TableTh>}
                  </TableTr>
                </TableThead>
                <TableTbody>
                  {nodes.map((n) => (
                    <TableTr key={n.id} data-node-id={n.id}>
                      <TableTd>
                        <KindBadge provider={n.provider} kind={n.kind} />
                      </TableTd>
                      <TableTd>
                        <Group gap={8} wrap="nowrap">
                          <NodeLink id={n.id} asOf={asOf.spec}>
                            <DisplayName text={n.name} />
                          </NodeLink>
                          {n.missing ? <MissingBadge size="xs" /> : null}
                        </Group>
                      </TableTd>
                      {missingFindings ? <MissingCells summary={missingSummary(n.id, missingFindings.get(n.id) ?? [])} asOf={asOf.spec} /> : null}
                      <TableTd>
                        {n.namespace ? (
                          <TextLink size="sm" href={at(searchHref({ namespace: n.namespace, realm: n.realm, provider: n.provider }))} c="inherit">
                            <DisplayName text={n.namespace} />
                          </TextLink>
                        ) : (
                          <Text size="sm" c="dimmed">
                            —
                          </Text>
                        )}
                      </TableTd>
                      <TableTd>
                        <TextLink size="sm" href={at(searchHref({ realm: n.realm, provider: n.provider }))} c="inherit">
                          {n.realm}
                        </TextLink>
                      </TableTd>
                      {missingFindings ? null : (
                        <TableTd>
                          <Text className="kg-mono" c="dimmed" size="xs">
                            <DisplayName text={n.id} />
                          </Text>
                        </TableTd>
                      )}
                    </TableTr>
                  ))}
                </TableTbody>
              </Table>
            </TableScrollContainer>
          </Card>
          <Pager base={{ ...f, page: undefined }} page={page} total={total} capped={capped} pageSize={PAGE_SIZE} asOf={asOf.spec} />
        </Stack>
      )}
    </Stack>
  );
}

function NoResults({ f, looksLikeId, asOf }: { f: SearchParamsIn; looksLikeId: boolean; asOf?: string }) {
  const filtered = !!(f.kind || f.namespace || f.realm || f.provider);
  if (f.missing && !f.q && !filtered) {
    return (
      <EmptyState title="No missing objects">
        Every Secret, ServiceAccount and key that something references was observed. Nothing will fail at the next restart
        because of a dangling reference.
      </EmptyState>
    );
  }
  const style = f.kind && f.provider ? kindStyle(f.provider, f.kind) : null;
  return (
    <EmptyState title={f.q ? `Nothing matches “${f.q}”` : `No ${style ? style.plural : 'objects'} found`}>
      <Stack gap={6} align="center">
        {looksLikeId && f.q ? (
          <Text size="sm">
            {parseId(f.q)
              ? 'This is a well-formed node id, but no source has reported it.'
              : `This looks like a node id but is not well-formed. Ids look like ${idForms().join(', ')}.`}
          </Text>
        ) : (
          <Text size="sm">Search matches names, namespace/name and ids, ignoring case.</Text>
        )}
        {filtered || f.missing ? (
          <Text size="sm">
            <Link href={withAsOf(searchHref({ q: f.q }), asOf)}>Search again without filters</Link>
          </Text>
        ) : null}
      </Stack>
    </EmptyState>
  );
}

/** The Missing list's columns for one missing node: owners referencing it, running pods, optional, severity. */
function MissingCells({ summary, asOf }: { summary: MissingSummary; asOf?: string }) {
  const dash = (
    <Text size="sm" c="dimmed">
      —
    </Text>
  );
  const shown = summary.referencedBy.slice(0, 2);
  return (
    <>
      <TableTd data-testid="missing-referenced-by">
        {shown.length ? (
          <Stack gap={2}>
            {shown.map((id) => (
              <NodeLink key={id} id={id} asOf={asOf}>
                {parseId(id)?.name ?? id}
              </NodeLink>
            ))}
            {summary.referencedBy.length > shown.length ? (
              <Text size="xs" c="dimmed">
                and {summary.referencedBy.length - shown.length} more
              </Text>
            ) : null}
          </Stack>
        ) : (
          dash
        )}
      </TableTd>
      <TableTd data-testid="missing-running-pods">
        {summary.runningPods ? (
          <Text size="sm" fw={600} c="red">
            {summary.runningPods}
          </Text>
        ) : (
          <Text size="sm">0</Text>
        )}
      </TableTd>
      <TableTd data-testid="missing-optional">{summary.severity ? <Text size="sm">{summary.optional ? 'yes' : 'no'}</Text> : dash}</TableTd>
      <TableTd data-testid="missing-severity">{summary.severity ? <SeverityBadge severity={summary.severity} /> : dash}</TableTd>
    </>
  );
}
