/**
 * The node page's impact action picker: a plain GET form (no client script) back to `/node` with `id`, `action` and
 * the page's `asOf`, landing on the impact card (`#impact`).
 */
import { Button, Group, NativeSelect } from '@mantine/core';
import type { ImpactAction } from '@/lib/analysis/impact';
import { AS_OF_PARAM } from '@/lib/ui/params';

/** Actions worth asking about for a node kind, the default first: the model's per-kind `impactActions`. */
export { impactActionsFor } from '@/lib/graph/model';

export function ImpactActionForm({ id, actions, action, asOfSpec }: { id: string; actions: readonly ImpactAction[]; action: ImpactAction; asOfSpec?: string }) {
  return (
    <form method="get" action="/node#impact" data-testid="impact-form">
      <input type="hidden" name="id" value={id} />
      {asOfSpec ? <input type="hidden" name={AS_OF_PARAM} value={asOfSpec} /> : null}
      <Group gap={6} wrap="nowrap" align="center">
        <NativeSelect
          name="action"
          aria-label="Action"
          size="xs"
          defaultValue={action}
          data={actions.map((a) => ({ value: a, label: a }))}
          data-testid="impact-action"
        />
        <Button type="submit" size="xs" variant="light" data-testid="impact-submit">
          Check
        </Button>
      </Group>
    </form>
  );
}
