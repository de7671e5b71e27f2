/**
 * `keygraph collect files`: reads every document under the given paths, offers each to the registered file
 * collectors (collectors/index.ts), and returns one collection per source/scope found.
 *
 * Coverage: when every file was read, each sink's covered kinds are complete (what the input no longer contains is
 * gone), everywhere or only in the namespaces the sink names (a Kubernetes kind is covered only where the input holds
 * objects of it, unless `complete`: collectors/kubernetes/files.ts). Each collection carries the provider of the Source
 * whose recogniser produced it. When any file or document could not be read or
 * placed, nothing is marked gone (every kind incomplete) and the run is partial: the skipped file might have held
 * anything. Documents a sink deliberately skipped (kind not read, invalid namespace, duplicate id) are reported in
 * `result.skipped` and do not make the run partial.
 */
import { FILE_COLLECTORS } from '.';
import type { FileContext } from './types';
import type { Provider } from '../lib/graph/model';
import type { CollectionError, CollectionResult } from '../lib/graph/records';
import { readDocuments } from '../lib/input/documents';
import type { RunSource } from '../lib/store/write';

export interface FileCollection {
  source: RunSource;
  scope: string;
  /** Provider of the run (the Source whose recogniser produced it; recorded as `runs.provider`). */
  provider: Provider;
  result: CollectionResult;
}

export interface FilesOptions extends FileContext {
  onProgress?: (p: { documents: number; file: string }) => void;
  maxFileBytes?: number;
}

/** Reads `paths` and maps them. Errors of single files are returned inside the results, never thrown. */
export async function collectFiles(paths: string[], opts: FilesOptions): Promise<{ collections: FileCollection[]; errors: CollectionError[]; documents: number }> {
  const sinks = FILE_COLLECTORS.map((c) => Object.assign(c.createSink(opts), { provider: c.provider }));
  const errors: CollectionError[] = [];
  let documents = 0;
  let lastProgress = Date.now();
  for await (const item of readDocuments(paths, { maxFileBytes: opts.maxFileBytes })) {
    if (item.type === 'error') {
      errors.push({ where: item.line ? `${item.file}:${item.line}` : item.file, message: item.message });
      continue;
    }
    documents++;
    let placed = false;
    try {
      placed = sinks.some((s) => s.accept(item.value, `${item.file}:${item.line}`));
    } catch (e) {
      errors.push({ where: `${item.file}:${item.line}`, message: (e as Error).message });
      continue;
    }
    if (!placed) {
      errors.push({ where: `${item.file}:${item.line}`, message: 'not a document keygraph can place (neither a Kubernetes object with apiVersion/kind nor a GCP IAM shape naming its project); skipped' });
    }
    if (opts.onProgress && Date.now() - lastProgress > 1000) {
      lastProgress = Date.now();
      opts.onProgress({ documents, file: item.file });
    }
  }
  for (const s of sinks) errors.push(...s.warnings);
  const collections = sinks
    .filter((s) => s.accepted > 0)
    // A sink's skipped documents go with its first run (a Kubernetes sink has one run, per cluster).
    .flatMap((sink) => sink.finish().map((out, i) => ({ skipped: i === 0 ? (sink.skipped ?? []) : [], out, provider: sink.provider })))
    .map(({ skipped, provider, out: { source, scope, result, coveredKinds, coveredInNamespaces } }) => {
      const everywhere = new Set(coveredKinds);
      const counts = new Map<string, number>();
      const inNamespaces = new Map(Object.entries(coveredInNamespaces ?? {}).filter(([k, ns]) => !everywhere.has(k) && ns.length));
      for (const n of result.nodes) {
        const k = `${n.provider}:${n.kind}`;
        const only = inNamespaces.get(k);
        if (only && !(n.namespace !== null && only.includes(n.namespace))) continue;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      const coverage: CollectionResult['coverage'] = {};
      for (const k of coveredKinds) coverage[k] = { complete: errors.length === 0, count: counts.get(k) ?? 0 };
      for (const [k, ns] of inNamespaces) coverage[k] = { complete: errors.length === 0, count: counts.get(k) ?? 0, namespaces: [...new Set(ns)].sort() };
      return { source, scope, provider, result: { ...result, coverage, errors, skipped } };
    });
  return { collections, errors, documents };
}
