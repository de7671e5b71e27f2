/**
 * Plain-text wording of nodes and edges, shared by the CLI and exports (the UI renders the same fields as badges).
 */
import { EDGE_KINDS, SECRET_VIA_LABELS, type EdgeKind } from './model';
import type { EdgeProperties } from './records';

/** "env BACKUP_KEY in container api; keys a, b; optional" — every detail of how a reference is made. */
export function describeEdge(p: EdgeProperties): string {
  const parts: string[] = [];
  const how = [p.via, p.envVar, p.volume ? `volume ${p.volume}` : null].filter(Boolean).join(' ');
  if (how) parts.push(how);
  if (p.container) parts.push(`container ${p.container}`);
  if (p.mountPaths?.length) parts.push(`mounted at ${p.mountPaths.join(', ')}`);
  if (p.subPath === true) parts.push(`subPath at ${Array.isArray(p.subPathMounts) ? (p.subPathMounts as string[]).join(', ') : '?'} (never refreshed)`);
  if (p.keys?.length) parts.push(`keys ${p.keys.join(', ')}`);
  if (typeof p.dataKey === 'string') parts.push(`data key ${p.dataKey}`);
  if (p.optional) parts.push('optional');
  return parts.join('; ');
}

const list = (xs: readonly string[]) => xs.join(', ');

/** `backup:/var/secrets/google` → `/var/secrets/google (container backup)`; other text unchanged. */
function mountPlace(m: string): string {
  const i = m.indexOf(':/');
  return i > 0 ? `${m.slice(i + 1)} (container ${m.slice(0, i)})` : m;
}

/**
 * How a dependant uses the object one hop closer to the target, in plain words for a path's breadcrumb: "reads key
 * key-id as env OTA_KEY_ID", "mounts it as a volume at /etc/ota/keys", "holds this key in its data", "is owned by it".
 * `kind`: the edge kind; `p`: one parallel edge's properties (lib/analysis/impact.ts PathStep.references). Wording
 * of kinds without a reference vocabulary comes from the model (EDGE_KINDS forward/inverse, by which end depends).
 */
export function explainReference(kind: EdgeKind, p: EdgeProperties): string {
  const keys = p.keys?.length ? ` (${p.keys.length === 1 ? 'key' : 'keys'} ${list(p.keys)})` : '';
  const at = p.mountPaths?.length ? ` at ${list(p.mountPaths.map(mountPlace))}` : '';
  const optional = p.optional ? ', optional' : '';
  if (kind === 'USES_SECRET' || kind === 'USES_CONFIG_MAP') {
    switch (p.via) {
      case 'env':
        return `reads ${p.keys?.length === 1 ? `key ${p.keys[0]}` : 'it'} as env ${p.envVar ?? 'var'}${optional}`;
      case 'envFrom':
        return `loads every key as env vars${optional}`;
      case 'volume':
      case 'projected':
        return `mounts it as a ${p.via === 'projected' ? 'projected ' : ''}volume${at}${keys}${optional}`;
      case 'googleApplicationCredentials':
        return `reads it as its GCP credentials file (${p.envVar ?? 'GOOGLE_APPLICATION_CREDENTIALS'})${at}`;
      case 'csi':
        return `passes it to the CSI driver${p.driver ? ` ${p.driver}` : ''} (nodePublishSecretRef${p.volume ? ` of volume ${p.volume}` : ''})`;
      case 'imagePullSecret':
        return 'pulls its images with it';
      default: {
        const label = p.via && p.via in SECRET_VIA_LABELS ? SECRET_VIA_LABELS[p.via as keyof typeof SECRET_VIA_LABELS] : p.via;
        return `uses it${label ? ` as ${label}` : ''}${keys}${optional}`;
      }
    }
  }
  if (kind === 'HOLDS_KEY') return 'holds this key file in its data';
  const spec = EDGE_KINDS[kind];
  return `${spec.dependent === 'from' ? spec.forward : spec.inverse} it`;
}

/** How a dependant uses the object one hop closer: {@link explainReference} of each parallel edge, repeats dropped, joined with "and". */
export function explainHop(kind: EdgeKind, references: readonly EdgeProperties[]): string {
  return [...new Set(references.map((p) => explainReference(kind, p)))].join(' and ');
}

/**
 * Characters that change how the text around them is displayed, or are not displayed at all: controls (Cc), format
 * characters (Cf: the bidi embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069, marks U+200E/U+200F and
 * U+061C, zero-width characters, the BOM, soft hyphen…), line/paragraph separators, and Hangul fillers. A name
 * holding one can be displayed as something else (`evil\u202Egnp.exe` reads "evilexe.png").
 */
const HIDDEN_CHARACTERS = /[\p{Cc}\p{Cf}\u2028\u2029\u115f\u1160\u3164\uffa0]/gu;

/** True when `s` holds a character {@link displayText} escapes. */
export function hasHiddenCharacters(s: string): boolean {
  HIDDEN_CHARACTERS.lastIndex = 0;
  return HIDDEN_CHARACTERS.test(s);
}

/**
 * `s` for display (UI and CLI text output): every character of {@link HIDDEN_CHARACTERS} replaced by a visible
 * escape `⟦U+202E⟧`, so a spoofing name shows what it holds (`evil⟦U+202E⟧gnp.exe`). Other text is unchanged. Only
 * for display: stored ids, links, copy buttons and JSON keep the original.
 */
export function displayText(s: string): string {
  return s.replace(HIDDEN_CHARACTERS, (c) => `⟦U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}⟧`);
}

/** `namespace/name` or `name`, for display: hidden and direction-changing characters escaped ({@link displayText}). */
export function qualifiedName(n: { namespace: string | null; name: string }): string {
  return displayText(n.namespace ? `${n.namespace}/${n.name}` : n.name);
}
