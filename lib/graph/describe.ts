/**
 * Plain-text wording of nodes and edges, shared by the CLI and exports (the UI renders the same fields as badges).
 */
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
