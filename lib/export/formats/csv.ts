/**
 * CSV (RFC 4180 via csv-stringify: CRLF record ends, fields quoted when they hold a comma, quote or line break, and
 * also when they hold `#`), UTF-8, no BOM.
 *
 * The export starts with `# ` comment lines stating the meta (generatedAt, asOf, what, filters, one line per run with
 * its coverage as JSON), then the header row. Readers must skip comment lines: csv-parse `comment: '#'`, pandas
 * `comment='#'`, R `comment.char = "#"`. A `#` inside a value is always quoted, so comment-aware parsers never cut a
 * value.
 *
 * Formula injection: a text cell that a spreadsheet would evaluate (starting with `=`, `+`, `-`, `@`, tab or carriage
 * return) is prefixed with `'`. Numbers and booleans are not touched.
 */
import { stringify } from 'csv-stringify/sync';
import type { CsvCell, ExportMeta } from '../types';
import type { FormatWriter } from './types';

const CRLF = '\r\n';
const BATCH = 500;
const OPTIONS = {
  record_delimiter: 'windows',
  quoted_match: '#',
  cast: { boolean: (v: boolean) => (v ? 'true' : 'false') },
} as const;

/** Neutralises a cell a spreadsheet would execute as a formula (OWASP "CSV injection"): prefixes `'`. */
export function neutralise(cell: CsvCell): CsvCell {
  return typeof cell === 'string' && /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/** The `# ` comment lines of the meta (values JSON-encoded where they may hold anything). */
export function csvMetaLines(meta: ExportMeta): string {
  const lines = [
    `keygraph export: ${meta.what}`,
    `generatedAt: ${meta.generatedAt}`,
    `asOf: ${meta.asOf}${meta.current ? ' (current state)' : ''}`,
    ...(meta.noData ? ['noData: true (no run had committed by then: no data at that time, not an all-clear)'] : []),
    `filters: ${JSON.stringify(meta.filters)}`,
    `runs: ${meta.runs.length}`,
    ...meta.runs.map((r) => `run: ${JSON.stringify(r)}`),
    "read with a CSV parser that skips lines starting with '#' (csv-parse: comment '#'; pandas: comment='#')",
  ];
  // JSON.stringify escapes line breaks; strip any other control character so a value cannot end the comment.
  return lines.map((l) => `# ${l.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ')}${CRLF}`).join('');
}

export const csvFormat: FormatWriter = {
  format: 'csv',
  contentType: 'text/csv; charset=utf-8; header=present',
  extension: 'csv',
  async *write({ meta, source, ctx, rows, items }) {
    yield csvMetaLines(meta) + stringify([source.columns as string[]], OPTIONS);
    let batch: CsvCell[][] = [];
    for await (const row of items()) {
      batch.push(source.csv(source.item(row, ctx)).map(neutralise));
      if (batch.length >= BATCH) {
        yield stringify(batch, OPTIONS);
        batch = [];
      }
    }
    if (batch.length) yield stringify(batch, OPTIONS);
  },
};
