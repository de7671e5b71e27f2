/**
 * Durations as people write them on a command line or in an environment variable: `90d`, `8h`, `30m`, `45s`,
 * `2w` (a bare number is seconds). Used for token expiry (`--expires 90d`) and the session lifetime
 * (`KEYGRAPH_SESSION_TTL`).
 */

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** Parses `N[smhdw]` into milliseconds. Throws a readable error for anything else (or zero/negative). */
export function parseDuration(text: string, what = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$/i.exec(text);
  if (!m) throw new Error(`${what} must look like 90d, 8h, 30m or 45s (got ${JSON.stringify(text.slice(0, 20))})`);
  const ms = Number(m[1]) * UNIT_MS[(m[2] || 's').toLowerCase()]!;
  if (!Number.isFinite(ms) || ms <= 0) throw new Error(`${what} must be positive`);
  return Math.round(ms);
}

/** A short human form of a duration in milliseconds (`8h`, `90d`, `25s`). */
export function formatDuration(ms: number): string {
  for (const u of ['w', 'd', 'h', 'm'] as const) {
    const n = ms / UNIT_MS[u]!;
    if (n >= 1 && Number.isInteger(n)) return `${n}${u}`;
  }
  return `${Math.round(ms / 1000)}s`;
}
