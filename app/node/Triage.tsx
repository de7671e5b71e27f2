import type { ReactNode } from 'react';
import { Badge, Card, Code, Group, SimpleGrid, Stack, Table, TableTbody, TableTd, TableTh, TableTr, Text, Title } from '@mantine/core';
import { triage, type Health } from '@/lib/analysis/triage';
import type { ImpactAction } from '@/lib/analysis/impact';
import type { NodeView } from '@/lib/store/read';
import { formatDate, kindStyle, nodeHref } from '@/lib/ui/format';
import { withAsOf } from '@/lib/ui/params';
import { findingsFor, impactFor } from '../_components/loaders';
import { DisplayName } from '../_components/NodeLink';
import { parseId } from '@/lib/graph/ids';
import { AnchorLink } from '../_components/links';
import { SEVERITY_COLOR } from '../_components/FindingsList';
import type { Row } from './Properties';

const HEALTH: Record<Health, { label: string; color: string }> = {
  ok: { label: 'OK', color: 'green' },
  missing: { label: 'Missing', color: 'red' },
  pending: { label: 'Pending', color: 'blue' },
  'at-risk': { label: 'At risk', color: 'orange' },
  unknown: { label: 'Not sure', color: 'yellow' },
};

const VERDICT: Record<'safe' | 'breaks' | 'unknown', { label: string; color: string }> = {
  safe: { label: 'Safe', color: 'green' },
  breaks: { label: 'Breaks', color: 'red' },
  unknown: { label: 'Unknown', color: 'yellow' },
};

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** Properties the About card shows (the rest stay in "All properties"), in this order. */
const ABOUT_KEYS = [
  '_missing', 'type', 'metadataOnly', 'dataKeys', 'certificate', 'replicas', 'readyReplicas', 'phase', 'schedule',
  'serviceAccountName', 'gcpServiceAccount', 'hosts', 'secretName', 'ownerReferences', 'creationTimestamp', 'labels',
];

/**
 * Server component: the answer above the fold of a node page. Health (ok / missing / pending / at risk / not sure),
 * how many running Pods fail at their next restart, the likely replacement of a renamed Secret, the verdict of the
 * default action (linked to the impact section) and an About card (type, keys, owner, created, labels) built from the
 * page's property rows. Reads the same per-request impact and findings as the sections below (loaders.ts).
 * `expectedKeys`: for a missing Secret or ConfigMap, the data keys its references expect.
 */
export async function TriageHeader({
  node,
  action,
  asOf,
  asOfSpec,
  rows,
  expectedKeys,
}: {
  node: NodeView;
  action: ImpactAction;
  asOf?: Date;
  asOfSpec?: string;
  rows: Row[];
  expectedKeys: string[];
}) {
  const [impact, findings] = await Promise.all([impactFor(node.id, action, asOf?.getTime()), findingsFor(node.id, asOf?.getTime())]);
  if (!impact) return null;
  const t = triage(impact, findings);
  const label = kindStyle(node.provider, node.kind).label;
  const h = HEALTH[t.health];
  const at = (href: string) => withAsOf(href, asOfSpec);
  /** A node named inside a sentence: underlined, so it reads as a link without colour (WCAG 1.4.1). */
  const link = (id: string) => (
    <AnchorLink href={at(nodeHref(id))} underline="always" fw={500}>
      <DisplayName text={parseId(id)?.name ?? id} />
    </AnchorLink>
  );
  const pods = t.runningPodsAtRisk ? <strong>{plural(t.runningPodsAtRisk, 'running pod')}</strong> : null;

  const lines: ReactNode[] = [];
  if (t.health === 'missing') {
    lines.push(
      <Text size="sm" key="missing" data-testid="missing-alert">
        This {label} does not exist. Referenced but not observed: {plural(t.directDependants, 'object references', 'objects reference')} it, and{' '}
        {pods ?? 'no running pod'} {t.runningPodsAtRisk === 1 ? 'fails' : 'fail'} at the next restart
        {t.breaking.length ? ` (${plural(t.breaking.length, 'dependant')} in all)` : ''}.
        {expectedKeys.length ? (
          <>
            {' '}
            A re-created {label} needs the keys{' '}
            {expectedKeys.map((k, i) => (
              <span key={k}>
                {i ? ', ' : ''}
                <Code>{k}</Code>
              </span>
            ))}
            .
          </>
        ) : null}
      </Text>,
    );
  } else if (t.health === 'pending') {
    lines.push(
      <Text size="sm" key="pending">
        Not created yet: {t.producedBy.length === 1 ? 'its producer' : 'its producers'}{' '}
        {t.producedBy.map((p, i) => (
          <span key={p}>
            {i ? ', ' : ''}
            {link(p)}
          </span>
        ))}{' '}
        will write it. References to it are not dangling.
      </Text>,
    );
  } else if (t.health === 'unknown') {
    lines.push(
      <Text size="sm" key="unknown">
        No finding, but the data behind this answer is incomplete: {t.reasons[0]}
      </Text>,
    );
  } else if (t.health === 'ok') {
    lines.push(
      <Text size="sm" key="ok">
        {t.directDependants ? `${plural(t.directDependants, 'object uses', 'objects use')} it` : 'Nothing keygraph has seen uses it'}
        {t.findings.length ? `; ${plural(t.findings.length, 'minor finding')} below.` : '; no findings.'}
      </Text>,
    );
  }
  if (t.replacement) {
    lines.push(
      <Text size="sm" key="replacement" data-testid="triage-replacement">
        Likely replacement: {link(t.replacement.id)} (identical content
        {t.replacement.since ? `, since ${formatDate(new Date(t.replacement.since))}` : ''}): point the references at it, or
        re-create this name.
      </Text>,
    );
  }
  if (t.renamedFrom) {
    lines.push(
      <Text size="sm" key="renamed-from" data-testid="triage-renamed-from">
        The new name of {link(t.renamedFrom.id)} (renamed, identical content)
        {t.renamedFrom.references.length
          ? `: ${plural(t.renamedFrom.references.length, 'object still references', 'objects still reference')} the old name.`
          : '.'}
      </Text>,
    );
  }
  if (t.findings.length && t.worst && t.health !== 'ok') {
    lines.push(
      <Group gap={6} key="findings" wrap="wrap">
        <Badge color={SEVERITY_COLOR[t.worst]} variant="light" radius="sm" size="sm">
          {t.worst}
        </Badge>
        <Text size="sm">
          {t.findings[0]!.title}
          {t.findings.length > 1 ? ` and ${plural(t.findings.length - 1, 'more finding')}` : ''}.{' '}
          <AnchorLink href="#findings" underline="always">
            Findings
          </AnchorLink>
        </Text>
      </Group>,
    );
  }
  // The default action's verdict, except for what does not exist (the restart line above is its answer).
  if (t.health !== 'missing' && t.health !== 'pending') {
    const v = VERDICT[t.verdict];
    lines.push(
      <Group gap={6} key="verdict" wrap="wrap" data-testid="triage-verdict" data-verdict={t.verdict}>
        <Text size="sm">If you {t.action} it:</Text>
        <Badge color={v.color} variant="filled" radius="sm" size="sm">
          {v.label}
        </Badge>
        <Text size="sm">
          {t.verdict === 'breaks' ? (
            <>
              {plural(t.breaking.length, 'object')} {t.action === 'rotate' ? 'need a hand' : 'break'}
              {pods ? <>, {pods} fail at their next restart</> : null}.{' '}
            </>
          ) : t.verdict === 'unknown' ? (
            'the data could hide a dependant. '
          ) : (
            'nothing depends on it. '
          )}
          <AnchorLink href={at(`?id=${encodeURIComponent(node.id)}&action=${t.action}#impact`)} underline="always">
            Impact
          </AnchorLink>
        </Text>
      </Group>,
    );
  }

  // The health card already says a node is missing: an About card with only that row would be empty.
  const found = ABOUT_KEYS.map((k) => rows.find((r) => r.key === k)).filter((r): r is Row => !!r);
  const about = (found.every((r) => r.key === '_missing') ? [] : found).map((r) =>
    // Key names only here (the fingerprints are in All properties).
    r.key === 'dataKeys' && Array.isArray(node.properties.dataKeys)
      ? { ...r, value: <Group gap={6}>{node.properties.dataKeys.map((k) => <Code key={String(k)}>{String(k)}</Code>)}</Group> }
      : r,
  );
  return (
    <SimpleGrid cols={{ base: 1, md: about.length ? 2 : 1 }} spacing="md" data-testid="triage" data-health={t.health}>
      <Card withBorder radius="md" padding="md" component="section" aria-labelledby="triage-title">
        <Stack gap="xs">
          <Group gap="sm">
            <Title order={2} fz="lg" id="triage-title">
              Health
            </Title>
            <Badge color={h.color} variant="filled" radius="sm" data-testid="triage-health">
              {h.label}
            </Badge>
          </Group>
          {lines}
        </Stack>
      </Card>
      {about.length ? (
        <Card withBorder radius="md" padding="md" component="section" aria-labelledby="about-title" data-testid="about">
          <Stack gap="xs">
            <Title order={2} fz="lg" id="about-title">
              About
            </Title>
            <Table verticalSpacing={4} horizontalSpacing="sm">
              <TableTbody>
                {about.map((r) => (
                  <TableTr key={r.key}>
                    <TableTh w={130} fw={500} c="dimmed" fz="sm" style={{ verticalAlign: 'top' }}>
                      {r.label}
                    </TableTh>
                    <TableTd fz="sm" style={{ overflowWrap: 'anywhere' }}>
                      {r.value}
                    </TableTd>
                  </TableTr>
                ))}
              </TableTbody>
            </Table>
          </Stack>
        </Card>
      ) : null}
    </SimpleGrid>
  );
}
