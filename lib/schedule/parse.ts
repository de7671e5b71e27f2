/**
 * Parsing and validation of scheduled collections (pure: no database, no clock, no process). Two ways to configure
 * them on `keygraph serve`:
 * - flags: `--collect "k8s --context prod" --every 15m`, repeatable; either one `--every` per `--collect` (paired in
 *   order) or a single `--every` for all of them. Each entry is named after its command.
 * - a YAML file (`--schedule FILE`):
 *   ```yaml
 *   collections:
 *     - name: prod            # letters, digits, . _ -; unique
 *       collect: k8s --context prod   # the arguments of `keygraph collect`
 *       every: 15m            # at least 1m, at most 7d
 *       jitter: 1m            # optional: default 10% of `every`, at most 5m; never more than half of `every`
 *       timeout: 30m          # optional: a run still going then is stopped (default: `every`, at least 10m, at most 6h)
 *   ```
 * Durations are strict: one or more `<whole number><unit>` groups, units s, m, h, d (`15m`, `1h30m`, `90s`).
 * Commands are split like a POSIX shell would split words (quotes honoured; nothing is expanded, no shell runs them).
 * Every mistake throws {@link ScheduleError} with a message naming the entry.
 */
import { parseArgsStringToArgv } from 'string-argv';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** One validated entry. Durations in milliseconds; `argv` are the arguments after `keygraph collect`. */
export interface ScheduleEntry {
  name: string;
  /** The command as written, for display (`k8s --context prod`). */
  command: string;
  argv: string[];
  everyMs: number;
  jitterMs: number;
  timeoutMs: number;
}

/** A schedule that cannot be used: a user's mistake, reported at start (exit 1). */
export class ScheduleError extends Error {
  override name = 'ScheduleError';
}

/**
 * Checks the arguments of `keygraph collect` (subcommand known, options known) and throws an Error saying what is
 * wrong. Supplied by the CLI, which knows the registered sources.
 */
export type CollectValidator = (argv: string[]) => void;

export const MIN_EVERY_MS = 60_000;
export const MAX_EVERY_MS = 7 * 86_400_000;
/** Default jitter: 10% of the interval, at most this. */
export const MAX_DEFAULT_JITTER_MS = 5 * 60_000;
const MIN_DEFAULT_TIMEOUT_MS = 10 * 60_000;
const MAX_TIMEOUT_MS = 6 * 3_600_000;

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(?:\d{1,6}[smhd])+$/;

/** Parses a strict duration (`15m`, `1h30m`, `90s`; see the module header) into milliseconds. */
export function parseDuration(text: string, what = 'duration'): number {
  const t = String(text ?? '').trim();
  if (!DURATION.test(t)) {
    throw new ScheduleError(`${what} ${JSON.stringify(t.slice(0, 40))} is not a duration: use a whole number and a unit s, m, h or d (15m, 1h30m, 90s)`);
  }
  let ms = 0;
  for (const m of t.matchAll(/(\d+)([smhd])/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}

/** A short form of a duration in milliseconds (`15m`, `1h30m`, `90s`). */
export function formatDuration(ms: number): string {
  let rest = Math.round(ms / 1000) * 1000;
  let out = '';
  for (const [u, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    const n = Math.floor(rest / size);
    if (n) out += `${n}${u}`;
    rest -= n * size;
  }
  return out || '0s';
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Builds and validates one entry from its written parts. */
export function makeEntry(
  raw: { name: string; collect: string; every: string; jitter?: string; timeout?: string },
  validate: CollectValidator,
): ScheduleEntry {
  const label = `scheduled collection ${JSON.stringify(raw.name.slice(0, 70))}`;
  const everyMs = parseDuration(raw.every, `${label}: every`);
  if (everyMs < MIN_EVERY_MS) throw new ScheduleError(`${label}: every ${raw.every} is too often: collections run at most once a minute (every 1m or more)`);
  if (everyMs > MAX_EVERY_MS) throw new ScheduleError(`${label}: every ${raw.every} is too long: at most 7d`);
  const jitterMs = raw.jitter !== undefined ? parseDuration(raw.jitter, `${label}: jitter`) : Math.min(Math.round(everyMs / 10), MAX_DEFAULT_JITTER_MS);
  if (jitterMs * 2 > everyMs) throw new ScheduleError(`${label}: jitter ${raw.jitter} is more than half of every ${raw.every}`);
  const timeoutMs = raw.timeout !== undefined ? parseDuration(raw.timeout, `${label}: timeout`) : Math.min(Math.max(everyMs, MIN_DEFAULT_TIMEOUT_MS), MAX_TIMEOUT_MS);
  if (timeoutMs < MIN_EVERY_MS || timeoutMs > MAX_TIMEOUT_MS) throw new ScheduleError(`${label}: timeout ${raw.timeout} must be between 1m and 6h`);
  const command = raw.collect.trim();
  if (!command) throw new ScheduleError(`${label}: collect is empty: give the arguments of keygraph collect, e.g. "k8s --context prod"`);
  if (command.length > 2000) throw new ScheduleError(`${label}: collect is too long`);
  let argv: string[];
  try {
    argv = parseArgsStringToArgv(command);
  } catch (e) {
    throw new ScheduleError(`${label}: collect ${JSON.stringify(command.slice(0, 60))} cannot be split into arguments: ${(e as Error).message}`);
  }
  if (argv[0] === 'keygraph' && argv[1] === 'collect') argv = argv.slice(2);
  try {
    validate(argv);
  } catch (e) {
    throw new ScheduleError(`${label}: collect ${JSON.stringify(command.slice(0, 60))}: ${(e as Error).message}`);
  }
  return { name: raw.name, command, argv, everyMs, jitterMs, timeoutMs };
}

function checkUnique(entries: ScheduleEntry[]): ScheduleEntry[] {
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.name)) throw new ScheduleError(`scheduled collection ${JSON.stringify(e.name)} is configured twice`);
    seen.add(e.name);
  }
  return entries;
}

/**
 * Entries from `--collect` / `--every` flags (see the module header for the pairing). Names are the commands.
 */
export function parseScheduleFlags(collects: string[], everys: string[], validate: CollectValidator): ScheduleEntry[] {
  if (!collects.length && !everys.length) return [];
  if (!collects.length) throw new ScheduleError('--every needs --collect: e.g. --collect "k8s --context prod" --every 15m');
  if (!everys.length) throw new ScheduleError('--collect needs --every: e.g. --collect "k8s --context prod" --every 15m');
  if (everys.length !== 1 && everys.length !== collects.length) {
    throw new ScheduleError(`${collects.length} --collect but ${everys.length} --every: give one --every for all, or one per --collect (in order)`);
  }
  return checkUnique(
    collects.map((c, i) => makeEntry({ name: c.trim().slice(0, 200) || '(empty)', collect: c, every: everys.length === 1 ? everys[0]! : everys[i]! }, validate)),
  );
}

const durationText = z.union([z.string(), z.number()]).transform((v) => String(v));
const entrySchema = z
  .object({
    name: z.string().regex(NAME, 'letters, digits, ".", "_" and "-" (at most 63, starting with a letter or digit)'),
    collect: z.string().min(1),
    every: durationText,
    jitter: durationText.optional(),
    timeout: durationText.optional(),
  })
  .strict();
const fileSchema = z.object({ collections: z.array(entrySchema).min(1).max(100) }).strict();

/** Entries from the YAML text of a `--schedule` file (`source`: the file name, for messages). */
export function parseScheduleFile(text: string, validate: CollectValidator, source = 'schedule file'): ScheduleEntry[] {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 50 });
  } catch (e) {
    throw new ScheduleError(`${source} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const parsed = fileSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    throw new ScheduleError(`${source}: ${where}: ${issue.message} (expected collections: a list of {name, collect, every, jitter?, timeout?})`);
  }
  return checkUnique(parsed.data.collections.map((e) => makeEntry(e, validate)));
}
