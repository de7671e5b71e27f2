/**
 * The strict time-spec parser (lib/time.ts): what users type is read exactly, or refused with the accepted forms;
 * nothing lenient (V8's `new Date('run:1')` is 2001-01-01).
 */
import { describe, expect, it } from 'vitest';
import { checkNotFuture, parseTimeSpec, TimeSpecError } from './time';

const NOW = new Date('2026-12-03T18:30:00.000Z');
const at = (s: string) => {
  const p = parseTimeSpec(s, NOW);
  if (p.kind !== 'time') throw new Error(`not a time: ${s}`);
  return p.at.toISOString();
};
const fails = (s: string) => {
  try {
    parseTimeSpec(s, NOW);
  } catch (e) {
    expect(e).toBeInstanceOf(TimeSpecError);
    return (e as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(s)}`);
};

describe('parseTimeSpec', () => {
  it('ISO 8601 dates and date-times, with Z, offsets and fractions; no zone is UTC', () => {
    expect(at('2026-11-20')).toBe('2026-11-20T00:00:00.000Z');
    expect(at('2026-11-20T10:00:00Z')).toBe('2026-11-20T10:00:00.000Z');
    expect(at(' 2026-11-20T10:00Z ')).toBe('2026-11-20T10:00:00.000Z');
    expect(at('2026-11-20 10:00:00')).toBe('2026-11-20T10:00:00.000Z');
    expect(at('2026-11-20T10:00:00.123456Z')).toBe('2026-11-20T10:00:00.123Z');
    expect(at('2026-11-20T10:00:00+01:00')).toBe('2026-11-20T09:00:00.000Z');
    expect(at('2026-11-20T10:00-0530')).toBe('2026-11-20T15:30:00.000Z');
    expect(at('2026-11-20T10:00:00+02')).toBe('2026-11-20T08:00:00.000Z');
    expect(at('2024-02-29')).toBe('2024-02-29T00:00:00.000Z');
  });

  it('run:N is a run to look up, not a date', () => {
    expect(parseTimeSpec('run:1', NOW)).toEqual({ kind: 'run', runId: 1 });
    expect(parseTimeSpec('RUN:42', NOW)).toEqual({ kind: 'run', runId: 42 });
    expect(fails('run:0')).toMatch(/start at 1/);
    expect(fails('run:1x')).toMatch(/not a time/);
    expect(fails('run:-1')).toMatch(/not a time/);
    expect(fails('run:')).toMatch(/not a time/);
  });

  it('relative forms and keywords, from now', () => {
    expect(at('24h')).toBe('2026-12-02T18:30:00.000Z');
    expect(at('30m')).toBe('2026-12-03T18:00:00.000Z');
    expect(at('7d')).toBe('2026-11-26T18:30:00.000Z');
    expect(at('2w')).toBe('2026-11-19T18:30:00.000Z');
    expect(at('90s')).toBe('2026-12-03T18:28:30.000Z');
    expect(at('7 days ago')).toBe('2026-11-26T18:30:00.000Z');
    expect(at('2 Weeks')).toBe('2026-11-19T18:30:00.000Z');
    expect(at('now')).toBe(NOW.toISOString());
    expect(at('today')).toBe('2026-12-03T00:00:00.000Z');
    expect(at('Yesterday')).toBe('2026-12-02T00:00:00.000Z');
  });

  it('garbage V8 would accept is refused with the accepted forms named', () => {
    for (const s of ['Dec 1', 'December 1, 2026', '1', '2026', 'tomorrow', '3 months', '12/01/2026', '2026-11-20T10', 'Sat, 01 Nov 2026 00:00:00 GMT']) {
      const m = fails(s);
      expect(m, s).toMatch(/not a time/);
      expect(m, s).toMatch(/ISO 8601.*run:N.*24h/);
    }
    expect(fails('')).toMatch(/no time given/);
    expect(fails('x'.repeat(100))).toMatch(/too long/);
  });

  it('impossible calendar dates and fields are refused, not rolled over', () => {
    expect(fails('2026-02-30')).toMatch(/no day 30/);
    expect(fails('2025-02-29')).toMatch(/no day 29/);
    expect(fails('2026-13-01')).toMatch(/month 13/);
    expect(fails('2026-11-20T24:00:00Z')).toMatch(/hour 24/);
    expect(fails('2026-11-20T10:60:00Z')).toMatch(/minute 60/);
    expect(fails('2026-11-20T10:00:61Z')).toMatch(/second 61/);
    expect(fails('2026-11-20T10:00:00+25:00')).toMatch(/offset/);
  });

  it('out of range: years before 1970 or past 9999, including JavaScript’s own limits', () => {
    for (const s of ['-271821-04-20T00:00:00Z', '275760-09-13T00:00:00Z', '+275760-09-13T00:00:00.000Z', '1969-12-31T23:59:59Z', '0001-01-01']) {
      expect(fails(s), s).toMatch(/out of range.*1970 to 9999/);
    }
    expect(fails('99999999h')).toMatch(/not a time|out of range/);
    expect(fails('9999999d')).toMatch(/out of range/);
  });

  it('the future is refused for as-of times (a minute of clock skew allowed)', () => {
    expect(checkNotFuture(new Date(NOW.getTime() + 59_000), 'x', NOW)).toBeInstanceOf(Date);
    expect(() => checkNotFuture(new Date('2027-01-01'), '2027-01-01', NOW)).toThrow(/in the future/);
  });
});
