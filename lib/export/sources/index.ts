/**
 * The registry of exportable `what`s. To add one: write a module exporting a {@link RowSource} and list
 * it here; the formats, the CLI (`keygraph export --what …`), the web route and the Exports page pick it up.
 */
import type { RowSource } from '../types';
import { accessSource } from './access';
import { edgesSource } from './edges';
import { findingsSource } from './findings';
import { keysSource } from './keys';
import { nodesSource } from './nodes';

/** Row sources by `what`, in the order the CLI help and the Exports page list them. */
export const SOURCES: Record<string, RowSource<any>> = {
  nodes: nodesSource,
  edges: edgesSource,
  findings: findingsSource,
  keys: keysSource,
  access: accessSource,
};

/** The source for `what`, or undefined. */
export function rowSource(what: string): RowSource<any> | undefined {
  return Object.hasOwn(SOURCES, what) ? SOURCES[what] : undefined;
}
