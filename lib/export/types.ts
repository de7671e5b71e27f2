/**
 * Types shared by the exporter (lib/export): what can be exported, in which formats, with which filters, and the
 * contract a row source (one `what`) fulfils.
 *
 * Adding a `what` (findings, say) is one module under lib/export/sources/ implementing {@link RowSource} plus one
 * line in lib/export/sources/index.ts; every format (CSV, JSON, NDJSON, GraphML), the CLI and the web route follow.
 */
import type { Prisma } from '../generated/prisma/client';
import type { Database } from '../db';

/** Export formats (`excel`: CSV for spreadsheets, lib/export/formats/csv.ts). */
export const EXPORT_FORMATS = ['csv', 'excel', 'json', 'ndjson', 'graphml'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Filters every export understands (each source says which it accepts and what they mean for it). */
export interface ExportFilters {
  /** Cluster name or GCP project id. */
  realm?: string;
  /** Kubernetes namespace. */
  namespace?: string;
  /** Node kind (`Secret`, `k8s:Secret`) for node exports, edge kind (`USES_SECRET`) for edge exports. */
  kind?: string;
}
export type FilterName = keyof ExportFilters;

/** A validated export request. */
export interface ExportRequest {
  what: string;
  format: ExportFormat;
  filters: ExportFilters;
  /** Read the graph as of this instant; omitted: the current state. */
  asOf?: Date;
}

/** One run an export rests on (the latest committed run of each source/scope at the as-of time). */
export interface ExportRun {
  id: number;
  source: string;
  scope: string;
  status: string;
  committedAt: string;
  /** Per kind key: whether it was listed completely, how many objects, and the listing error if any. */
  coverage: Record<string, unknown>;
}

/** What every export states about itself (JSON `meta`, NDJSON first line, CSV `# ` lines, the Excel CSV's first row,
 * GraphML graph data). */
export interface ExportMeta {
  /** ISO 8601 instant the export's database snapshot was taken. */
  generatedAt: string;
  /** ISO 8601 instant the graph is read at: the requested `--as-of`, else `generatedAt`. */
  asOf: string;
  /** True when no as-of time was requested (the current state). */
  current: boolean;
  /**
   * True when keygraph has no data at `asOf`: no run had committed by then (before the first collection, or nothing
   * collected). The export is then empty and says so: it is not an all-clear.
   */
  noData: boolean;
  what: string;
  format: ExportFormat;
  filters: ExportFilters;
  runs: ExportRun[];
}

/** What a row source's SQL and mappers are given. */
export interface QueryContext {
  filters: ExportFilters;
  asOf?: Date;
  /** The instant ages and validity are computed at (asOf, else the snapshot time). */
  at: Date;
}

/** A CSV cell before serialisation. Strings are neutralised against formula injection by the CSV writer. */
export type CsvCell = string | number | boolean | null | undefined;

/** A row as pg returns it (column name → value). */
export type DbRow = Record<string, any>;

/**
 * GraphML: the graph to draw. Nodes rows must have the columns of lib/store/read.ts bestNodesSql (node_id, provider,
 * kind, realm, namespace, name, missing, properties, valid_from; provider null for an id with no row at all), edge
 * rows those of mergedEdgesSql. Every edge endpoint must be among the nodes.
 */
export interface GraphQueries {
  nodes: Prisma.Sql;
  edges: Prisma.Sql;
}

/**
 * One exportable `what`: the SQL that yields its rows in export order (streamed with a cursor, never loaded whole),
 * how a row becomes a JSON item and a CSV record, and optionally how it is drawn as a graph.
 */
export interface RowSource<Item = Record<string, unknown>> {
  what: string;
  /** One line for help texts and the Exports page. */
  description: string;
  /** Filters this source accepts; others are rejected with a clear message. */
  filters: readonly FilterName[];
  /** Validates `filters.kind` (returns a message when invalid); absent when `kind` is not accepted. */
  checkKind?(kind: string): string | null;
  /** Rows in export order (streamed with a cursor). Every source has this or `load`. */
  query?(ctx: QueryContext): Prisma.Sql;
  /**
   * For a source computed in the application rather than read by one query (findings): its rows, in export order,
   * computed at the export's as-of time. Bounded in size by nature.
   */
  load?(database: Database, ctx: QueryContext): Promise<DbRow[]>;
  /** JSON / NDJSON item of a row (keeps structure). */
  item(row: DbRow, ctx: QueryContext): Item;
  /** CSV header. */
  columns: readonly string[];
  /** CSV record of an item, in `columns` order. */
  csv(item: Item): CsvCell[];
  /**
   * GraphML: the nodes and edges to draw. Without it, GraphML draws each item as a node (id: the first CSV column,
   * one `<data>` per CSV column) and no edges.
   */
  graph?(ctx: QueryContext): GraphQueries;
}

/** An invalid export request (unknown what/format/kind, filter not accepted, bad time): HTTP 400, CLI exit 1. */
export class ExportRequestError extends Error {
  /** @param param the request parameter at fault (`what`, `format`, `realm`, `namespace`, `kind`, `asOf`). */
  constructor(message: string, readonly param: string = '(query)') {
    super(message);
  }
}
