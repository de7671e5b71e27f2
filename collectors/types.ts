/**
 * The source contract: everything keygraph needs to know about one source (Kubernetes, GCP IAM, …) is one
 * {@link Source} registered in collectors/index.ts `SOURCES`:
 * - its provider (lib/graph/model.ts PROVIDERS: the id prefix, UI labels and realm noun live there, so lib/ reads
 *   them without importing collectors/) and the node kinds it lists (from the model's NODE_KINDS);
 * - `keygraph collect <command>` for live collection: its options, and how they become runs (one per scope);
 * - its file recognisers for `keygraph collect files` ({@link FileCollector});
 * - its cross-source linkers (lib/store/linkers.ts), recomputed by the store at every commit;
 * - optionally the manifest reader of the pre-deploy gate (`keygraph check --manifests`).
 * The CLI (lib/cli/main.ts) builds its collect commands by looping over SOURCES; the store, freshness, API and UI
 * read the provider's facts from the model and each run's recorded provider (`runs.provider`).
 */
import type { NodeKindKey, Provider } from '../lib/graph/model';
import type { CollectionError, CollectionResult, CollectionSkip } from '../lib/graph/records';
import type { Fingerprinter } from '../lib/secrets/fingerprint';
import type { Linker } from '../lib/store/linkers';
import type { RunSource } from '../lib/store/write';
import type { MappedManifests } from '../lib/analysis/manifests';

/** One option of a source's `keygraph collect <command>` (commander syntax). */
export interface CliOption {
  /** `--context <ctx>`, `--metadata-only`. */
  flags: string;
  description: string;
  /** Repeatable: the values collect into an array (default `[]`). */
  repeatable?: true;
  /** Default value (shown in `--help`). */
  default?: string | number | boolean;
  /** Parses and validates the value; throws {@link OptionError} with a user-facing message. */
  parse?: (value: string) => unknown;
}

/** A mistake in a source's options: the CLI prints the message without a stack trace (exit 1). */
export class OptionError extends Error {}

/** One run a live collection will make: its scope (cluster name, project id) and what it collects. */
export interface LiveRun {
  scope: string;
  /** What is collected (stored as `runs.inputs`): context, namespaces, options. Never credentials. */
  inputs: Record<string, unknown>;
  /** Collects the scope. Throws when nothing could be collected (the run is then marked failed). */
  collect(ctx: LiveContext): Promise<CollectionResult>;
}

/** What a live collection gets from the CLI. */
export interface LiveContext {
  fingerprint: Fingerprinter;
  /** Progress line (overwritten on a terminal). */
  progress(line: string): void;
  /** A note worth telling the user that is not an error (printed on stderr after progress). */
  note(line: string): void;
}

/** `keygraph collect <command>`: live collection from the source's API. */
export interface LiveCollector {
  /** `--help` text of the command. */
  description: string;
  /** Options besides `--json` (which every collect command has). */
  options: readonly CliOption[];
  /**
   * The runs to make, from the parsed options (commander's camel-cased names), resolved before anything is collected
   * so a typo fails early. Rejects with {@link OptionError} for bad options. Load API client libraries here or in
   * `collect` (dynamic import), not at module load: the registry is imported by every CLI command and test database.
   */
  plan(opts: Record<string, unknown>): Promise<LiveRun[]>;
}

/** One source keygraph collects from. */
export interface Source {
  /** Provider of its nodes and runs (a key of lib/graph/model.ts PROVIDERS). */
  provider: Provider;
  /** `keygraph collect <command>`, also the `runs.source` of its live runs (`k8s`, `gcp`). */
  command: RunSource;
  /** Node kinds it lists (kind keys of the model's NODE_KINDS with this provider). */
  kinds: readonly NodeKindKey[];
  live?: LiveCollector;
  /** Its recognisers for `keygraph collect files`. */
  files?: FileCollector;
  /** Cross-source links the store derives at every commit (lib/store/linkers.ts). */
  linkers?: readonly Linker[];
  /** Reads manifests for the pre-deploy gate (`keygraph check --manifests`, lib/analysis/manifests.ts). */
  readManifests?(paths: string[], ctx: ManifestContext): Promise<MappedManifests>;
}

/** Options of {@link Source.readManifests}. */
export interface ManifestContext {
  cluster: string;
  /** Namespace for objects that carry none. */
  namespace: string;
  /** The manifests are the whole cluster: every kind is covered in every namespace. */
  complete: boolean;
}

export interface FileContext {
  /** `--cluster`: cluster name for Kubernetes objects. */
  cluster: string;
  /** `--namespace`: namespace for namespaced objects that carry none. */
  namespace: string;
  fingerprint: Fingerprinter;
  /** `--complete`: the input lists the whole cluster, so every Kubernetes kind keygraph maps is covered in every
   * namespace (what the input does not hold is gone). Default: a kind is covered only in the namespaces where the
   * input holds objects of it (lib/graph/records.ts KindCoverage.namespaces). Sources without namespaces ignore it. */
  complete?: boolean;
}

export interface FileSink {
  /** Takes the document if it belongs to this source; false leaves it to other sinks. `where` is `file:line`. */
  accept(doc: unknown, where: string): boolean;
  /** Documents taken but not mappable (e.g. a Secret without a valid name): reported, the run is partial. */
  readonly warnings: CollectionError[];
  /** Documents taken but deliberately not mapped (kind not read, invalid namespace or name, duplicate id), with
   * `where` = `file:line`: reported with the run, which they do NOT make partial. */
  readonly skipped?: CollectionSkip[];
  /** Documents taken so far. */
  readonly accepted: number;
  /** The runs this source's documents become (one per scope, e.g. per GCP project). */
  finish(): FileSinkOutput[];
}

export interface FileSinkOutput {
  /** Always `files` for `keygraph collect files`; the run's provider is the Source's that owns the sink. */
  source: RunSource;
  scope: string;
  result: Pick<CollectionResult, 'nodes' | 'edges'>;
  /** Kind keys (`PROVIDER:KIND`) a complete reading of the input lists completely in the whole scope (everything
   * else is kept as it was). */
  coveredKinds: string[];
  /** Kind keys a complete reading lists completely only in some namespaces: kind key → namespaces (non-empty). A
   * kind in both fields counts as covered everywhere. */
  coveredInNamespaces?: Record<string, string[]>;
}

export interface FileCollector {
  name: string;
  createSink(ctx: FileContext): FileSink;
}

/** Cluster and namespace names become id segments: no `/`, no control characters, bounded length. Throws
 * {@link OptionError} naming `flag`. */
export function validateName(v: string, flag: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,252}$/.test(v)) {
    throw new OptionError(`${flag} must be a name of letters, digits, '.', '_', ':', '@' or '-' (got ${JSON.stringify(v.slice(0, 60))})`);
  }
}

/** A {@link CliOption.parse} for a whole number (0 … 65,535,000). */
export const wholeNumber = (flag: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535 * 1000) throw new OptionError(`${flag} must be a whole number`);
  return n;
};

/** The `--project <id>` option of a GCP source (repeatable). */
export const PROJECT_OPTION: CliOption = { flags: '--project <id>', description: 'project id (repeat for several projects)', repeatable: true };

/**
 * The project ids given with {@link PROJECT_OPTION}, checked: at least one, each a GCP project id (`my-project-123`,
 * or domain-scoped `example.com:my-project`), not a project number. Throws {@link OptionError}.
 */
export function projectIds(opts: Record<string, unknown>): string[] {
  const projects = (opts.project ?? []) as string[];
  if (!projects.length) throw new OptionError('name at least one --project (a project id, not a number)');
  for (const p of projects) {
    if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(p) && !/^[a-z0-9.-]+:[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(p)) {
      throw new OptionError(`--project takes a GCP project id such as my-project-123 (got ${JSON.stringify(p.slice(0, 60))})`);
    }
  }
  return projects;
}
