/** Export formats by name. */
import type { ExportFormat } from '../types';
import { csvFormat, excelFormat } from './csv';
import { graphmlFormat } from './graphml';
import { jsonFormat, ndjsonFormat } from './json';
import type { FormatWriter } from './types';

export const FORMATS: Record<ExportFormat, FormatWriter> = {
  csv: csvFormat,
  excel: excelFormat,
  json: jsonFormat,
  ndjson: ndjsonFormat,
  graphml: graphmlFormat,
};
