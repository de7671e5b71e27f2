/**
 * JSON: `{"meta": {...}, "items": [ ... ]}`, one item per line, streamed (never built in memory).
 * NDJSON: a first line `{"meta": {...}}`, then one item per line.
 */
import type { FormatWriter } from './types';

export const jsonFormat: FormatWriter = {
  format: 'json',
  contentType: 'application/json; charset=utf-8',
  extension: 'json',
  async *write({ meta, source, ctx, rows, items }) {
    yield `{"meta":${JSON.stringify(meta)},\n"items":[`;
    let sep = '\n';
    for await (const row of items()) {
      yield sep + JSON.stringify(source.item(row, ctx));
      sep = ',\n';
    }
    yield '\n]}\n';
  },
};

export const ndjsonFormat: FormatWriter = {
  format: 'ndjson',
  contentType: 'application/x-ndjson; charset=utf-8',
  extension: 'ndjson',
  async *write({ meta, source, ctx, rows, items }) {
    yield `${JSON.stringify({ meta })}\n`;
    for await (const row of items()) yield `${JSON.stringify(source.item(row, ctx))}\n`;
  },
};
