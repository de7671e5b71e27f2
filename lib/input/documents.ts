/**
 * Safe reader of input files for `keygraph collect files PATH…` (manifests, GitOps folders, `kubectl get -o
 * json|yaml` dumps, gcloud/REST JSON).
 *
 * Streaming: {@link readDocuments} is an async generator that yields one {@link InputDocument} per parsed document
 * (Kubernetes `List` objects expanded into their items, top-level arrays into their elements) and one
 * {@link InputError} per problem, file by file, so a caller can map documents as they come and report errors at the
 * end. One bad document or file never stops the rest (except `maxDocuments`, which stops everything).
 *
 * JSON files (first non-whitespace byte `{` or `[`) are streamed: read 64 KiB at a time and tokenized by
 * stream-json, so the items of a 500 MB `kubectl get -A -o json` dump are yielded one at a time and never all held
 * in memory. The generator reads the next chunk only when the consumer asks for more (backpressure). Everything
 * else is YAML, which is read whole (YAML cannot be streamed safely), with a smaller size limit.
 *
 * Safety rules:
 * - An error message never contains document content (a document may be a Secret): only the file, the line, and a
 *   fixed description of the parser's error (never the parser's own message, which can quote source text).
 * - A YAML file larger than `maxFileBytes` (64 MiB) is refused after a `stat` (and, for non-regular files, after
 *   reading at most `maxFileBytes + 1` bytes), never read whole. A JSON file larger than `maxJsonFileBytes`
 *   (8 GiB) is refused the same way (or when streaming reaches the limit).
 * - Binary files (NUL bytes, invalid UTF-8) are refused. A JSON file is checked chunk by chunk as it streams (a NUL
 *   inside a JSON string is always escaped, so a raw NUL byte means binary); documents yielded before a bad chunk
 *   stay yielded.
 * - YAML aliases are expanded with a limit (`maxAliasCount`), so "billion laughs" alias bombs fail cleanly.
 * - A JSON key `__proto__` becomes an own property (as with `JSON.parse`), never an object's prototype.
 */
import type { FileHandle } from 'node:fs/promises';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import Parser from 'stream-json/Parser.js';
import { LineCounter, isMap, isSeq, parseAllDocuments, type Document, type YAMLError } from 'yaml';

/** One parsed document (or one item of a Kubernetes `List`, or one element of a top-level array). */
export interface InputDocument {
  type: 'document';
  /** The file path, as given or as found under a given folder. */
  file: string;
  /**
   * 1-based line where the document starts. For `List` items and array elements: the item's own line in YAML; in
   * JSON, the line where the list (or array) starts.
   */
  line: number;
  /** 0-based position of this yielded document within its file (after `List` and array expansion). */
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
  /** YAML files (anything that does not start with `{` or `[`) larger than this are refused (default 64 MiB). */
  maxFileBytes?: number;
  /** Streamed JSON files larger than this are refused (default 8 GiB). */
  maxJsonFileBytes?: number;
  /** Stop (with an InputError) after this many documents in total, over all files (default: no limit). */
  maxDocuments?: number;
  /** YAML alias expansion limit passed to `toJS` (default 100). */
  maxAliasCount?: number;
}

export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_JSON_FILE_BYTES = 8 * 1024 * 1024 * 1024;

/** File name endings read when walking a folder (explicitly named files are read whatever their name). */
export const INPUT_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

/** True for an {@link InputError}. */
export function isInputError(x: InputDocument | InputError): x is InputError {
  return x.type === 'error';
}

interface Limits {
  maxFileBytes: number;
  maxJsonFileBytes: number;
  maxAliasCount: number;
}

/**
 * Reads every document of every path. Paths may be files (read whatever their extension) or folders (walked
 * recursively in sorted order, reading `*.yaml`, `*.yml`, `*.json`; hidden entries such as `.git` and
 * `node_modules` folders are skipped; symbolic links to folders are not followed).
 *
 * - JSON files (any file whose first non-whitespace byte is `{` or `[`, whatever its name) are streamed:
 *   - a top-level array yields its elements one at a time;
 *   - a top-level object whose `items` is an array is a List when its `kind` ends in `List`, or when it has no
 *     `kind` and no fields besides `apiVersion`/`metadata`/`items`. kubectl writes `items` before `kind`, so
 *     `items` elements are streamed one at a time whenever the object can still turn out to be a List (its `kind`
 *     so far ends in `List`, or no `kind` yet and only `apiVersion`/`metadata` so far). If the fields after
 *     `items` show it was not a List after all, one InputError says so (the items stay yielded);
 *   - any other top-level object is assembled and yielded whole when the file has been read to its end.
 *   Item and element lines are the line where the file's value starts. Invalid or truncated JSON gives one
 *   InputError with the line (or range of lines) where the parser stopped; documents yielded before stay yielded.
 *   When nothing was yielded yet and the file is within `maxFileBytes`, the whole text goes through the YAML
 *   parser instead (JSON with comments or trailing commas is valid YAML; otherwise the error gets an exact line).
 * - YAML files: multi-document (`---`); each document is parsed independently, so a broken document yields an
 *   InputError with its line and later documents of the same file are still yielded when the parser can resync.
 * - Empty documents (null) are skipped. A document that is a List (as above) is replaced by its items, and a
 *   top-level array by its elements (item line = the item's own line in YAML).
 */
export async function* readDocuments(
  paths: string[],
  opts: ReadDocumentsOptions = {},
): AsyncGenerator<InputDocument | InputError> {
  const limits: Limits = {
    maxFileBytes: opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    maxJsonFileBytes: opts.maxJsonFileBytes ?? DEFAULT_MAX_JSON_FILE_BYTES,
    maxAliasCount: opts.maxAliasCount ?? 100,
  };
  const maxDocuments = opts.maxDocuments ?? Number.POSITIVE_INFINITY;
  let total = 0;

  for (const p of paths) {
    for await (const file of expandPath(p)) {
      if (typeof file !== 'string') {
        yield file;
        continue;
      }
      let index = 0;
      for await (const out of readFile(file, limits)) {
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


type Parsed = Omit<InputDocument, 'index'> | InputError;

/** Bytes per read. For JSON this is also the unit of backpressure and of error-line precision. */
const CHUNK = 64 * 1024;

const tooLarge = (file: string, limit: number): InputError => ({
  type: 'error', file, message: `file is larger than the limit of ${limit} bytes; skipped`,
});
const NUL_ERROR = 'binary file (contains NUL bytes); skipped';
const UTF8_ERROR = 'binary file (not valid UTF-8); skipped';

/** Reads up to `max` bytes at the current position; null at the end of the file. */
async function readChunk(fh: FileHandle, max = CHUNK): Promise<Buffer | null> {
  const buf = Buffer.allocUnsafe(max);
  const { bytesRead } = await fh.read(buf, 0, max, null);
  if (bytesRead === 0) return null;
  return bytesRead === max ? buf : buf.subarray(0, bytesRead);
}

/** Offset of the first byte that is not whitespace (or, at the start of the file, a UTF-8 BOM); -1 if none. */
function firstContentByte(buf: Buffer, atFileStart: boolean): number {
  let i = atFileStart && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  for (; i < buf.length; i++) {
    const c = buf[i]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
  }
  return -1;
}

function countNewlines(buf: Buffer, from = 0, to = buf.length): number {
  let n = 0;
  for (let i = buf.indexOf(10, from); i !== -1 && i < to; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/** An fs error (with an errno `code`), as opposed to a bug. */
const isFsError = (err: unknown): boolean => typeof (err as NodeJS.ErrnoException | null)?.code === 'string';

/** Every document and error of one file (never throws on bad input or fs errors). */
async function* readFile(file: string, limits: Limits): AsyncGenerator<Parsed> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    yield { type: 'error', file, message: fsMessage(err, 'cannot open') };
    return;
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) {
      yield { type: 'error', file, message: 'is a folder' };
      return;
    }
    // Sniff the first non-whitespace byte. Whitespace-only chunks are kept (bounded by the YAML limit).
    const head: Buffer[] = [];
    let headBytes = 0;
    let line = 1;
    let first = -1;
    while (first < 0 && headBytes <= limits.maxFileBytes) {
      const buf = await readChunk(fh);
      if (!buf) break;
      const at = firstContentByte(buf, headBytes === 0);
      line += countNewlines(buf, 0, at < 0 ? buf.length : at);
      if (at >= 0) first = buf[at]!;
      head.push(buf);
      headBytes += buf.length;
    }
    if (first === 0x7b /* { */ || first === 0x5b /* [ */) {
      if (st.isFile() && st.size > limits.maxJsonFileBytes) {
        yield tooLarge(file, limits.maxJsonFileBytes);
        return;
      }
      yield* streamJson(file, fh, head, line, limits);
      return;
    }
    if (st.isFile() && st.size > limits.maxFileBytes) {
      yield tooLarge(file, limits.maxFileBytes);
      return;
    }
    const text = await readText(file, fh, head, limits.maxFileBytes);
    if (typeof text === 'string') yield* parseText(file, text, limits.maxAliasCount);
    else yield text;
  } catch (err) {
    if (!isFsError(err)) throw err;
    yield { type: 'error', file, message: fsMessage(err, 'cannot read') };
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/**
 * Reads the rest of a file after the chunks already read, as UTF-8 text, or returns an InputError (too large,
 * binary). Never holds more than `maxBytes + 1` bytes (the file may grow, or be a pipe with no size).
 */
async function readText(file: string, fh: FileHandle, chunks: Buffer[], maxBytes: number): Promise<string | InputError> {
  let size = chunks.reduce((n, c) => n + c.length, 0);
  while (size <= maxBytes) {
    const buf = await readChunk(fh, Math.max(1, Math.min(1 << 20, maxBytes + 1 - size)));
    if (!buf) break;
    chunks.push(buf);
    size += buf.length;
  }
  if (size > maxBytes) return tooLarge(file, maxBytes);
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
  if (bytes.includes(0)) return { type: 'error', file, message: NUL_ERROR };
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { type: 'error', file, message: UTF8_ERROR };
  }
}

// ------------------------------------------------------------------------------------------------ JSON streaming

/** A packed stream-json token (`packValues: true, streamValues: false`). */
interface Token {
  name: string;
  value?: string | boolean | null;
}

/** stream-json's tokenizer, handing each token to a callback synchronously instead of buffering it as stream data. */
class TokenParser extends Parser {
  constructor(private readonly onToken: (t: Token) => void) {
    // Strings go in as they are: they were decoded (and checked as UTF-8) already.
    super({ packValues: true, streamValues: false, decodeStrings: false });
  }

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) return super.push(null, encoding);
    this.onToken(chunk as Token);
    return true;
  }
}

/** Sets `o[key] = value` as an own, enumerable property, like `JSON.parse` (also for the key `__proto__`). */
function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
  else o[key] = value;
}

type Container = unknown[] | Record<string, unknown>;

/** Assembles one JSON value from tokens (what stream-json's Assembler does, with {@link setOwn} for keys). */
class ValueBuilder {
  private readonly stack: { container: Container; key: string | null }[] = [];
  private current: Container | null = null;
  private key: string | null = null;
  private done: unknown;

  /** Feeds a token; true when this token completed the value (then take it with {@link take}). */
  push(t: Token): boolean {
    switch (t.name) {
      case 'startObject':
      case 'startArray':
        if (this.current) this.stack.push({ container: this.current, key: this.key });
        this.current = t.name === 'startObject' ? {} : [];
        this.key = null;
        return false;
      case 'endObject':
      case 'endArray': {
        const value = this.current;
        const parent = this.stack.pop();
        this.current = parent?.container ?? null;
        this.key = parent?.key ?? null;
        return this.save(value);
      }
      case 'keyValue':
        this.key = t.value as string;
        return false;
      case 'stringValue':
        return this.save(t.value);
      case 'numberValue':
        return this.save(Number(t.value));
      case 'nullValue':
        return this.save(null);
      case 'trueValue':
        return this.save(true);
      case 'falseValue':
        return this.save(false);
      default:
        return false;
    }
  }

  take(): unknown {
    const v = this.done;
    this.done = undefined;
    return v;
  }

  private save(value: unknown): boolean {
    const c = this.current;
    if (!c) {
      this.done = value;
      return true;
    }
    if (Array.isArray(c)) c.push(value);
    else setOwn(c, this.key ?? '', value);
    this.key = null;
    return false;
  }
}

const LIST_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'items']);

/**
 * Turns the token stream of one JSON file into documents: elements of a top-level array and items of a List are
 * emitted as soon as they are complete; any other top-level value is kept until {@link finish}.
 */
class JsonDocuments {
  /** Documents and errors not yet handed out. */
  out: Parsed[] = [];
  /** True once any document was emitted (then the YAML fallback is no longer possible). */
  emitted = false;
  private state: 'start' | 'array' | 'object' | 'items' | 'end' = 'start';
  private readonly builder = new ValueBuilder();
  private building = false;
  private key = '';
  /** Top-level fields read so far (without streamed `items`). */
  private readonly top: Record<string, unknown> = {};
  private streamed: { items: number; nulls: number } | null = null;
  /** A top-level value kept whole, emitted at the end of a clean read. */
  private whole: unknown;

  constructor(
    private readonly file: string,
    private readonly line: number,
  ) {}

  token(t: Token): void {
    if (this.building) {
      if (this.builder.push(t)) this.complete(this.builder.take());
      return;
    }
    switch (this.state) {
      case 'start':
        if (t.name === 'startObject') this.state = 'object';
        else if (t.name === 'startArray') this.state = 'array';
        else this.begin(t);
        return;
      case 'array':
      case 'items':
        if (t.name === 'endArray') this.state = this.state === 'array' ? 'end' : 'object';
        else this.begin(t);
        return;
      case 'object':
        if (t.name === 'endObject') {
          this.state = 'end';
          this.endObject();
        } else if (t.name === 'keyValue') {
          this.key = t.value as string;
        } else if (this.key === 'items' && t.name === 'startArray' && this.mayBeList()) {
          this.state = 'items';
          this.streamed = { items: 0, nulls: 0 };
        } else {
          this.begin(t);
        }
        return;
      default:
        return; // the tokenizer rejects anything after the top-level value
    }
  }

  /** Emits the value kept whole (call after the tokenizer finished without error). */
  finish(): void {
    if (this.whole === undefined) return;
    const value = this.whole;
    this.whole = undefined;
    for (const d of emit(this.file, this.line, value)) this.add(d);
  }

  /** Hands out (and forgets) what is ready. */
  take(): Parsed[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private begin(t: Token): void {
    this.building = true;
    if (this.builder.push(t)) this.complete(this.builder.take());
  }

  private complete(value: unknown): void {
    this.building = false;
    switch (this.state) {
      case 'start': // a top-level scalar
        this.state = 'end';
        this.whole = value;
        return;
      case 'array':
        for (const d of emitOne(this.file, this.line, value)) this.add(d);
        return;
      case 'items':
        if (value === null) this.streamed!.nulls++;
        else {
          this.streamed!.items++;
          this.add({ type: 'document', file: this.file, line: this.line, value });
        }
        return;
      case 'object':
        setOwn(this.top, this.key, value);
        return;
      default:
        return;
    }
  }

  private add(d: Parsed): void {
    if (d.type === 'document') this.emitted = true;
    this.out.push(d);
  }

  /** Whether a top-level object whose next field is an `items` array can still turn out to be a List. */
  private mayBeList(): boolean {
    if (this.streamed || Object.hasOwn(this.top, 'items')) return false;
    if (Object.hasOwn(this.top, 'kind')) return typeof this.top.kind === 'string' && this.top.kind.endsWith('List');
    return Object.keys(this.top).every((k) => k === 'apiVersion' || k === 'metadata');
  }

  private endObject(): void {
    const s = this.streamed;
    if (!s) {
      this.whole = this.top;
      return;
    }
    const asRead = { ...this.top, items: [] as unknown[] };
    if (isListObject(asRead) && !Object.hasOwn(this.top, 'items')) return;
    if (s.items === 0) {
      // Nothing was yielded: the object can still be yielded whole, as it was.
      setOwn(this.top, 'items', new Array<null>(s.nulls).fill(null));
      this.whole = this.top;
      return;
    }
    this.out.push({
      type: 'error', file: this.file, line: this.line,
      message: 'the top-level object has an `items` array but its fields after `items` show it is not a Kubernetes List ' +
        '(a `kind` not ending in "List", or other fields); its items were read as separate documents and the rest of the object was skipped',
    });
  }
}

/**
 * Streams one JSON file (see {@link readDocuments}). `head` holds the chunks already read (at least up to the first
 * `{` or `[`), `line` the line of that character.
 */
async function* streamJson(file: string, fh: FileHandle, head: Buffer[], line: number, limits: Limits): AsyncGenerator<Parsed> {
  const docs = new JsonDocuments(file, line);
  const parser = new TokenParser((t) => docs.token(t));
  parser.on('error', () => undefined); // errors are taken from the write/finish callbacks below
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // While nothing was emitted, the bytes read are kept (up to the YAML limit) for the YAML fallback.
  let kept: Buffer[] | null = [];
  let keptBytes = 0;
  let bytes = 0;
  let lines = 1; // line at the read position
  let prev: Buffer | null = null;
  let failure: InputError | null = null;
  let syntaxError = false;
  try {
    for (;;) {
      const buf = head.shift() ?? (await readChunk(fh));
      if (!buf) break;
      bytes += buf.length;
      if (bytes > limits.maxJsonFileBytes) {
        failure = tooLarge(file, limits.maxJsonFileBytes);
        kept = null;
        break;
      }
      if (buf.includes(0)) {
        failure = { type: 'error', file, message: NUL_ERROR };
        kept = null;
        break;
      }
      let text: string;
      try {
        text = decoder.decode(buf, { stream: true });
      } catch {
        failure = { type: 'error', file, message: UTF8_ERROR };
        kept = null;
        break;
      }
      if (kept && keptBytes + buf.length <= limits.maxFileBytes) {
        kept.push(buf);
        keptBytes += buf.length;
      } else kept = null;
      // The tokenizer holds back at most 16 characters while it waits for more input, so an error found in this
      // chunk lies between the last 16 bytes of the previous chunk and the end of this one.
      const from = lines - (prev ? countNewlines(prev, Math.max(0, prev.length - 16)) : 0);
      lines += countNewlines(buf);
      prev = buf;
      try {
        await new Promise<void>((resolve, reject) => parser.write(text, (err) => (err ? reject(err) : resolve())));
      } catch {
        syntaxError = true;
        failure = {
          type: 'error', file, line: from,
          message: from === lines
            ? `JSON syntax error at line ${from}; the rest of the file is skipped`
            : `JSON syntax error between lines ${from} and ${lines}; the rest of the file is skipped`,
        };
        break;
      }
      if (docs.emitted) kept = null;
      yield* docs.take();
    }
    if (!failure) {
      try {
        decoder.decode(); // throws on a UTF-8 sequence cut off at the end of the file
      } catch {
        failure = { type: 'error', file, message: UTF8_ERROR };
        kept = null;
      }
    }
    if (!failure) {
      try {
        parser.end();
        await finished(parser, { readable: false });
        docs.finish();
      } catch {
        syntaxError = true;
        failure = {
          type: 'error', file, line: lines,
          message: `JSON ends early (truncated, or a bracket is not closed) at line ${lines}; the incomplete document is skipped`,
        };
      }
    }
  } finally {
    parser.destroy();
  }
  yield* docs.take();
  if (!failure) return;
  if (syntaxError && kept && !docs.emitted) {
    // Not strict JSON and nothing yielded: JSON with comments or trailing commas is YAML, and the YAML parser gives
    // the exact line of a real error.
    const text = await readText(file, fh, kept, limits.maxFileBytes);
    if (typeof text === 'string') {
      yield* parseText(file, text, limits.maxAliasCount);
      return;
    }
    if (text.message === NUL_ERROR || text.message === UTF8_ERROR) failure = text;
  }
  yield failure;
}

// ------------------------------------------------------------------------------------------------ YAML and text

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

/**
 * A Kubernetes `List`: an object whose `items` is an array and whose `kind` ends in `List` (`List`, `SecretList`,
 * …), or which has no `kind` and no fields besides `apiVersion`, `metadata` and `items`.
 */
function isListObject(v: unknown): v is { items: unknown[] } {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  if (!Array.isArray(o.items)) return false;
  if (Object.hasOwn(o, 'kind')) return typeof o.kind === 'string' && o.kind.endsWith('List');
  return Object.keys(o).every((k) => LIST_FIELDS.has(k));
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

/** A file's top-level value as documents: a top-level array gives its elements, each then as {@link emitOne}. */
function* emit(file: string, line: number, value: unknown, itemLines?: (i: number) => number): Generator<Parsed> {
  if (!Array.isArray(value)) {
    yield* emitOne(file, line, value, itemLines);
    return;
  }
  for (let i = 0; i < value.length; i++) yield* emitOne(file, itemLines ? itemLines(i) : line, value[i]);
}

/** One value as documents: none for null, the items of a List (nulls skipped), or the value itself. */
function* emitOne(file: string, line: number, value: unknown, itemLines?: (i: number) => number): Generator<Parsed> {
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

/**
 * Parses one file's text into documents and errors (never throws): `JSON.parse` first when it starts with `{`/`[`,
 * else (or when that fails) the YAML parser, which gives a line for an error.
 */
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
    // logLevel 'error': the yaml package would otherwise print warnings with process.emitWarning, and some quote the
    // document (e.g. "Keys with collection values will be stringified …: <the key>"), i.e. content on stderr.
    docs = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: false, merge: true, prettyErrors: false, logLevel: 'error' });
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
    const seq = Array.isArray(value) ? doc.contents : isListObject(value) && isMap(doc.contents) ? doc.contents.get('items', true) : null;
    if (isSeq(seq)) {
      itemLines = (i) => {
        const node = seq.items[i] as { range?: [number, number, number] } | undefined;
        return node?.range ? lineOf(node.range[0]) : lineOf(start);
      };
    }
    out.push(...emit(file, lineOf(start), value, itemLines));
  }
  return { out, syntaxErrors };
}
