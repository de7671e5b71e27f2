/** The contract of an export format writer. */
import type { Prisma } from '../../generated/prisma/client';
import type { DbRow, ExportFormat, ExportMeta, QueryContext, RowSource } from '../types';

/** What a writer is given: the meta, the source, and a way to stream the rows of a query (cursor, backpressure). */
export interface WriteInput {
  meta: ExportMeta;
  source: RowSource<any>;
  ctx: QueryContext;
  /** Streams the rows of `sql` on the export's connection and snapshot; read it once, to the end or not. */
  rows(sql: Prisma.Sql): AsyncIterable<DbRow>;
  /** The source's own rows (its query streamed, or what its `load` computed), in export order; read once. */
  items(): AsyncIterable<DbRow>;
}

/**
 * A format: its media type and file extension, and a writer yielding the text of the export piece by piece (the
 * first piece is the header with the meta). Writers hold no more than one row at a time.
 */
export interface FormatWriter {
  format: ExportFormat;
  contentType: string;
  extension: string;
  write(input: WriteInput): AsyncGenerator<string>;
}
