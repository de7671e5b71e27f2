/**
 * Safe reader of input files for `keygraph collect files PATH…` (manifests, GitOps folders, `kubectl get -o
 * json|yaml` dumps, gcloud/REST JSON).
 *
 * Streaming: {@link readDocuments} is an async generator that yields one {@link InputDocument} per parsed document
 * (Kubernetes `List` objects expanded into their items) and one {@link InputError} per problem, file by file, so a
 * caller can map documents as they come and report errors at the end. One bad document or file never stops the
 * rest (except `maxDocuments`, which stops everything).
 *
 * Safety rules:
 * - An error message never contains document content (a document may be a Secret): only the file, the line, and a
 *   fixed description of the parser's error code (never the parser's own message, which can quote source text).
 * - A file larger than `maxFileBytes` is refused after a `stat` (and, for non-regular files, after reading at most
 *   `maxFileBytes + 1` bytes), never read whole.
 * - Binary files (NUL bytes, invalid UTF-8) are refused.
 * - YAML aliases are expanded with a limit (`maxAliasCount`), so "billion laughs" alias bombs fail cleanly.
 */
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, isMap, isSeq, parseAllDocuments, type Document, type YAMLError } from 'yaml';

/** One parsed document (or one item of a Kubernetes `List`). */
export interface InputDocument {
  type: 'document';
  /** The file path, as given or as found under a given folder. */
  file: string;
  /** 1-based line where the document (or, for `List` items in YAML, the item) starts. */
  line: number;
  /** 0-based position of this yielded document within its file (after `List` expansion). */
  index: number;
  /** The parsed value (plain JSON-like data). */
  value: unknown;
}

/** A file or document that could not be read. `message` never holds document content. */
export interface InputError {
  type: 'error';
  file: string;
  /** 1-based line of the problem, when known. */
  line?: number;
  message: string;
}

export interface ReadDocumentsOptions {
  /** Files larger than this are refused (default 64 MiB). */
  maxFileBytes?: number;
  /** Stop (with an InputError) after this many documents in total, over all files (default: no limit). */
  maxDocuments?: number;
  /** YAML alias expansion limit passed to `toJS` (default 100). */
  maxAliasCount?: number;
}

export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;

/** File name endings read when walking a folder (explicitly named files are read whatever their name). */
export const INPUT_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

/** True for an {@link InputError}. */
export function isInputError(x: InputDocument | InputError): x is InputError {
  return x.type === 'error';
}

/**
 * Reads every document of every path. Paths may be files (read whatever their extension) or folders (walked
 * recursively in sorted order, reading `*.yaml`, `*.yml`, `*.json`; hidden entries such as `.git` and
 * `node_modules` folders are skipped; symbolic links to folders are not followed).
 *
 * - YAML files: multi-document (`---`); each document is parsed independently, so a broken document yields an
 *   InputError with its line and later documents of the same file are still yielded when the parser can resync.
 * - JSON files (and YAML files that start with `{`/`[`): `JSON.parse` first (fast path for large `kubectl -o json`
 *   dumps); when that fails the YAML parser is used, which gives a line for the error.
 * - Empty documents (null) are skipped. A document whose value is an object with an `items` array and a `kind`
 *   ending in `List` (`List`, `SecretList`, …) is replaced by its items (item line = the item's own line in YAML,
 *   the list's line in JSON).
 */
export async function* readDocuments(
  paths: string[],
  opts: ReadDocumentsOptions = {},
): AsyncGenerator<InputDocument | InputError> {
  const maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const maxDocuments = opts.maxDocuments ?? Number.POSITIVE_INFINITY;
  const maxAliasCount = opts.maxAliasCount ?? 100;
  let total = 0;

  for (const p of paths) {
    for await (const file of expandPath(p)) {
      if (typeof file !== 'string') {
        yield file;
        continue;
      }
      const text = await readTextFile(file, maxFileBytes);
      if (typeof text !== 'string') {
        yield text;
        continue;
      }
      let index = 0;
      for (const out of parseText(file, text, maxAliasCount)) {
        if (out.type === 'error') {
          yield out;
          continue;
        }
        if (total >= maxDocuments) {
          yield { type: 'error', file, line: out.line, message: `more than ${maxDocuments} documents in the input; stopped reading` };
          return;
        }
        total++;
        yield { ...out, index: index++ };
      }
    }
  }
}

/** Files under one input path, or an error for a path that does not exist / cannot be listed. */
async function* expandPath(p: string): AsyncGenerator<string | InputError> {
  let st;
  try {
    st = await stat(p);
  } catch (err) {
    yield { type: 'error', file: p, message: fsMessage(err, 'cannot open') };
    return;
  }
  if (!st.isDirectory()) {
    yield p;
    return;
  }
  yield* walk(p);
}

async function* walk(dir: string): AsyncGenerator<string | InputError> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    yield { type: 'error', file: dir, message: fsMessage(err, 'cannot list folder') };
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      yield* walk(full);
      continue;
    }
    if (!INPUT_EXTENSIONS.some((ext) => e.name.toLowerCase().endsWith(ext))) continue;
    if (e.isSymbolicLink()) {
      try {
        if (!(await stat(full)).isFile()) continue;
      } catch {
        yield { type: 'error', file: full, message: 'broken symbolic link' };
        continue;
      }
    } else if (!e.isFile()) continue;
    yield full;
  }
}

function fsMessage(err: unknown, what: string): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return `${what}: permission denied`;
  return code ? `${what} (${code})` : what;
}

const CHUNK = 1 << 20;

/** Reads a file as UTF-8 text, or returns an InputError (too large, binary, unreadable). */
async function readTextFile(file: string, maxBytes: number): Promise<string | InputError> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    return { type: 'error', file, message: fsMessage(err, 'cannot open') };
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) return { type: 'error', file, message: 'is a folder' };
    const tooLarge: InputError = {
      type: 'error', file, message: `file is larger than the limit of ${maxBytes} bytes; skipped`,
    };
    if (st.isFile() && st.size > maxBytes) return tooLarge;
    // Read in chunks, never more than maxBytes + 1 (the file may grow, or be a pipe with no size).
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const want = Math.min(CHUNK, maxBytes + 1 - size);
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await fh.read(buf, 0, want, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === want ? buf : buf.subarray(0, bytesRead));
      size += bytesRead;
      if (size > maxBytes) return tooLarge;
    }
    const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
    if (bytes.includes(0)) return { type: 'error', file, message: 'binary file (contains NUL bytes); skipped' };
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return { type: 'error', file, message: 'binary file (not valid UTF-8); skipped' };
    }
  } catch (err) {
    return { type: 'error', file, message: fsMessage(err, 'cannot read') };
  } finally {
    await fh.close().catch(() => undefined);
  }
}

type Parsed = Omit<InputDocument, 'index'> | InputError;

/** Fixed, content-free descriptions of the `yaml` package's error codes. */
const YAML_ERRORS: Record<string, string> = {
  ALIAS_PROPS: 'an alias cannot have an anchor or tag',
  BAD_ALIAS: 'invalid or unresolved alias',
  BAD_DIRECTIVE: 'invalid directive',
  BAD_DQ_ESCAPE: 'invalid escape sequence in a double-quoted string',
  BAD_INDENT: 'bad indentation',
  BAD_PROP_ORDER: 'anchors and tags in the wrong place',
  BAD_SCALAR_START: 'a plain value cannot start with this character',
  BLOCK_AS_IMPLICIT_KEY: 'a block collection cannot be an implicit key',
  BLOCK_IN_FLOW: 'a block collection inside a flow collection',
  DUPLICATE_KEY: 'duplicate key',
  IMPOSSIBLE: 'internal parser error',
  KEY_OVER_1024_CHARS: 'implicit key longer than 1024 characters',
  MISSING_CHAR: 'missing character (quote, bracket, comma or colon)',
  MULTILINE_IMPLICIT_KEY: 'implicit keys must be on a single line',
  MULTIPLE_ANCHORS: 'a node has more than one anchor',
  MULTIPLE_DOCS: 'more than one document where one was expected',
  MULTIPLE_TAGS: 'a node has more than one tag',
  NON_STRING_KEY: 'non-string key',
  RESOURCE_EXHAUSTION: 'resource limit exceeded',
  TAB_AS_INDENT: 'tabs are not allowed as indentation',
  TAG_RESOLVE_FAILED: 'unresolved tag',
  UNEXPECTED_TOKEN: 'unexpected token',
  BAD_COLLECTION_TYPE: 'tag does not match the collection type',
};

function yamlErrorMessage(err: YAMLError): string {
  return `YAML syntax error ${err.code}: ${YAML_ERRORS[err.code] ?? 'invalid YAML'}`;
}

function isListObject(v: unknown): v is { kind: string; items: unknown[] } {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items);
}

/** 1-based line of the first non-whitespace character. */
function firstContentLine(text: string): number {
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    else if (c !== 32 && c !== 9 && c !== 13 && c !== 0xfeff) break;
  }
  return line;
}

function* emit(file: string, line: number, value: unknown, itemLines?: (i: number) => number): Generator<Parsed> {
  if (value === null || value === undefined) return;
  if (isListObject(value)) {
    for (let i = 0; i < value.items.length; i++) {
      const item = value.items[i];
      if (item === null || item === undefined) continue;
      yield { type: 'document', file, line: itemLines ? itemLines(i) : line, value: item };
    }
    return;
  }
  yield { type: 'document', file, line, value };
}

/** Parses one file's text into documents and errors (never throws). */
export function* parseText(file: string, text: string, maxAliasCount = 100): Generator<Parsed> {
  const trimmedStart = /^[\s\ufeff]*([{[])/.exec(text);
  if (trimmedStart) {
    let value: unknown;
    let ok = false;
    try {
      value = JSON.parse(text);
      ok = true;
    } catch {
      // Not strict JSON (or several documents): the YAML parser handles it and reports a line on error.
    }
    if (ok) {
      yield* emit(file, firstContentLine(text), value);
      return;
    }
  }

  const whole = parseYaml(file, text, 0, maxAliasCount);
  if (!whole.syntaxErrors) {
    yield* whole.out;
    return;
  }
  // A syntax error can swallow what follows (an unclosed quote runs to the end of the stream). Document markers
  // (`---` / `...` at column 0) cannot occur inside any YAML node, so re-parse marker-delimited chunks separately:
  // every good document around a broken one is still read.
  const lines = text.split(/\r?\n/);
  let chunkStart = 0;
  for (let i = 1; i <= lines.length; i++) {
    if (i === lines.length || /^(?:---|\.\.\.)(?:[ \t]|$)/.test(lines[i]!)) {
      const chunk = lines.slice(chunkStart, i).join('\n');
      yield* parseYaml(file, chunk, chunkStart, maxAliasCount).out;
      chunkStart = i;
    }
  }
}

/** Parses YAML text whose first line is line `lineOffset + 1` of the file. */
function parseYaml(file: string, text: string, lineOffset: number, maxAliasCount: number): { out: Parsed[]; syntaxErrors: boolean } {
  const out: Parsed[] = [];
  const lc = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: false, merge: true, prettyErrors: false });
  } catch {
    return { out: [{ type: 'error', file, line: lineOffset + 1, message: 'YAML parser failed' }], syntaxErrors: true };
  }
  let syntaxErrors = false;
  const lineOf = (offset: number) => lineOffset + Math.max(1, lc.linePos(offset).line);
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) {
      syntaxErrors = true;
      out.push({ type: 'error', file, line: lineOf(err.pos[0]), message: yamlErrorMessage(err) });
      continue;
    }
    const start = doc.contents?.range?.[0] ?? doc.range[0];
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount });
    } catch (e) {
      const msg = e instanceof ReferenceError && /alias/i.test(e.message)
        ? `YAML alias expansion exceeds the limit (${maxAliasCount}); document skipped`
        : 'YAML document could not be converted; skipped';
      out.push({ type: 'error', file, line: lineOf(start), message: msg });
      continue;
    }
    let itemLines: ((i: number) => number) | undefined;
    if (isListObject(value) && isMap(doc.contents)) {
      const items = doc.contents.get('items', true);
      if (isSeq(items)) {
        itemLines = (i) => {
          const node = items.items[i] as { range?: [number, number, number] } | undefined;
          return node?.range ? lineOf(node.range[0]) : lineOf(start);
        };
      }
    }
    out.push(...emit(file, lineOf(start), value, itemLines));
  }
  return { out, syntaxErrors };
}
