/**
 * The Keys page's order (pure): sort keys of the key audit (lib/export/sources/keys.ts KeyItem) and their default
 * directions. Missing values (no last use recorded, no age) sort last whatever the direction.
 */
import type { KeyItem } from '../export/sources/keys';

export const KEY_SORTS = ['age', 'lastUsed', 'key', 'account', 'status', 'holders', 'consumers', 'pods'] as const;
export type KeySort = (typeof KEY_SORTS)[number];

/** Sorts that start with the largest (oldest key, most consumers…); the others A→Z. */
export const KEY_SORTS_DESC_FIRST: readonly KeySort[] = ['age', 'holders', 'consumers', 'pods'];

/** Worst first when sorted descending: a key GCP no longer lists, then expired, disabled, not yet valid, valid. */
const STATUS_RANK: Record<KeyItem['validity'], number> = { missing: 4, expired: 3, disabled: 2, 'not-yet-valid': 1, valid: 0 };

/** `items` sorted by `sort` in `dir`, ties by key id. Returns a new array. */
export function sortKeys(items: readonly KeyItem[], sort: KeySort, dir: 'asc' | 'desc'): KeyItem[] {
  const sign = dir === 'asc' ? 1 : -1;
  const num = (a: number | null, b: number | null) => (a === null && b === null ? 0 : a === null ? 1 : b === null ? -1 : sign * (a - b));
  const text = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : sign * a.localeCompare(b));
  const time = (v: string | null) => (v ? Date.parse(v) : null);
  const by: Record<KeySort, (a: KeyItem, b: KeyItem) => number> = {
    age: (a, b) => num(a.ageDays, b.ageDays),
    lastUsed: (a, b) => num(time(a.lastAuthenticatedAt), time(b.lastAuthenticatedAt)),
    key: (a, b) => text(a.keyId, b.keyId),
    account: (a, b) => text(a.serviceAccount, b.serviceAccount),
    status: (a, b) => sign * (STATUS_RANK[a.validity] - STATUS_RANK[b.validity]),
    holders: (a, b) => sign * (a.holderSecrets.length - b.holderSecrets.length),
    consumers: (a, b) => sign * (a.consumers.length - b.consumers.length),
    pods: (a, b) => sign * (a.runningPods.length - b.runningPods.length),
  };
  return [...items].sort((a, b) => by[sort](a, b) || a.id.localeCompare(b.id));
}
