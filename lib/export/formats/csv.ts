/**
 * CSV (RFC 4180 via csv-stringify: CRLF record ends, fields quoted when they hold a comma, quote or line break, and
 * also when they hold `#`), UTF-8, no BOM. Two formats:
 *
 * `csv`, for scripts:
 * The export starts with `# ` comment lines stating the meta (generatedAt, asOf, what, filters, one line per run with
 * its coverage as JSON), then the header row. Readers must skip comment lines: csv-parse `comment: '#'`, pandas
 * `comment='#'`, R `comment.char = "#"`. A `#` inside a value is always quoted, so comment-aware parsers never cut a
 * value.
 *
 * `excel`, for spreadsheets (Excel, LibreOffice, Google Sheets open it as is): a UTF-8 byte order mark (Excel reads
 * the file as Windows-1252 without it), no comment lines; row 1 is one cell stating the meta in words (what, as of,
 * generated, filters, the runs it rests on; "no data at that time" when so), row 2 the header, then the records.
 * The runs' per-kind coverage is in the JSON export's `meta`, not here.
 *
 * Formula injection (both): a text cell that a spreadsheet would evaluate (starting with `=`, `+`, `-`, `@`, tab or carriage
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

/** The Excel CSV's first row: one cell, the meta in words (never a formula: it starts with a letter). */
export function excelMetaCell(meta: ExportMeta): string {
  const runs = meta.runs.map((r) => `run ${r.id} (${r.source} ${r.scope}, ${r.status}, committed ${r.committedAt})`).join('; ');
  const filters = Object.entries(meta.filters).filter(([, v]) => v).map(([k, v]) => `${k}=${v}`).join(', ');
  return [
    `keygraph export of ${meta.what}`,
    `as of ${meta.asOf}${meta.current ? ' (current state)' : ''}`,
    ...(meta.noData ? ['NO DATA at that time: no run had committed by then (not an all-clear)'] : []),
    `generated ${meta.generatedAt}`,
    `filters: ${filters || 'none'}`,
    `rests on ${meta.runs.length} run(s)${runs ? `: ${runs}` : ''}`,
  ].join(' · ').replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ');
}

/** The records of an export in batches (shared by both CSV formats). */
async function* records({ source, ctx, items }: Parameters<FormatWriter['write']>[0]): AsyncGenerator<string> {
  let batch: CsvCell[][] = [];
  for await (const row of items()) {
    batch.push(source.csv(source.item(row, ctx)).map(neutralise));
    if (batch.length >= BATCH) {
      yield stringify(batch, OPTIONS);
      batch = [];
    }
  }
  if (batch.length) yield stringify(batch, OPTIONS);
}

export const csvFormat: FormatWriter = {
  format: 'csv',
  contentType: 'text/csv; charset=utf-8; header=present',
  extension: 'csv',
  async *write(input) {
    yield csvMetaLines(input.meta) + stringify([input.source.columns as string[]], OPTIONS);
    yield* records(input);
  },
};

export const excelFormat: FormatWriter = {
  format: 'excel',
  contentType: 'text/csv; charset=utf-8',
  extension: 'excel.csv',
  async *write(input) {
    yield '\ufeff' + stringify([[excelMetaCell(input.meta)], input.source.columns as string[]], OPTIONS);
    yield* records(input);
  },
};
