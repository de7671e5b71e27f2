/** Parsing of scheduled collections: durations, flags, YAML files; hostile input refused with clear errors. */
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseScheduleFile, parseScheduleFlags, ScheduleError } from './parse';

/** Accepts `files …` and `k8s …` only, like the CLI's validator does for unknown subcommands. */
const validate = (argv: string[]) => {
  if (!['files', 'k8s'].includes(argv[0] ?? '')) throw new Error(`unknown collect subcommand ${JSON.stringify(argv[0])}`);
};

describe('parseDuration', () => {
  it('whole numbers with units s, m, h, d, combined', () => {
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration(' 2d ')).toBe(172_800_000);
    expect(formatDuration(5_400_000)).toBe('1h30m');
  });
  it.each(['', '15', '15 m', '1.5h', '-5m', '15M', 'PT15M', '15min', 'm', '2026-12-04', '1e3s', '9999999m'])('refuses %j', (t) => {
    expect(() => parseDuration(t)).toThrow(ScheduleError);
  });
});

describe('parseScheduleFlags', () => {
  it('one --every per --collect, paired in order; or one for all', () => {
    const [a, b] = parseScheduleFlags(['k8s --context prod', "files '/data/my dumps' --cluster c"], ['15m', '1h'], validate);
    expect(a).toMatchObject({ name: 'k8s --context prod', argv: ['k8s', '--context', 'prod'], everyMs: 900_000, jitterMs: 90_000 });
    expect(b).toMatchObject({ argv: ['files', '/data/my dumps', '--cluster', 'c'], everyMs: 3_600_000, jitterMs: 300_000 });
    expect(parseScheduleFlags(['k8s --context a', 'k8s --context b'], ['10m'], validate).map((e) => e.everyMs)).toEqual([600_000, 600_000]);
    expect(parseScheduleFlags([], [], validate)).toEqual([]);
  });
  it('jitter: 10% of the interval, at most 5 minutes; timeout: the interval, at least 10 minutes', () => {
    expect(parseScheduleFlags(['k8s'], ['1d'], validate)[0]).toMatchObject({ jitterMs: 300_000, timeoutMs: 6 * 3_600_000 });
    expect(parseScheduleFlags(['k8s'], ['1m'], validate)[0]).toMatchObject({ jitterMs: 6_000, timeoutMs: 600_000 });
  });
  it('no shell: metacharacters stay arguments', () => {
    expect(parseScheduleFlags(['k8s --context "a; rm -rf /" $(id)'], ['5m'], validate)[0]!.argv).toEqual(['k8s', '--context', 'a; rm -rf /', '$(id)']);
  });
  it.each([
    [['nope'], ['15m'], /unknown collect subcommand "nope"/],
    [['k8s'], ['30s'], /too often.*1m or more/],
    [['k8s'], ['59s'], /too often/],
    [['k8s'], ['15'], /not a duration/],
    [['k8s'], ['8d'], /at most 7d/],
    [['k8s', 'files x'], ['1m', '2m', '3m'], /2 --collect but 3 --every/],
    [['k8s'], [], /--collect needs --every/],
    [[], ['5m'], /--every needs --collect/],
    [['k8s', 'k8s'], ['5m'], /configured twice/],
    [['  '], ['5m'], /collect is empty/],
  ])('refuses %j every %j', (collects, everys, message) => {
    expect(() => parseScheduleFlags(collects, everys, validate)).toThrow(message);
  });
});

describe('parseScheduleFile', () => {
  it('reads collections: name, collect, every, jitter, timeout', () => {
    const entries = parseScheduleFile(
      `collections:
  - name: prod
    collect: k8s --context prod
    every: 15m
  - name: dumps
    collect: keygraph collect files /srv/dumps --cluster lab
    every: 1h
    jitter: 2m
    timeout: 20m
`,
      validate,
    );
    expect(entries).toEqual([
      { name: 'prod', command: 'k8s --context prod', argv: ['k8s', '--context', 'prod'], everyMs: 900_000, jitterMs: 90_000, timeoutMs: 900_000 },
      { name: 'dumps', command: 'keygraph collect files /srv/dumps --cluster lab', argv: ['files', '/srv/dumps', '--cluster', 'lab'], everyMs: 3_600_000, jitterMs: 120_000, timeoutMs: 1_200_000 },
    ]);
  });
  it.each([
    ['collections: [', /not valid YAML/],
    ['- name: a', /expected collections/],
    ['collections: []', /collections/],
    ['collections:\n  - {name: a, collect: k8s, every: 15m, extra: 1}', /extra/],
    ['collections:\n  - {name: "../etc", collect: k8s, every: 15m}', /name/],
    ['collections:\n  - {name: a, every: 15m}', /collect/],
    ['collections:\n  - {name: a, collect: rm -rf /, every: 15m}', /unknown collect subcommand "rm"/],
    ['collections:\n  - {name: a, collect: k8s, every: 15}', /not a duration/],
    ['collections:\n  - {name: a, collect: k8s, every: 30s}', /too often/],
    ['collections:\n  - {name: a, collect: k8s, every: 10m, jitter: 6m}', /more than half/],
    ['collections:\n  - {name: a, collect: k8s, every: 10m, timeout: 7h}', /between 1m and 6h/],
    ['collections:\n  - {name: a, collect: k8s, every: 10m}\n  - {name: a, collect: k8s, every: 20m}', /configured twice/],
    ['a: &a [x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]', /./],
  ])('refuses %j', (text, message) => {
    expect(() => parseScheduleFile(text, validate)).toThrow(ScheduleError);
    expect(() => parseScheduleFile(text, validate)).toThrow(message);
  });
});
