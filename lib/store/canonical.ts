/**
 * Canonical JSON for hashing and storage: keys sorted, strings made safe for PostgreSQL (`jsonb` and `text` reject
 * NUL characters and lone surrogates, which hostile input may carry: they become U+FFFD).
 */
import { createHash } from 'node:crypto';

/** Replaces NUL and lone surrogates with U+FFFD. */
export function cleanText(s: string): string {
  const wf = s.isWellFormed() ? s : s.toWellFormed();
  return wf.includes('\u0000') ? wf.replaceAll('\u0000', '\uFFFD') : wf;
}

/** Deep copy with sorted keys and cleaned strings; drops undefined, functions and non-finite numbers (as JSON does). */
export function canonical(value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (value === null || typeof value !== 'object') {
    return typeof value === 'number' && !Number.isFinite(value) ? null : value;
  }
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : canonical(v)));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined || typeof v === 'function') continue;
    out[cleanText(k)] = canonical(v);
  }
  return out;
}

/** Canonical JSON text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

/** 40-hex sha1 of a string (content hash for change detection, not security). */
export function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}
