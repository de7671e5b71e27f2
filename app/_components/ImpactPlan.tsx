import { Badge, Group, List, ListItem, Stack, Text, Title } from '@mantine/core';
import type { ActionPlan, PlanStep } from '@/lib/analysis/plan';
import { parseId } from '@/lib/graph/ids';
import { CopyId } from './CopyId';
import { NodeLink } from './NodeLink';

/**
 * The impact check's plan (lib/analysis/plan.ts): numbered steps in the order to take them, each naming the object a
 * person acts on (linked), a command to copy when there is one, and "automatic" for what happens by itself. Usage:
 * `<ImpactPlan plan={result.plan} asOfSpec={spec} />`; renders nothing when the only step is the action itself.
 */
export function ImpactPlan({ plan, asOfSpec, maxPerKind = 5 }: { plan: ActionPlan; asOfSpec?: string; maxPerKind?: number }) {
  if (plan.steps.length < 2) return null;
  // A hot key's plan re-points hundreds of Deployments: the first few of each kind of step, then a count.
  const seen = new Map<string, number>();
  const total = new Map<string, number>();
  for (const s of plan.steps) total.set(s.kind, (total.get(s.kind) ?? 0) + 1);
  const items: ({ step: PlanStep; i: number } | { more: number; kind: string })[] = [];
  plan.steps.forEach((step, i) => {
    const n = (seen.get(step.kind) ?? 0) + 1;
    seen.set(step.kind, n);
    if (n <= maxPerKind) items.push({ step, i });
    if (n === total.get(step.kind) && n > maxPerKind) items.push({ more: n - maxPerKind, kind: step.kind });
  });
  return (
    <Stack gap={6} data-testid="impact-plan">
      <Title order={3} fz="md">
        Plan
      </Title>
      <List type="ordered" spacing={6} size="sm" withPadding>
        {items.map((it) => {
          if ('more' in it) {
            return (
              <ListItem key={`more-${it.kind}`} data-testid="plan-more">
                <Text size="sm" c="dimmed">
                  … and {it.more} more like these (the impact answer&apos;s JSON lists every step)
                </Text>
              </ListItem>
            );
          }
          const { step: s, i } = it;
          return (
          <ListItem key={`${s.kind}-${s.node ?? i}`} data-testid="plan-step" data-kind={s.kind}>
            <Stack gap={4}>
              <Group gap={6} wrap="wrap">
                <StepText step={s} asOfSpec={asOfSpec} />
                {s.by === 'automatic' ? (
                  <Badge size="xs" variant="light" color="teal">
                    automatic
                  </Badge>
                ) : null}
                {s.runningPods ? (
                  <Badge size="xs" variant="light" color="green">
                    {s.runningPods} running pod{s.runningPods === 1 ? '' : 's'}
                  </Badge>
                ) : null}
              </Group>
              {s.command ? <CopyId value={s.command} label="Copy command" testId="plan-command" /> : null}
            </Stack>
          </ListItem>
          );
        })}
      </List>
      {plan.finishedPods ? (
        <Text size="xs" c="dimmed">
          {plan.finishedPods} finished Pod{plan.finishedPods === 1 ? '' : 's'} (Succeeded or Failed): nothing to restart.
        </Text>
      ) : null}
    </Stack>
  );
}

/** Long names and key ids break anywhere rather than widen the page on a phone. */
const WRAP = { overflowWrap: 'anywhere', minWidth: 0 } as const;

/** The step's sentence with the object it names (`namespace/name`, or the name) as a link to its page. */
function StepText({ step, asOfSpec }: { step: PlanStep; asOfSpec?: string }) {
  const p = step.node ? parseId(step.node) : null;
  const shown = p ? (p.namespace ? `${p.namespace}/${p.name}` : p.name) : '';
  const at = shown ? step.text.indexOf(shown) : -1;
  if (!step.node || at < 0) return <Text size="sm" style={WRAP}>{step.text}</Text>;
  return (
    <Text size="sm" style={WRAP}>
      {step.text.slice(0, at)}
      <NodeLink id={step.node} asOf={asOfSpec}>
        {shown}
      </NodeLink>
      {step.text.slice(at + shown.length)}
    </Text>
  );
}
