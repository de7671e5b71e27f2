/**
 * What a source contributes to `keygraph collect files`: a sink that recognises the documents of its source among
 * everything read from the given paths (manifests, kubectl dumps, gcloud / REST JSON), maps them, and says which
 * kinds a complete input covers. Registered in collectors/index.ts.
 */
import type { CollectionError, CollectionResult, CollectionSkip } from '../lib/graph/records';
import type { Fingerprinter } from '../lib/secrets/fingerprint';
import type { RunSource } from '../lib/store/write';

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
