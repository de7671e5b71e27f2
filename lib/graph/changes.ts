/**
 * What changed between two versions of a node's properties, in words a user can act on. Secret values are never
 * shown: a fingerprint change is reported as "value changed" for that data key.
 */

export interface FieldChange {
  /** `dataKeys`, `data.KEY`, `labels.KEY`, `annotations.KEY`, `containers.NAME.image`, or a top-level property. */
  field: string;
  change: 'added' | 'removed' | 'changed' | 'value changed';
  before?: unknown;
  after?: unknown;
}

type Props = Record<string, unknown>;
const isObj = (v: unknown): v is Props => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function mapDiff(prefix: string, a: unknown, b: unknown, showValues: boolean, out: FieldChange[]): void {
  const x = isObj(a) ? a : {};
  const y = isObj(b) ? b : {};
  for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) {
    if (!(k in x)) out.push({ field: `${prefix}.${k}`, change: 'added', ...(showValues ? { after: y[k] } : {}) });
    else if (!(k in y)) out.push({ field: `${prefix}.${k}`, change: 'removed', ...(showValues ? { before: x[k] } : {}) });
    else if (!same(x[k], y[k])) {
      out.push(showValues ? { field: `${prefix}.${k}`, change: 'changed', before: x[k], after: y[k] } : { field: `${prefix}.${k}`, change: 'value changed' });
    }
  }
}

/**
 * Changes from `before` to `after` (node `properties` as the collectors write them: Secret `dataKeys` and
 * `fingerprints`, `labels`, `annotations`, `containers[{name,image}]`, scalars). Order: data keys, values,
 * labels, annotations, containers, other fields.
 */
export function diffProperties(before: Props, after: Props): FieldChange[] {
  const out: FieldChange[] = [];
  const ka = new Set(Array.isArray(before.dataKeys) ? (before.dataKeys as string[]) : []);
  const kb = new Set(Array.isArray(after.dataKeys) ? (after.dataKeys as string[]) : []);
  for (const k of kb) if (!ka.has(k)) out.push({ field: `data.${k}`, change: 'added' });
  for (const k of ka) if (!kb.has(k)) out.push({ field: `data.${k}`, change: 'removed' });
  const fa = isObj(before.fingerprints) ? before.fingerprints : {};
  const fb = isObj(after.fingerprints) ? after.fingerprints : {};
  for (const k of Object.keys(fb)) if (k in fa && fa[k] !== fb[k]) out.push({ field: `data.${k}`, change: 'value changed' });
  mapDiff('labels', before.labels, after.labels, true, out);
  mapDiff('annotations', before.annotations, after.annotations, true, out);
  const imgs = (v: unknown) =>
    Object.fromEntries((Array.isArray(v) ? v : []).filter(isObj).map((c) => [String(c.name), c.image]));
  mapDiff('containers', imgs(before.containers), imgs(after.containers), true, out);
  const handled = new Set(['dataKeys', 'fingerprints', 'labels', 'annotations', 'containers', 'size']);
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (handled.has(k) || same(before[k], after[k])) continue;
    if (!(k in before)) out.push({ field: k, change: 'added', after: after[k] });
    else if (!(k in after)) out.push({ field: k, change: 'removed', before: before[k] });
    else out.push({ field: k, change: 'changed', before: before[k], after: after[k] });
  }
  return out;
}

/** True when two Secrets hold the same data: same key names and identical, non-empty fingerprints. */
export function sameSecretData(a: Props, b: Props): boolean {
  const fa = isObj(a.fingerprints) ? a.fingerprints : null;
  const fb = isObj(b.fingerprints) ? b.fingerprints : null;
  if (!fa || !fb || Object.keys(fa).length === 0) return false;
  return same(Object.entries(fa).sort(), Object.entries(fb).sort());
}
