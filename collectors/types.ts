/**
 * What a source contributes to `keygraph collect files`: a sink that recognises the documents of its source among
 * everything read from the given paths (manifests, kubectl dumps, gcloud / REST JSON), maps them, and says which
 * kinds a complete input covers. Registered in collectors/index.ts.
 */
import type { CollectionError, CollectionResult } from '../lib/graph/records';
import type { NodeKindKey } from '../lib/graph/model';
import type { Fingerprinter } from '../lib/secrets/fingerprint';
import type { RunSource } from '../lib/store/write';

export interface FileContext {
  /** `--cluster`: cluster name for Kubernetes objects. */
  cluster: string;
  /** `--namespace`: namespace for namespaced objects that carry none. */
  namespace: string;
  fingerprint: Fingerprinter;
}

export interface FileSink {
  /** Takes the document if it belongs to this source; false leaves it to other sinks. `where` is `file:line`. */
  accept(doc: unknown, where: string): boolean;
  /** Documents taken but not mappable (e.g. a Secret without a valid name): reported, the run is partial. */
  readonly warnings: CollectionError[];
  /** Documents taken so far. */
  readonly accepted: number;
  /** The runs this source's documents become (one per scope, e.g. per GCP project). */
  finish(): FileSinkOutput[];
}

export interface FileSinkOutput {
  source: RunSource;
  scope: string;
  result: Pick<CollectionResult, 'nodes' | 'edges'>;
  /** Kinds a complete reading of the input lists completely (everything else is kept as it was). */
  coveredKinds: NodeKindKey[];
}

export interface FileCollector {
  name: string;
  createSink(ctx: FileContext): FileSink;
}
