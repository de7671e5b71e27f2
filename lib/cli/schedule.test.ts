/** `keygraph serve` scheduling flags: the collect arguments checked against the CLI itself; bad input exits 1 at start. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scheduleEntries, validateCollectArgs } from './serve';

const bin = path.resolve(import.meta.dirname, '../../bin/keygraph.mjs');

describe('validateCollectArgs', () => {
  it('accepts the subcommands and options of keygraph collect', () => {
    expect(() => validateCollectArgs(['files', 'lib/demo/day1', '--cluster', 'demo'])).not.toThrow();
    expect(() => validateCollectArgs(['files', 'x', '--cluster=demo', '--complete'])).not.toThrow();
    expect(() => validateCollectArgs(['k8s', '--context', 'prod'])).not.toThrow();
  });
  it.each([
    [[], /begin with what to collect: files, k8s/],
    [['--cluster', 'x'], /begin with what to collect/],
    [['serve'], /unknown collect subcommand "serve"/],
    [['files', 'x'], /needs --cluster/],
    [['files', '--cluster', 'x'], /needs the files or folders/],
    [['k8s', '--kubeconfig-evil'], /unknown option "--kubeconfig-evil"/],
    [['k8s', '--allow-partial'], /not for scheduled collections/],
    [['k8s', '--help'], /unknown option "--help"/],
    [['files', 'x', '--cluster'], /--cluster needs a value/],
  ])('refuses %j', (argv, message) => {
    expect(() => validateCollectArgs(argv)).toThrow(message);
  });
});

describe('scheduleEntries', () => {
  it('a file and flags together; a name configured twice is refused', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kg-schedule-'));
    const file = path.join(dir, 'schedule.yaml');
    writeFileSync(file, 'collections:\n  - name: demo\n    collect: files lib/demo/day1 --cluster demo\n    every: 30m\n');
    const entries = scheduleEntries({ schedule: file, collect: ['k8s --context prod'], every: ['15m'] });
    expect(entries.map((e) => [e.name, e.everyMs])).toEqual([['demo', 1_800_000], ['k8s --context prod', 900_000]]);
    expect(() => scheduleEntries({ schedule: path.join(dir, 'missing.yaml') })).toThrow(/cannot read the schedule file .*ENOENT/);
  });
});

describe('keygraph serve', () => {
  it('exits 1 with a clear error before starting anything', () => {
    for (const [args, message] of [
      [['--collect', 'bogus --x', '--every', '15m'], /unknown collect subcommand "bogus"/],
      [['--collect', 'k8s', '--every', '30s'], /at most once a minute/],
      [['--collect', 'k8s', '--every', 'soon'], /not a duration/],
    ] as const) {
      const r = spawnSync(process.execPath, [bin, 'serve', '--port', '3799', ...args], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' } });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(message);
    }
  }, 60_000);
  it('--help documents scheduled collections', () => {
    const out = execFileSync(process.execPath, [bin, 'serve', '--help'], { encoding: 'utf8' });
    expect(out).toContain('--collect <args>');
    expect(out).toContain('--schedule <file>');
    expect(out).toContain('Scheduled collections');
  }, 30_000);
});
