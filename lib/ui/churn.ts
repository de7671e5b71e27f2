/**
 * Churn in a list of changes (pure, client-safe): what controllers create and replace on every rollout or schedule
 * (lib/graph/model.ts CONTROLLER_CREATED_KIND_KEYS: ReplicaSets, Jobs, Pods) added or removed together folds into one
 * counted row, so the Changes page shows the rename and the edited Deployment, not forty replaced Pods.
 */
import { CONTROLLER_CREATED_KIND_KEYS } from '../graph/model';

/** At least this many objects (or references) of one churn group fold into one row. */
export const CHURN_MIN = 3;
const CHURN_KINDS = new Set<string>(CONTROLLER_CREATED_KIND_KEYS);

/** True for an added or removed object of a controller-created kind (a change to one is never churn). */
export const isChurn = (provider: string | undefined, kind: string | undefined, change: string) =>
  change !== 'changed' && CHURN_KINDS.has(`${provider}:${kind}`);

/** A row of a list of changes: one item, or a group of churn. */
export type Row<T> = { item: T } | { group: T[]; key: string };

/**
 * Folds churn into rows: items `keyOf` puts in one group (null: not churn) become one row where the first of them
 * was, when the group holds at least {@link CHURN_MIN} distinct members (`memberOf`: the object an item is about,
 * e.g. a reference's `from`; default the item); the others stay one row each, in order.
 */
export function foldChurn<T>(items: readonly T[], keyOf: (x: T) => string | null, memberOf: (x: T) => unknown = (x) => x): Row<T>[] {
  const groups = new Map<string, T[]>();
  for (const x of items) {
    const k = keyOf(x);
    if (k !== null) (groups.get(k) ?? groups.set(k, []).get(k)!).push(x);
  }
  const out: Row<T>[] = [];
  const placed = new Set<string>();
  for (const x of items) {
    const k = keyOf(x);
    const g = k === null ? undefined : groups.get(k);
    if (!g || new Set(g.map(memberOf)).size < CHURN_MIN) out.push({ item: x });
    else if (!placed.has(k!)) (placed.add(k!), out.push({ group: g, key: k! }));
  }
  return out;
}
