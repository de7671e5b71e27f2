/**
 * Where the tests find the shared real-world data (public manifests, kubectl dumps, GCP API responses): the folder
 * `../shared/realdata` beside the repository, or KEYGRAPH_REALDATA. Tests that need it skip when it is absent and
 * say why; test/summary.mjs counts them. It is read in place, never copied into the project.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Absolute path of the real-data folder (it may not exist). */
export const REALDATA = process.env.KEYGRAPH_REALDATA ?? path.resolve(import.meta.dirname, '../../shared/realdata');

/** Whether the real-data folder exists; when not, prints once per test file why its realdata tests are skipped. */
export function realdataPresent(what: string): boolean {
  const present = existsSync(REALDATA);
  if (!present) console.log(`skipped (${what}): the real-data folder ${REALDATA} is absent`);
  return present;
}
