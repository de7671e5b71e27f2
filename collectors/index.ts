/**
 * The collectors keygraph knows. A new source adds its folder under collectors/ and one line here.
 */
import type { FileCollector } from './types';
import { kubernetesFiles } from './kubernetes/files';
import { gcpIamFiles } from './gcp-iam/files';

/** Sinks offered every document read by `keygraph collect files`, in order; the first that accepts takes it. */
export const FILE_COLLECTORS: FileCollector[] = [kubernetesFiles, gcpIamFiles];
