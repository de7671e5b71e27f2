/**
 * The "History" card of a node page: when the object appeared, each change (fields; data keys added/removed; a
 * changed Secret value as "value changed", never a value), when it disappeared, and the runs that saw it. keygraph
 * knows a change only between two collections, so every event says "between run A (time) and run B (time)" (the
 * previous run of the same source/scope, which did not see it, and the run that did), and links to the node as of
 * run B.
 */
import { Badge, Card, Code, Group, Stack, Text, Timeline, TimelineItem, Title } from '@mantine/core';
import type { FieldChange } from '@/lib/graph/changes';
import type { HistoryEvent, NodeHistory } from '@/lib/store/history';
import { nodeHref, runHref } from '@/lib/ui/format';
import { withAsOf, type AsOf } from '@/lib/ui/params';
import { AppLink } from '../_components/NodeLink';
import { TimeText } from '../_components/TimeText';
import { AnchorLink } from '../_components/links';

/** Events shown before "and N more" (a long-lived object changed by every run). */
const MAX_EVENTS = 100;
/** Runs listed under "Seen by". */
const MAX_SEEN = 40;

const EVENT_STYLE: Record<HistoryEvent['type'], { color: string; label: string }> = {
  appeared: { color: 'teal', label: 'appeared' },
  observed: { color: 'teal', label: 'observed' },
  changed: { color: 'indigo', label: 'changed' },
  disappeared: { color: 'red', label: 'disappeared' },
  referenced: { color: 'orange', label: 'referenced (not observed)' },
  'no longer referenced': { color: 'gray', label: 'no longer referenced' },
};

/** What an event means, in a sentence. */
function explain(e: HistoryEvent): string {
  switch (e.type) {
    case 'appeared': return 'First seen by this collection.';
    case 'observed': return 'Seen as an object again (it was only referenced before).';
    case 'changed': return `${e.changes.length} change${e.changes.length === 1 ? '' : 's'}.`;
    case 'disappeared': return 'No longer in the collection. References to it now dangle, if any remain.';
    case 'referenced': return 'Something referenced it, but the object itself was not seen.';
    case 'no longer referenced': return 'Nothing references it any more.';
  }
}

/** A property value, short (labels, images, flags; never a Secret value, which history does not hold). */
function short(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s === undefined ? '—' : s.length > 80 ? `${s.slice(0, 79)}…` : s;
}

/** One field change: `data.KEY` value changed, a label added, an image changed (before → after). */
export function FieldChangeItem({ c }: { c: FieldChange }) {
  return (
    <Group gap={6} wrap="wrap" data-testid="field-change" data-field={c.field} data-change={c.change}>
      <Code fz={12}>{c.field}</Code>
      {c.change === 'value changed' ? (
        <Badge size="xs" variant="light" color="grape" radius="sm" tt="none">
          value changed
        </Badge>
      ) : c.change === 'changed' ? (
        <Text size="xs">
          <Text span c="dimmed" size="xs">
            {short(c.before)}
          </Text>{' '}
          → <Text span size="xs" fw={500}>{short(c.after)}</Text>
        </Text>
      ) : (
        <Text size="xs" c={c.change === 'added' ? 'teal.8' : 'red.8'}>
          {c.change}
          {c.change === 'added' && c.after !== undefined ? `: ${short(c.after)}` : ''}
          {c.change === 'removed' && c.before !== undefined ? ` (was ${short(c.before)})` : ''}
        </Text>
      )}
    </Group>
  );
}

/** A run as a link with its commit time: `run #3 (20 Nov 10:00)`. */
function RunAt({ runId, at }: { runId: number; at: Date }) {
  return (
    <Text span size="sm">
      run{' '}
      <AnchorLink href={runHref(runId)} size="sm" fw={600} underline="hover">
        #{runId}
      </AnchorLink>{' '}
      (<TimeText value={at} />)
    </Text>
  );
}

/**
 * When a change happened, as far as collections can tell: between the previous run of its source/scope and the run
 * that saw it (or "by run B" when B was the first run of its source/scope).
 */
function When({ e }: { e: HistoryEvent }) {
  return (
    <Text span size="sm" data-testid="history-when" data-after={e.after?.runId} data-run={e.runId}>
      {e.after ? (
        <>
          between <RunAt runId={e.after.runId} at={e.after.committedAt} /> and <RunAt runId={e.runId} at={e.at} />
        </>
      ) : (
        <>
          by <RunAt runId={e.runId} at={e.at} />, the first collection of {e.source}/{e.scope}
        </>
      )}
    </Text>
  );
}

export function HistoryCard({ id, history, asOf }: { id: string; history: NodeHistory | null; asOf: AsOf }) {
  const events = history?.events ?? [];
  const shown = events.slice(-MAX_EVENTS);
  const viewing = asOf.at?.getTime();
  // The event in effect at the time shown: the last one at or before it (the latest when viewing now).
  const current = viewing === undefined ? shown.length - 1 : shown.findLastIndex((e) => e.at.getTime() <= viewing);
  const seen = history?.seenBy ?? [];
  return (
    <Card withBorder padding="lg" radius="md" component="section" aria-labelledby="history-title" data-testid="history">
      <Stack gap="md">
        <Stack gap={2}>
          <Title order={2} fz="lg" id="history-title">
            History
          </Title>
          <Text size="sm" c="dimmed">
            When it appeared, changed and disappeared, across every collection. Secret values are never shown: a new value
            reads “value changed”.
          </Text>
        </Stack>
        {shown.length ? (
          <Timeline active={current} bulletSize={14} lineWidth={2} color="indigo">
            {shown.map((e, i) => {
              const style = EVENT_STYLE[e.type];
              const later = viewing !== undefined && e.at.getTime() > viewing;
              const here = i === current;
              return (
                <TimelineItem
                  key={`${e.at.toISOString()}/${e.source}/${e.scope}/${e.type}/${i}`}
                  color={style.color}
                  data-testid="history-event"
                  data-type={e.type}
                  data-run={e.runId}
                  style={later ? { opacity: 0.6 } : undefined}
                  title={
                    <Group gap={8} wrap="wrap" align="center">
                      <Badge color={style.color} variant="light" size="sm" radius="sm" tt="none">
                        {style.label}
                      </Badge>
                      <When e={e} />
                      {here && viewing !== undefined ? (
                        <Badge color="orange" variant="outline" size="xs" radius="sm" tt="none">
                          in effect at the time shown
                        </Badge>
                      ) : later ? (
                        <Text size="xs" c="dimmed">
                          (after the time shown)
                        </Text>
                      ) : null}
                    </Group>
                  }
                >
                  <Stack gap={4} mt={4}>
                    <Group gap={6} wrap="wrap">
                      <Text size="xs" c="dimmed">
                        {explain(e)} {e.source}/{e.scope} ·
                      </Text>
                      <AnchorLink
                        href={withAsOf(nodeHref(id), `run:${e.runId}`)}
                        size="xs"
                        fw={500}
                        underline="hover"
                        data-testid="history-view-as-of"
                      >
                        view as of this time
                      </AnchorLink>
                    </Group>
                    {e.changes.length ? (
                      <Stack gap={4} pl={2}>
                        {e.changes.map((c, j) => (
                          <FieldChangeItem key={`${c.field}/${j}`} c={c} />
                        ))}
                      </Stack>
                    ) : null}
                  </Stack>
                </TimelineItem>
              );
            })}
          </Timeline>
        ) : (
          <Text size="sm" c="dimmed" fs="italic">
            No recorded history.
          </Text>
        )}
        {events.length > shown.length ? (
          <Text size="xs" c="dimmed">
            Showing the latest {shown.length} of {events.length} events.
          </Text>
        ) : null}
        <Stack gap={6}>
          <Text size="sm" fw={600}>
            Seen by {seen.length >= 200 ? 'the last 200' : seen.length} run{seen.length === 1 ? '' : 's'}
          </Text>
          {seen.length ? (
            <Group gap={6} wrap="wrap" data-testid="history-seen-by">
              {seen.slice(0, MAX_SEEN).map((r) => (
                <Badge key={r.runId} variant="light" color="gray" radius="sm" tt="none" size="md">
                  <AppLink href={runHref(r.runId)} fw={600} size="xs">
                    #{r.runId}
                  </AppLink>{' '}
                  <Text span size="xs" c="dimmed">
                    {r.source}/{r.scope}
                  </Text>
                </Badge>
              ))}
              {seen.length > MAX_SEEN ? (
                <Text size="xs" c="dimmed">
                  and {seen.length - MAX_SEEN} more
                </Text>
              ) : null}
            </Group>
          ) : (
            <Text size="sm" c="dimmed">
              No collection observed the object itself (only references to it).
            </Text>
          )}
        </Stack>
      </Stack>
    </Card>
  );
}
