import type { ReactNode } from 'react';
import { Alert, Badge, Card, Group, Stack, Table, TableScrollContainer, TableTbody, TableTd, TableTh, TableThead, TableTr, Text, Title } from '@mantine/core';
import { type AffectedNode, type ImpactAction, type ImpactResult } from '@/lib/analysis/impact';
import { impactFor } from './loaders';
import { explainHop } from '@/lib/graph/describe';
import { RUNNER_KIND_KEYS } from '@/lib/graph/model';
import { kindStyle, nodeHref } from '@/lib/ui/format';
import { withAsOf } from '@/lib/ui/params';
import { parseId } from '@/lib/graph/ids';
import type { PathStep } from '@/lib/analysis/impact';
import type { NodeSummary } from '@/lib/store/read';
import { ROTATION_PLAN_LABELS, type RotationPlan } from '@/lib/analysis/rotation';
import type { EdgeProperties } from '@/lib/graph/records';
import { KindBadge, MissingBadge } from './badges';
import { NodeLink } from './NodeLink';
import { ImpactPlan } from './ImpactPlan';
import { OwnedList } from './OwnedList';
import { AnchorLink } from './links';

const VERDICT: Record<ImpactResult['verdict'], { color: string; label: string; text: string }> = {
  safe: { color: 'green', label: 'Safe', text: 'Nothing depends on it (and the data is complete and fresh).' },
  breaks: { color: 'red', label: 'Breaks', text: 'These objects fail at their next start or lose access.' },
  unknown: { color: 'yellow', label: 'Unknown', text: 'Nothing found breaks, but the data could hide a dependant (see why): not safe to assume.' },
};

/** Verdict wording for `rotate`: nothing fails, but someone may have to act. */
const ROTATE_TEXT = {
  safe: 'Every dependant picks the new value up by itself (restarted automatically, live, or at its next run).',
  breaks: 'Some dependants must be updated or restarted by hand to use the new value (see each plan).',
} as const;

/** Badge colour of each rotate plan: what needs a hand is warm, what happens by itself is green. */
const PLAN_COLOR: Record<RotationPlan, string> = {
  update: 'red', 'needs-restart': 'orange', 'next-run': 'blue', 'picks-up-live': 'teal', 'restarts-automatically': 'green',
};

/**
 * Affected objects nested under their controller when it is affected too (`AffectedNode.controller`: a Deployment
 * with its ReplicaSet and Pods is one row, a CronJob with its Jobs and Pods another). Order: the affected order.
 */
function underControllers(affected: AffectedNode[]): { a: AffectedNode; owned: AffectedNode[] }[] {
  const ids = new Set(affected.map((a) => a.node.id));
  // Only workloads and Pods fold: a Secret an ExternalSecret owns is a hop of its own, not a detail of its owner.
  const folds = (a: AffectedNode) => !!a.controller && ids.has(a.controller) && FOLDED_KINDS.has(`${a.node.provider}:${a.node.kind}`);
  const rows = new Map<string, { a: AffectedNode; owned: AffectedNode[] }>();
  for (const a of affected) if (!folds(a)) rows.set(a.node.id, { a, owned: [] });
  for (const a of affected) if (folds(a)) rows.get(a.controller!)?.owned.push(a);
  return [...rows.values()];
}
const FOLDED_KINDS = new Set<string>(RUNNER_KIND_KEYS);

/**
 * Server component for the node page: "what breaks if I delete this?" (lib/analysis/impact.ts) with the verdict,
 * reasons, notes and every affected object with the path that explains it, owned objects folded under their
 * controller's row. Usage:
 * `<ImpactPanel id={node.id} action="delete" asOf={opts.asOf} />`. Renders nothing for an unknown node.
 * `asOfSpec`: the page's time spec, kept by the node links; `controls`: rendered in the header (the node page's
 * action picker).
 */
export async function ImpactPanel({
  id,
  action = 'delete',
  asOf,
  asOfSpec,
  controls,
  limit = 200,
  allHref,
}: {
  id: string;
  action?: ImpactAction;
  asOf?: Date;
  asOfSpec?: string;
  controls?: ReactNode;
  /** Rows shown (owned objects folded into their controller's row count as one). */
  limit?: number;
  /** A page showing more rows, linked under a cut list. */
  allHref?: string;
}) {
  const r = await impactFor(id, action, asOf?.getTime());
  if (!r) return null;
  const v = r.action === 'rotate' && r.verdict !== 'unknown' ? { ...VERDICT[r.verdict], text: ROTATE_TEXT[r.verdict] } : VERDICT[r.verdict];
  const rows = underControllers(r.affected);
  const phases = new Map(r.affected.flatMap((a) => (a.phase ? [[a.node.id, a.phase] as const] : [])));
  return (
    <Card withBorder radius="md" padding="md" data-testid="impact-panel" data-verdict={r.verdict}>
      <Stack gap="sm">
        <Group gap="sm" justify="space-between" wrap="wrap">
          <Group gap="sm">
            <Title order={2} fz="lg">
              If you {action} it
            </Title>
            <Badge color={v.color} variant="filled" radius="sm" data-testid="impact-verdict">
              {v.label}
            </Badge>
          </Group>
          {controls}
        </Group>
        <Text size="sm" c="dimmed">
          {v.text} Same answer as <span className="kg-mono">keygraph impact {id} --action {action}</span>.
        </Text>
        {r.reasons.length ? (
          <Alert color="yellow" title={r.verdict === 'unknown' ? 'Why unknown' : 'The list may be incomplete'}>
            <Stack gap={2}>
              {r.reasons.map((x) => (
                <Text key={x} size="sm">
                  {x}
                </Text>
              ))}
            </Stack>
          </Alert>
        ) : null}
        {r.notes.map((n) => (
          <Text key={n} size="sm">
            {n}
          </Text>
        ))}
        <ImpactPlan plan={r.plan} asOfSpec={asOfSpec} maxPerKind={limit >= 1000 ? Infinity : 5} />
        {r.affected.length ? (
          // On a phone the table scrolls sideways inside the card: names keep a readable width.
          <TableScrollContainer minWidth={640}>
          <Table verticalSpacing="xs" data-testid="impact-affected">
            <TableThead>
              <TableTr>
                <TableTh w="32%">Affected</TableTh>
                <TableTh>Why</TableTh>
                <TableTh style={{ minWidth: 130 }}>Now</TableTh>
              </TableTr>
            </TableThead>
            <TableTbody>
              {rows.slice(0, limit).map(({ a, owned }) => (
                <TableTr key={a.node.id} data-node-id={a.node.id}>
                  <TableTd>
                    <Group gap={6} wrap="nowrap">
                      <KindBadge provider={a.node.provider} kind={a.node.kind} size="xs" />
                      <NodeLink id={a.node.id} asOf={asOfSpec}>
                        <span style={{ overflowWrap: 'anywhere' }}>{a.node.namespace ? `${a.node.namespace}/${a.node.name}` : a.node.name}</span>
                      </NodeLink>
                      {a.node.missing && !(r.targetPending && a.node.id === r.target.id) ? <MissingBadge size="xs" /> : null}
                    </Group>
                    {owned.length ? <OwnedList owned={owned.map((o) => o.node)} phase={(id) => phases.get(id)} asOf={asOfSpec} /> : null}
                  </TableTd>
                  <TableTd>
                    <PathCrumbs path={a.path} affected={a.node} asOfSpec={asOfSpec} />
                    {a.rotation ? (
                      <Text size="xs" c="dimmed" data-testid="impact-rotation-reason">
                        {a.rotation.reason}
                      </Text>
                    ) : null}
                  </TableTd>
                  <TableTd>
                    <Group gap={4}>
                      {a.rotation ? (
                        <Badge size="xs" variant="light" color={PLAN_COLOR[a.rotation.plan]} data-testid="impact-rotation" data-plan={a.rotation.plan}>
                          {ROTATION_PLAN_LABELS[a.rotation.plan]}
                        </Badge>
                      ) : a.role !== 'breaks' ? (
                        <Badge size="xs" variant="light" color="gray">
                          {a.role}
                        </Badge>
                      ) : null}
                      {a.phase ? (
                        <Badge size="xs" variant="light" color={a.phase === 'Running' ? 'green' : 'gray'}>
                          {a.phase}
                        </Badge>
                      ) : null}
                      {a.runningPods && a.node.kind !== 'Pod' ? (
                        <Badge size="xs" variant="light" color="green">
                          {a.runningPods} running
                        </Badge>
                      ) : null}
                    </Group>
                  </TableTd>
                </TableTr>
              ))}
            </TableTbody>
          </Table>
          </TableScrollContainer>
        ) : null}
        {rows.length > limit ? (
          <Text size="sm" c="dimmed" data-testid="impact-more">
            … and {rows.length - limit} more:{' '}
            {allHref ? (
              <AnchorLink href={allHref} underline="always" data-testid="impact-all">show more</AnchorLink>
            ) : null}
            {allHref ? ', or ' : ''}keygraph impact --json lists all.
          </Text>
        ) : null}
      </Stack>
    </Card>
  );
}

/**
 * Why an object is affected, as breadcrumbs from the target outwards: each hop's dependant (linked) and how it uses
 * the one before, in plain words ("ota-metadata-backup mounts it as a volume at /var/secrets/google › …"); the
 * affected object itself is "this Pod". Parallel references of one hop are joined with "and".
 */
function PathCrumbs({ path, affected, asOfSpec }: { path: PathStep[]; affected: NodeSummary; asOfSpec?: string }) {
  return (
    <Text size="xs" data-testid="impact-path">
      {path.map((step, i) => {
        const how = explainHop(step.kind, step.references as EdgeProperties[]);
        const last = i === path.length - 1;
        const p = parseId(step.node);
        return (
          <span key={`${step.node}-${i}`}>
            {i ? <span aria-hidden="true"> › </span> : null}
            {last ? (
              `this ${kindStyle(affected.provider, affected.kind).label}`
            ) : (
              <a href={withAsOf(nodeHref(step.node), asOfSpec)} className="kg-crumb">
                {p?.name ?? step.node}
              </a>
            )}{' '}
            {how}
          </span>
        );
      })}
    </Text>
  );
}
