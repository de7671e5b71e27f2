import { Button, Group, NativeSelect, TextInput } from '@mantine/core';
import type { RunView } from '@/lib/store/read';
import { formatRelative } from '@/lib/ui/format';

/** The run picker's choices: `run:N` with the run's source, scope and how long ago it committed. */
function RunChoices({ runs }: { runs: RunView[] }) {
  return (
    <datalist id="diff-runs" data-testid="diff-runs">
      {runs.map((r) => (
        <option key={r.id} value={`run:${r.id}`} label={`run ${r.id} · ${r.source} ${r.scope} · ${r.committedAt ? formatRelative(r.committedAt) : r.status}`} />
      ))}
    </datalist>
  );
}

/**
 * The diff page's time and cluster choice: a plain GET form (works without JavaScript). Times are any form of
 * lib/time.ts: ISO 8601, `run:N`, a time ago (`24h`, `7d`), `yesterday`; both fields offer the recent committed runs
 * (`runs`, newest first) as choices.
 */
export function DiffForm({ from, to, cluster, clusters, runs }: { from: string; to: string; cluster: string; clusters: string[]; runs: RunView[] }) {
  return (
    <form action="/diff" method="get" aria-label="Compare two times">
      <RunChoices runs={runs} />
      <Group align="flex-end" gap="sm" wrap="wrap">
        <TimeInput name="from" label="From" value={from} placeholder="run:1, 2024-10-07T10:00:00Z or 7d" />
        <TimeInput name="to" label="To" value={to} placeholder="run:2 or 2024-10-08T10:00:00Z" />
        <NativeSelect
          name="cluster"
          label="Cluster / project"
          defaultValue={cluster}
          data={[{ value: '', label: 'All' }, ...clusters.map((c) => ({ value: c, label: c }))]}
          style={{ flex: '0 1 200px' }}
        />
        <Button type="submit">Compare</Button>
      </Group>
    </form>
  );
}

/** One time field of the form (`diff-NAME` test id). */
function TimeInput({ name, label, value, placeholder }: { name: 'from' | 'to'; label: string; value: string; placeholder: string }) {
  return (
    <TextInput
      name={name}
      label={label}
      defaultValue={value}
      placeholder={placeholder}
      style={{ flex: '1 1 220px' }}
      autoComplete="off"
      spellCheck={false}
      list="diff-runs"
      data-testid={`diff-${name}`}
    />
  );
}
