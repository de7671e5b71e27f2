/** URL parameters of the web UI: the as-of time and the links that keep it. */
import { describe, expect, it } from 'vitest';
import { TimeSpecError } from '../time';
import { beforeRunSpec, diffHref, hidesData, parseAsOf, readOptionsFrom, runChangesHref, withAsOf, withoutAsOf } from './params';

describe('withAsOf / withoutAsOf', () => {
  it('adds, replaces and removes asOf, keeping the rest of the link', () => {
    expect(withAsOf('/search', 'run:1')).toBe('/search?asOf=run%3A1');
    expect(withAsOf('/node?id=k8s%3Ademo%2Fota%2FSecret%2Fa', 'run:1')).toBe('/node?id=k8s%3Ademo%2Fota%2FSecret%2Fa&asOf=run%3A1');
    expect(withAsOf('/search?q=a&asOf=run%3A2#top', '2024-10-07T10:00:00Z')).toBe('/search?q=a&asOf=2024-10-07T10%3A00%3A00Z#top');
    expect(withAsOf('/search?q=a', undefined)).toBe('/search?q=a');
    expect(withoutAsOf('/search?q=a&asOf=run%3A2')).toBe('/search?q=a');
    expect(withoutAsOf('/?asOf=run%3A2')).toBe('/');
    expect(withoutAsOf('/runs')).toBe('/runs');
  });
});

describe('parseAsOf', () => {
  const at = new Date('2024-10-07T10:00:00Z');
  const resolve = async (spec: string) => {
    if (spec === 'run:1') return at;
    if (spec === 'run:9') return new Date('2999-01-01T00:00:00Z');
    if (spec === 'db-down') throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    throw new TimeSpecError(`not a time: "${spec}"`);
  };
  it('reads now, a past time, and errors without throwing', async () => {
    expect(await parseAsOf({}, resolve)).toEqual({ state: 'now' });
    expect(await parseAsOf({ asOf: '  ' }, resolve)).toEqual({ state: 'now' });
    const past = await parseAsOf({ asOf: ' run:1 ' }, resolve);
    expect(past).toEqual({ state: 'past', spec: 'run:1', at });
    expect(readOptionsFrom(past)).toEqual({ asOf: at });
    const bad = await parseAsOf({ asOf: 'yesterday' }, resolve);
    expect(bad).toMatchObject({ state: 'invalid', spec: 'yesterday', error: 'not a time: "yesterday"' });
    expect(readOptionsFrom(bad)).toEqual({});
    expect(await parseAsOf({ asOf: 'run:9' }, resolve)).toMatchObject({ state: 'invalid', error: /in the future/ });
  });

  it('a time before the data begins is nodata: pages show the banner instead of an empty all-clear', async () => {
    const begins = new Date('2024-10-08T00:00:00Z');
    const opts = { dataBegins: async () => begins, now: new Date('2024-10-09T00:00:00Z') };
    const before = await parseAsOf({ asOf: 'run:1' }, resolve, opts);
    expect(before).toEqual({ state: 'nodata', spec: 'run:1', at, begins });
    expect(hidesData(before)).toBe(true);
    const never = await parseAsOf({ asOf: 'run:1' }, resolve, { dataBegins: async () => null });
    expect(never).toMatchObject({ state: 'nodata', begins: null });
    const after = await parseAsOf({ asOf: 'run:1' }, resolve, { dataBegins: async () => new Date('2024-10-01T00:00:00Z') });
    expect(after.state).toBe('past');
    expect(hidesData(after)).toBe(false);
    expect(hidesData(await parseAsOf({ asOf: 'nope' }, resolve))).toBe(true);
    expect(await parseAsOf({ asOf: 'NOW' }, resolve, opts)).toEqual({ state: 'now' });
    // A database failure is not the user's mistake: it propagates (the page's error page), never "not a time".
    await expect(parseAsOf({ asOf: 'db-down' }, resolve)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('diff links', () => {
  it('links the changes of a run from the previous run of its scope, or from just before it', () => {
    const run = { id: 5, scope: 'demo', committedAt: new Date('2024-10-08T10:00:00Z') };
    expect(runChangesHref(run, { id: 3 })).toBe('/diff?from=run%3A3&to=run%3A5&cluster=demo');
    expect(beforeRunSpec(run.committedAt)).toBe('2024-10-08T09:59:59.999Z');
    expect(runChangesHref(run, null)).toBe(`/diff?from=${encodeURIComponent('2024-10-08T09:59:59.999Z')}&to=run%3A5&cluster=demo`);
    expect(diffHref({})).toBe('/diff');
  });
});
