/**
 * Pure formatting helpers for the web UI (no React here): links, kind styles, dates, durations, edge details.
 * Kinds, labels and colours come from lib/graph/model.ts; nothing here declares a kind.
 */
import { EDGE_KINDS, isProvider, NODE_KINDS, nodeKindKey, PROVIDERS, SECRET_VIA_LABELS, type EdgeKind, type NodeKindKey } from '../graph/model';

/** Fallback style for a kind the model does not know (a node written by a newer collector). */
const UNKNOWN_KIND_COLOR = '#868e96';

export interface KindStyle {
  key: NodeKindKey | null;
  label: string;
  plural: string;
  color: string;
}

/** Label and colour of a node kind, from the model; unknown kinds get a neutral grey and their raw name. */
export function kindStyle(provider: string, kind: string): KindStyle {
  const key = isProvider(provider) ? nodeKindKey(provider, kind) : null;
  if (!key) return { key: null, label: kind, plural: kind, color: UNKNOWN_KIND_COLOR };
  const spec = NODE_KINDS[key];
  return { key, label: spec.label, plural: spec.plural, color: spec.color };
}

/** "cluster" or "project": what a node's realm is called for its provider (lib/graph/model.ts PROVIDERS; "realm" for
 * a provider the model does not declare). */
export function realmNoun(provider: string): string {
  return isProvider(provider) ? PROVIDERS[provider].realmNoun : 'realm';
}

/** Human name of a provider (PROVIDERS' label; the raw name for one the model does not declare). */
export function providerLabel(provider: string): string {
  return isProvider(provider) ? PROVIDERS[provider].label : provider;
}

/** URL of a node's page. Ids contain `:` and `/`, so they travel as an encoded query parameter. */
export function nodeHref(id: string): string {
  return `/node?id=${encodeURIComponent(id)}`;
}

/** URL of a run's page. */
export function runHref(id: number): string {
  return `/runs/${id}`;
}

export interface SearchParamsIn {
  q?: string;
  kind?: string;
  provider?: string;
  namespace?: string;
  realm?: string;
  missing?: boolean;
  page?: number;
}

/** URL of a search; empty values are left out. */
export function searchHref(p: SearchParamsIn): string {
  const u = new URLSearchParams();
  if (p.q) u.set('q', p.q);
  if (p.kind) u.set('kind', p.kind);
  if (p.provider) u.set('provider', p.provider);
  if (p.namespace) u.set('namespace', p.namespace);
  if (p.realm) u.set('realm', p.realm);
  if (p.missing) u.set('missing', '1');
  if (p.page && p.page > 1) u.set('page', String(p.page));
  const s = u.toString();
  return s ? `/search?${s}` : '/search';
}

const DATE_FMT = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  hour12: false, timeZone: 'UTC',
});

/** `07 Oct 2024, 06:00:00 UTC`; `—` for nothing; the input itself when it does not parse. */
export function formatDate(d: Date | string | null | undefined): string {
  if (d === null || d === undefined || d === '') return '—';
  const date = d instanceof Date ? d : new Date(d);
  if (Number.isNaN(date.getTime())) return String(d);
  return `${DATE_FMT.format(date)} UTC`;
}

/** ISO 8601 (for `dateTime` attributes and tooltips). */
export function isoDate(d: Date | string | null | undefined): string | undefined {
  if (d === null || d === undefined || d === '') return undefined;
  const date = d instanceof Date ? d : new Date(d);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** "3 days ago", "in 2 hours", relative to `now`. */
export function formatRelative(d: Date | string, now: Date = new Date()): string {
  const date = d instanceof Date ? d : new Date(d);
  const ms = date.getTime() - now.getTime();
  if (Number.isNaN(ms)) return '';
  const abs = Math.abs(ms);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['year', 365 * 86400e3], ['month', 30 * 86400e3], ['day', 86400e3], ['hour', 3600e3], ['minute', 60e3], ['second', 1e3],
  ];
  const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, size] of units) {
    if (abs >= size || unit === 'second') return rtf.format(Math.round(ms / size), unit);
  }
  return '';
}

/** `850 ms`, `4.2 s`, `3 min 12 s`, `2 h 05 min`; `—` when unknown. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** Duration of a run, or null while it is still running. */
export function runDurationMs(run: { startedAt: Date; finishedAt: Date | null }): number | null {
  return run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null;
}

/** Mantine colour of a run status badge. */
export function runStatusColor(status: string): string {
  switch (status) {
    case 'succeeded': return 'teal';
    case 'partial': return 'yellow';
    case 'failed': return 'red';
    case 'running': return 'blue';
    default: return 'gray';
  }
}

/** First `n` hex characters of a fingerprint, with an ellipsis. */
export function shortFingerprint(fp: string, n = 8): string {
  return fp.length > n ? `${fp.slice(0, n)}…` : fp;
}

/** `1.2 KiB`, `512 B`. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return String(n);
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Human wording of a USES_SECRET `via`. */
export function viaLabel(via: string): string {
  const labels: Record<string, string> = SECRET_VIA_LABELS;
  return labels[via] ?? via;
}

/** One labelled detail of an edge, e.g. `{label: 'env var', value: 'DB_PASSWORD', mono: true}`. */
export interface EdgeDetail {
  label: string;
  values: string[];
  mono?: boolean;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/**
 * The details of an edge worth showing, in reading order: container, env var, volume, mount paths, data keys,
 * hosts, driver…; `via` and `optional` are shown separately as badges. Unknown scalar properties are included
 * so a newer collector's fields are not hidden.
 */
export function edgeDetails(props: Record<string, unknown>): EdgeDetail[] {
  const out: EdgeDetail[] = [];
  const push = (label: string, values: string[], mono = true) => {
    if (values.length) out.push({ label, values, mono });
  };
  push('container', strs([props.container]));
  push('env var', strs([props.envVar]));
  push('volume', strs([props.volume]));
  push('volume type', strs([props.volumeType]));
  push('mounted at', strs(props.mountPaths));
  push('subPath at', strs(props.subPathMounts));
  push('keys', strs(props.keys));
  push('data key', strs([props.dataKey]));
  push('hosts', strs(props.hosts));
  push('driver', strs([props.driver]));
  push('client email', strs([props.clientEmail]));
  const known = new Set([
    'via', 'optional', 'container', 'envVar', 'volume', 'volumeType', 'mountPaths', 'keys', 'dataKey', 'hosts', 'driver',
    'clientEmail', 'controller', 'implicit', 'deprecatedField', 'annotation', 'binding', 'required', 'subPath', 'subPathMounts',
  ]);
  for (const [k, v] of Object.entries(props)) {
    if (known.has(k)) continue;
    if (typeof v === 'string' || typeof v === 'number') push(k, [String(v)]);
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) push(k, v as string[]);
  }
  return out;
}

/** Short flags of an edge shown as badges: optional, controller, implicit, Workload Identity halves. */
export function edgeFlags(kind: EdgeKind, props: Record<string, unknown>): { label: string; color: string; tip: string }[] {
  const flags: { label: string; color: string; tip: string }[] = [];
  if (props.optional === true) {
    flags.push({ label: 'optional', color: 'gray', tip: 'optional: true — the pod starts even when this Secret or key is absent' });
  }
  if (kind === 'OWNS' && props.controller === true) {
    flags.push({ label: 'controller', color: 'gray', tip: 'The managing controller (ownerReferences[].controller)' });
  }
  if (kind === 'RUNS_AS' && props.implicit === true) {
    flags.push({ label: 'implicit default', color: 'gray', tip: 'No serviceAccountName is set, so Kubernetes runs it as the namespace’s `default` ServiceAccount' });
  }
  if (props.subPath === true) {
    flags.push({ label: 'subPath', color: 'yellow', tip: 'Mounted with subPath: the kubelet never refreshes the file, so a rotated value needs a restart' });
  }
  if (props.deprecatedField === true) {
    flags.push({ label: 'deprecated field', color: 'yellow', tip: 'Named with the deprecated spec.serviceAccount field' });
  }
  if (kind === 'MENTIONS') {
    flags.push(props.required === true
      ? { label: 'required', color: 'orange', tip: 'The field is known to be required: the mentioning object stops working without it' }
      : { label: 'mention', color: 'gray', tip: 'Named by field-name convention in an object keygraph does not model: evidence of use, not proof' });
  }
  if (kind === 'ACTS_AS') {
    if (props.annotation === true) flags.push({ label: 'annotation', color: 'grape', tip: 'The KSA carries the iam.gke.io/gcp-service-account annotation' });
    if (props.binding === true) flags.push({ label: 'IAM binding', color: 'grape', tip: 'The GSA grants roles/iam.workloadIdentityUser to this KSA' });
  }
  return flags;
}

/** Heading of a group of edges on a node page, from the model's wording. */
export function edgeGroupHeading(kind: EdgeKind, direction: 'in' | 'out'): string {
  const spec = EDGE_KINDS[kind];
  return direction === 'in' ? spec.inHeading : spec.outHeading;
}

/** Whether a value looks like a date-time string we should format. */
export function looksLikeIsoDate(v: unknown): v is string {
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v) && !Number.isNaN(Date.parse(v));
}

type Rgb = [number, number, number];

/** WCAG 2.x relative luminance of an sRGB colour (channels 0–255). */
function luminance([r, g, b]: Rgb): number {
  const lin = (v: number) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG contrast ratio of two colours (1–21). */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** The darkest page a light tint sits on: a hovered table row (Mantine gray-1). */
const BADGE_PAGE: Rgb = [0xf1, 0xf3, 0xf5];
/** Opacity of the tint behind light-variant text (Mantine draws 10 %, 12 % on hover; with a margin). */
const TINT = 0.15;

/**
 * A text colour that stays readable in Mantine's light variant (`#rrggbb` in, `#rrggbb` out): the colour darkened,
 * in steps of 2 %, until it reads at ≥ 4.6:1 (WCAG AA for small text, with a margin) on its own 15 % tint over a
 * hovered table row. Such a colour also carries white text (filled variant) and reads on white. Used for kind badges
 * (model colours) and the theme's text shades (app/theme.ts). Anything that is not `#rrggbb` is returned unchanged.
 */
export function readableColor(hex: string): string {
  let c = READABLE.get(hex);
  if (c === undefined) {
    const rgb = parseHex(hex);
    c = rgb ? toHex(darken(rgb, readableFactor(rgb))) : hex;
    if (READABLE.size < 1000) READABLE.set(hex, c);
  }
  return c;
}
/** readableColor's answers (a page draws the same few kind colours thousands of times). */
const READABLE = new Map<string, string>();

/**
 * Shades 6–9 of a ten-shade palette made readable as readableColor does, all darkened by the factor shade 6 needs,
 * so the shades keep their order and hue. Shades 0–5 are returned unchanged; non-`#rrggbb` shades too.
 */
export function readableShades(shades: readonly string[]): string[] {
  const base = parseHex(shades[6] ?? '');
  const factor = base ? readableFactor(base) : 1;
  return shades.map((c, i) => {
    const rgb = i >= 6 ? parseHex(c) : null;
    return rgb ? toHex(darken(rgb, factor)) : c;
  });
}

function parseHex(hex: string): Rgb | null {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  return m ? ([m[1]!, m[2]!, m[3]!].map((h) => parseInt(h, 16)) as Rgb) : null;
}

const toHex = (rgb: Rgb) => `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
const darken = (rgb: Rgb, factor: number) => rgb.map((v) => Math.round(v * factor)) as Rgb;

/** The largest factor (1, 0.98, …) by which `rgb` darkened reads at ≥ 4.6:1 on its own tint (see readableColor). */
function readableFactor(rgb: Rgb): number {
  for (let factor = 1; factor > 0; factor -= 0.02) {
    const text = darken(rgb, factor);
    const tint = text.map((v, i) => Math.round(TINT * v + (1 - TINT) * BADGE_PAGE[i]!)) as Rgb;
    if (contrastRatio(text, tint) >= 4.6) return factor;
  }
  return 0;
}

/** Longest text a page shows for one property value; longer values (a 3 MB annotation) are cut. */
export const MAX_SHOWN_CHARS = 2_000;

/** `s` cut to `max` characters with a note of what was left out (the full value: `keygraph show ID --json`). */
export function clip(s: string, max = MAX_SHOWN_CHARS): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${(s.length - max).toLocaleString('en')} more characters; the full value: keygraph show --json)`;
}

/** A deep copy of a JSON value with every long string clipped, for raw-JSON views. */
export function clipDeep(v: unknown, max = MAX_SHOWN_CHARS): unknown {
  if (typeof v === 'string') return clip(v, max);
  if (Array.isArray(v)) return v.map((x) => clipDeep(x, max));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [clip(k, 200), clipDeep(x, max)]));
  return v;
}
