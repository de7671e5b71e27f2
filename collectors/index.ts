/**
 * The sources keygraph knows (the contract: collectors/types.ts Source). A new source adds its folder under
 * collectors/ (with a `source.ts`), its provider and kinds to lib/graph/model.ts, and one line here.
 *
 * Importing this module registers every source's cross-source linkers with the store (lib/store/linkers.ts): the CLI
 * (lib/cli/main.ts) and the test databases (test/db.ts) import it before any run commits.
 */
import { registerLinkers } from '../lib/store/linkers';
import type { FileCollector, Source } from './types';
import { kubernetesSource } from './kubernetes/source';
import { gcpIamSource } from './gcp-iam/source';
import { secretManagerSource } from './secret-manager/source';

/** Every source, in the order `collect files` offers documents to their recognisers (the first that accepts takes it). */
export const SOURCES: readonly Source[] = [kubernetesSource, gcpIamSource, secretManagerSource];

registerLinkers(SOURCES.flatMap((s) => s.linkers ?? []));

/** Sinks offered every document read by `keygraph collect files`, in order, with the provider of their runs. */
export const FILE_COLLECTORS: readonly (FileCollector & { provider: Source['provider'] })[] = SOURCES.flatMap((s) =>
  s.files ? [{ ...s.files, provider: s.provider }] : [],
);
