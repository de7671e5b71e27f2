import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInputError, readDocuments, type InputDocument, type InputError, type ReadDocumentsOptions } from './documents';
import { REALDATA as REAL } from '../../test/realdata';

const here = path.dirname(fileURLToPath(import.meta.url));

async function readAll(paths: string[], opts?: ReadDocumentsOptions) {
  const docs: InputDocument[] = [];
  const errors: InputError[] = [];
  for await (const d of readDocuments(paths, opts)) {
    if (isInputError(d)) errors.push(d);
    else docs.push(d);
  }
  return { docs, errors };
}

let tmp: string;
const write = (name: string, content: string | Buffer) => {
  const f = path.join(tmp, name);
  mkdirSync(path.dirname(f), { recursive: true });
  writeFileSync(f, content);
  return f;
};

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kg-docs-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('readDocuments', () => {
  it('reads multi-document YAML with 1-based start lines, skipping empty documents', async () => {
    const f = write('multi.yaml', [
      '# leading comment',
      'apiVersion: v1',
      'kind: Secret',
      'metadata: {name: a}',
      '---',
      '---',
      '# only a comment',
      '---',
      'kind: ServiceAccount',
      'metadata:',
      '  name: b',
      '',
    ].join('\n'));
    const { docs, errors } = await readAll([f]);
    expect(errors).toEqual([]);
    expect(docs).toEqual([
      { type: 'document', file: f, line: 2, index: 0, value: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a' } } },
      { type: 'document', file: f, line: 9, index: 1, value: { kind: 'ServiceAccount', metadata: { name: 'b' } } },
    ]);
  });

  it('a broken document gives file + line, later documents still come, and no content leaks into the message', async () => {
    const f = write('broken.yaml', [
      'kind: Secret',
      'metadata: {name: ok1}',
      '---',
      'kind: Secret',
      'stringData:',
      '  password: "s3cr3t-Value-XYZ',
      '  other: [unclosed',
      '---',
      'kind: Secret',
      'metadata: {name: ok2}',
    ].join('\n'));
    const { docs, errors } = await readAll([f]);
    expect(docs.map((d) => (d.value as { metadata: { name: string } }).metadata.name)).toEqual(['ok1', 'ok2']);
    expect(docs[1]!.line).toBe(9);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.file).toBe(f);
    expect(errors[0]!.line).toBeGreaterThanOrEqual(6);
    expect(errors[0]!.line).toBeLessThanOrEqual(8);
    expect(errors[0]!.message).toMatch(/^YAML syntax error [A-Z_]+: /);
    expect(errors[0]!.message).not.toMatch(/s3cr3t|unclosed|password/);
  });

  it('recovers after a broken document in a CRLF file too', async () => {
    const f = write('crlf.yaml', ['kind: A', '---', 'bad: "unclosed', '---', 'kind: B', ''].join('\r\n'));
    const { docs, errors } = await readAll([f]);
    expect(docs.map((d) => [d.line, d.value])).toEqual([[1, { kind: 'A' }], [5, { kind: 'B' }]]);
    expect(errors.map((e) => [e.file, e.line])).toEqual([[f, 3]]);
  });

  it('expands Kubernetes List dumps (JSON and YAML), with item lines in YAML', async () => {
    const list = {
      apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' },
      items: [
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a', namespace: 'n' } },
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'b', namespace: 'n' } },
      ],
    };
    const j = write('dump.json', '\n' + JSON.stringify(list, null, 2));
    const y = write('dump.yaml', 'apiVersion: v1\nkind: SecretList\nitems:\n- kind: Secret\n  metadata: {name: a}\n- kind: Secret\n  metadata:\n    name: b\n');
    const { docs, errors } = await readAll([j, y]);
    expect(errors).toEqual([]);
    expect(docs.map((d) => [path.basename(d.file), d.line, d.index, (d.value as { metadata: { name: string } }).metadata.name])).toEqual([
      ['dump.json', 2, 0, 'a'], ['dump.json', 2, 1, 'b'], ['dump.yaml', 4, 0, 'a'], ['dump.yaml', 6, 1, 'b'],
    ]);
  });

  it('walks folders recursively in code-unit sorted order: yaml/yml/json only, hidden folders and node_modules skipped', async () => {
    const root = path.join(tmp, 'tree');
    write('tree/b.yml', 'kind: B\n');
    write('tree/a/z.json', '{"kind":"Z"}');
    write('tree/a/y.yaml', 'kind: Y\n');
    write('tree/c.txt', 'kind: TXT\n');
    write('tree/.git/x.yaml', 'kind: GIT\n');
    write('tree/node_modules/m.yaml', 'kind: NM\n');
    write('tree/.hidden.yaml', 'kind: HIDDEN\n');
    write('tree/UPPER.YAML', 'kind: UP\n');
    const explicit = write('explicit.manifest', 'kind: EXPLICIT\n');
    const { docs, errors } = await readAll([root, explicit, path.join(tmp, 'does-not-exist')]);
    expect(docs.map((d) => (d.value as { kind: string }).kind)).toEqual(['UP', 'Y', 'Z', 'B', 'EXPLICIT']);
    expect(errors).toEqual([{ type: 'error', file: path.join(tmp, 'does-not-exist'), message: 'no such file or folder' }]);
  });

  it('a YAML alias bomb fails cleanly and quickly; the next document still comes', async () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      lines.push(`${cur}: &${cur} [${Array(9).fill('*' + prev).join(',')}]`);
    }
    const f = write('bomb.yaml', lines.join('\n') + '\n---\nkind: After\n');
    const t0 = performance.now();
    const { docs, errors } = await readAll([f]);
    // Generous bound: an unprotected expansion of 9^9 nodes would not finish at all (or exhaust memory).
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(errors).toEqual([{ type: 'error', file: f, line: 1, message: 'YAML alias expansion exceeds the limit (100); document skipped' }]);
    expect(docs.map((d) => d.value)).toEqual([{ kind: 'After' }]);
  });

  it('binary files are refused: NUL bytes and invalid UTF-8', async () => {
    const nul = write('nul.yaml', Buffer.from([0x6b, 0x3a, 0x20, 0x00, 0x01, 0x02]));
    const latin1 = write('latin1.yaml', Buffer.from([0x6b, 0x3a, 0x20, 0xe9, 0xff, 0x0a]));
    const utf16 = write('utf16.json', Buffer.from('\ufeff{"kind":"X"}', 'utf16le'));
    const { docs, errors } = await readAll([nul, latin1, utf16]);
    expect(docs).toEqual([]);
    expect(errors).toEqual([
      { type: 'error', file: nul, message: 'binary file (contains NUL bytes); skipped' },
      { type: 'error', file: latin1, message: 'binary file (not valid UTF-8); skipped' },
      { type: 'error', file: utf16, message: 'binary file (contains NUL bytes); skipped' },
    ]);
  });

  it('an oversized file is refused without being read (sparse 100 MiB file, default 64 MiB limit)', async () => {
    const big = write('big.yaml', 'kind: Big\n');
    truncateSync(big, 100 * 1024 * 1024);
    const small = write('small.yaml', 'kind: Small\nmetadata: {name: x}\n');
    const { docs, errors } = await readAll([big, small]);
    expect(errors).toEqual([{ type: 'error', file: big, message: `file is larger than the limit of ${64 * 1024 * 1024} bytes; skipped` }]);
    expect(docs.map((d) => d.value)).toEqual([{ kind: 'Small', metadata: { name: 'x' } }]);
    const limited = await readAll([small], { maxFileBytes: 10 });
    expect(limited.errors).toEqual([{ type: 'error', file: small, message: 'file is larger than the limit of 10 bytes; skipped' }]);
  });

  it('maxDocuments stops the whole read with an error', async () => {
    const f = write('many.yaml', Array.from({ length: 5 }, (_, i) => `i: ${i}`).join('\n---\n'));
    const { docs, errors } = await readAll([f, f], { maxDocuments: 3 });
    expect(docs.map((d) => d.value)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    expect(errors).toEqual([{ type: 'error', file: f, line: 7, message: 'more than 3 documents in the input; stopped reading' }]);
  });

  it('JSON that is not strict JSON falls back to YAML; broken JSON reports a line without content', async () => {
    const lenient = write('lenient.json', '{\n  "kind": "Secret", # comment\n  "metadata": {"name": "x"},\n}\n');
    const broken = write('broken.json', '{\n  "kind": "Secret",\n  "data": {"k": "c2VjcmV0LXZhbHVl"\n');
    const { docs, errors } = await readAll([lenient, broken]);
    expect(docs.map((d) => d.value)).toEqual([{ kind: 'Secret', metadata: { name: 'x' } }]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: broken });
    expect(errors[0]!.line).toBeGreaterThanOrEqual(3);
    expect(errors[0]!.message).not.toContain('c2VjcmV0');
  });

  it('a JSON file is not bound by the YAML size limit, but by maxJsonFileBytes (refused after a stat)', async () => {
    const j = write('limits.json', JSON.stringify({ kind: 'Secret', metadata: { name: 'x' } }));
    const y = write('limits.yaml', 'kind: Secret\nmetadata: {name: y}\n');
    const small = await readAll([j, y], { maxFileBytes: 10 });
    expect(small.docs.map((d) => d.value)).toEqual([{ kind: 'Secret', metadata: { name: 'x' } }]);
    expect(small.errors).toEqual([{ type: 'error', file: y, message: 'file is larger than the limit of 10 bytes; skipped' }]);
    const big = write('big.json', '{"kind":"Big"}\n');
    truncateSync(big, 100 * 1024 * 1024);
    const refused = await readAll([big], { maxJsonFileBytes: 64 * 1024 * 1024 });
    expect(refused).toEqual({ docs: [], errors: [{ type: 'error', file: big, message: `file is larger than the limit of ${64 * 1024 * 1024} bytes; skipped` }] });
  });

  it('merge keys and duplicate keys are tolerated', async () => {
    const f = write('merge.yaml', 'base: &b {x: 1}\nobj:\n  <<: *b\n  y: 2\ndup: 1\ndup: 2\n');
    const { docs, errors } = await readAll([f]);
    expect(errors).toEqual([]);
    expect(docs[0]!.value).toEqual({ base: { x: 1 }, obj: { x: 1, y: 2 }, dup: 2 });
  });
});

const names = (docs: InputDocument[]) => docs.map((d) => (d.value as { metadata?: { name?: string } }).metadata?.name);
const secret = (name: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'n' }, data: { k: 'c2VjcmV0LXZhbHVl' } });

describe('readDocuments: streamed JSON', () => {
  it('a kubectl dump (items before kind, 4-space indent) yields its items with the line of the list', async () => {
    const dump = { apiVersion: 'v1', items: [secret('a'), null, secret('b')], kind: 'List', metadata: { resourceVersion: '' } };
    const f = write('kubectl.json', '\n\n' + JSON.stringify(dump, null, 4) + '\n');
    const { docs, errors } = await readAll([f]);
    expect(errors).toEqual([]);
    expect(docs).toEqual([
      { type: 'document', file: f, line: 3, index: 0, value: secret('a') },
      { type: 'document', file: f, line: 3, index: 1, value: secret('b') },
    ]);
  });

  it('decides List or not by kind and the other top-level fields, whatever their order', async () => {
    const items = [secret('a'), secret('b')];
    const cases: [string, unknown, (string | undefined)[], number][] = [
      // [file, top-level value, names of the documents yielded, number of errors]
      ['kind-first.json', { kind: 'SecretList', items, metadata: {} }, ['a', 'b'], 0],
      ['no-kind.json', { apiVersion: 'v1', metadata: {}, items }, ['a', 'b'], 0],
      ['kind-first-not-list.json', { kind: 'Thing', items, metadata: { name: 'whole' } }, ['whole'], 0],
      ['other-field-first.json', { spec: {}, items, kind: 'SecretList' }, ['a', 'b'], 0],
      ['other-field-first-no-kind.json', { spec: {}, items, metadata: { name: 'whole' } }, ['whole'], 0],
      ['empty-items-then-not-list.json', { items: [], kind: 'Thing', metadata: { name: 'whole' } }, ['whole'], 0],
      // Streamed before the non-List kind showed up: the items stay yielded, and one error says so.
      ['items-then-not-list.json', { apiVersion: 'v1', items, kind: 'Thing', metadata: { name: 'whole' } }, ['a', 'b'], 1],
      ['items-then-other-field.json', { items, spec: {} }, ['a', 'b'], 1],
    ];
    for (const [name, value, expected, errorCount] of cases) {
      const f = write(`order/${name}`, JSON.stringify(value, null, 2));
      const { docs, errors } = await readAll([f]);
      expect([name, names(docs)]).toEqual([name, expected]);
      expect([name, errors.length]).toEqual([name, errorCount]);
      if (name === 'kind-first-not-list.json') expect(docs[0]!.value).toEqual(value);
      if (errorCount) {
        expect(errors[0]).toMatchObject({ file: f, line: 1 });
        expect(errors[0]!.message).toMatch(/not a Kubernetes List/);
      }
    }
  });

  it('a top-level array yields its elements (nulls skipped, List elements expanded), in JSON and in YAML', async () => {
    const value = [secret('a'), null, { kind: 'List', items: [secret('b'), secret('c')] }, 'scalar'];
    const j = write('array.json', JSON.stringify(value, null, 2));
    const y = write('array.yaml', '- kind: Secret\n  metadata: {name: a}\n-\n- kind: Secret\n  metadata: {name: b}\n');
    const { docs, errors } = await readAll([j, y]);
    expect(errors).toEqual([]);
    expect(docs.map((d) => [path.basename(d.file), d.line, d.index, d.value])).toEqual([
      ['array.json', 1, 0, secret('a')], ['array.json', 1, 1, secret('b')], ['array.json', 1, 2, secret('c')], ['array.json', 1, 3, 'scalar'],
      ['array.yaml', 1, 0, { kind: 'Secret', metadata: { name: 'a' } }], ['array.yaml', 4, 1, { kind: 'Secret', metadata: { name: 'b' } }],
    ]);
  });

  it('truncated JSON in the middle of the items: the earlier items, then one error at the last line, without content', async () => {
    const full = JSON.stringify({ apiVersion: 'v1', items: Array.from({ length: 5 }, (_, i) => secret(`s${i}`)), kind: 'List' }, null, 4);
    const cut = full.indexOf('"s3"') + 2;
    const f = write('truncated.json', full.slice(0, cut));
    const { docs, errors } = await readAll([f]);
    expect(names(docs)).toEqual(['s0', 's1', 's2']);
    const lastLine = full.slice(0, cut).split('\n').length;
    expect(errors).toEqual([{
      type: 'error', file: f, line: lastLine,
      message: `JSON ends early (truncated, or a bracket is not closed) at line ${lastLine}; the incomplete document is skipped`,
    }]);
  });

  it('a syntax error deep in a large List: the earlier items, one error with a line range around it, nothing after', async () => {
    const lines = ['{', '    "apiVersion": "v1",', '    "items": ['];
    for (let i = 0; i < 4000; i++) lines.push(`        ${JSON.stringify(secret(`s${i}`))}${i < 3999 ? ',' : ''}`);
    lines.push('    ],', '    "kind": "List"', '}');
    const badLine = 3 + 3000 + 1; // 1-based line of item 3000
    lines[badLine - 1] = lines[badLine - 1]!.replace('"kind":"Secret"', '"kind":Secret"');
    const f = write('syntax.json', lines.join('\n'));
    expect(statSync(f).size).toBeGreaterThan(4 * 64 * 1024);
    const { docs, errors } = await readAll([f]);
    expect(docs.length).toBeGreaterThan(2000);
    expect(docs.length).toBeLessThanOrEqual(3000);
    expect(names(docs)).toEqual(Array.from({ length: docs.length }, (_, i) => `s${i}`));
    expect(errors).toHaveLength(1);
    const m = /^JSON syntax error between lines (\d+) and (\d+); the rest of the file is skipped$/.exec(errors[0]!.message);
    expect(m).not.toBeNull();
    expect(errors[0]!.line).toBe(Number(m![1]));
    expect(Number(m![1])).toBeLessThanOrEqual(badLine);
    expect(Number(m![2])).toBeGreaterThanOrEqual(badLine);
    expect(Number(m![2]) - Number(m![1])).toBeLessThan(1000);
  });

  it('binary .json files are refused: NUL bytes (at the start or after some items), invalid UTF-8; an escaped NUL is fine', async () => {
    const nul = write('bin/nul.json', Buffer.concat([Buffer.from('{"kind":"Secret","data":"'), Buffer.from([0, 1, 2, 0x22, 0x7d])]));
    const bad = write('bin/latin1.json', Buffer.from([0x7b, 0x22, 0x6b, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d]));
    const cutUtf8 = write('bin/cut.json', Buffer.from([0x5b, 0x22, 0xc3]));
    const items = Array.from({ length: 1000 }, (_, i) => JSON.stringify(secret(`s${i}`)));
    const late = write('bin/late.json', Buffer.concat([Buffer.from(`{"kind":"List","items":[${items.join(',\n')},`), Buffer.from([0, 0, 0])]));
    const escaped = write('bin/escaped.json', '{"kind":"Secret","stringData":{"k":"a\\u0000b"}}');
    const { docs, errors } = await readAll([nul, bad, cutUtf8, late, escaped]);
    expect(errors).toEqual([
      { type: 'error', file: nul, message: 'binary file (contains NUL bytes); skipped' },
      { type: 'error', file: bad, message: 'binary file (not valid UTF-8); skipped' },
      { type: 'error', file: cutUtf8, message: 'binary file (not valid UTF-8); skipped' },
      { type: 'error', file: late, message: 'binary file (contains NUL bytes); skipped' },
    ]);
    const lateDocs = docs.filter((d) => d.file === late);
    expect(lateDocs.length).toBeGreaterThan(0); // items of the chunks before the NUL stay yielded
    expect(names(lateDocs)).toEqual(Array.from({ length: lateDocs.length }, (_, i) => `s${i}`));
    expect(docs.filter((d) => d.file === escaped).map((d) => d.value)).toEqual([{ kind: 'Secret', stringData: { k: 'a\u0000b' } }]);
  });

  it('a `__proto__` key is an own property, as with JSON.parse, never the prototype', async () => {
    const text = '{"kind":"List","items":[{"__proto__":{"kind":"Secret"},"metadata":{"name":"p"}}]}';
    const f = write('proto.json', text);
    const { docs } = await readAll([f]);
    const v = docs[0]!.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(v.kind).toBeUndefined();
    expect(v).toEqual(JSON.parse(text).items[0]);
  });

  it('an 80 MB List dump streams: bounded heap while items are consumed one by one, and an early stop reads little', async () => {
    const f = path.join(tmp, 'huge.json');
    const fd = openSync(f, 'w');
    const blob = 'QUJD'.repeat(200);
    let count = 0;
    try {
      writeSync(fd, '{\n    "apiVersion": "v1",\n    "items": [\n');
      let size = 0;
      while (size < 80e6) {
        const batch: string[] = [];
        for (let i = 0; i < 1000; i++, count++) {
          batch.push(JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `s-${count}`, namespace: `ns-${count % 50}` }, data: { 'tls.crt': blob, n: String(count) } }, null, 4));
        }
        const text = (count > 1000 ? ',\n' : '') + batch.join(',\n');
        size += writeSync(fd, text);
      }
      writeSync(fd, '\n    ],\n    "kind": "List",\n    "metadata": {"resourceVersion": ""}\n}\n');
    } finally {
      closeSync(fd);
    }
    expect(statSync(f).size).toBeGreaterThan(80e6);

    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let n = 0;
    let errors = 0;
    for await (const d of readDocuments([f])) {
      if (isInputError(d)) {
        errors++;
        continue;
      }
      expect(d.index).toBe(n);
      if ((d.value as { metadata: { name: string } }).metadata.name !== `s-${n}`) throw new Error(`item ${n} out of order`);
      n++;
      if (n % 500 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    expect(errors).toBe(0);
    expect(n).toBe(count);
    expect(peak - before).toBeLessThan(200 * 2 ** 20);

    // Stopping after the first item does not read the rest of the file.
    const t0 = performance.now();
    for await (const d of readDocuments([f])) {
      expect(d).toMatchObject({ type: 'document', line: 1, index: 0 });
      break;
    }
    expect(performance.now() - t0).toBeLessThan(500);
    rmSync(f);
  });
});

describe.skipIf(!existsSync(REAL))('readDocuments on real data', () => {
  it('the whole realdata folder: only the tab-indented manifest fails, with file and line; everything else is read', async () => {
    const { docs, errors } = await readAll([REAL]);
    const bad = path.join(REAL, 'k8s-website/content/en/examples/pods/inject/pod-multiple-secret-env-variable.yaml');
    expect(errors).toEqual([{ type: 'error', file: bad, line: 15, message: 'YAML syntax error TAB_AS_INDENT: tabs are not allowed as indentation' }]);
    const badText = readFileSync(bad, 'utf8');
    expect(badText.split('\n')[14]).toMatch(/^\t/);
    expect(docs.length).toBeGreaterThan(500);
    // Files next to the broken one are still read.
    expect(docs.some((d) => d.file.endsWith('pods/inject/pod-secret-envFrom.yaml'))).toBe(true);
    // kube-prometheus RoleList / ConfigMapList manifests are expanded into their items.
    const roles = docs.filter((d) => d.file.endsWith('prometheus-roleSpecificNamespaces.yaml'));
    expect(roles.length).toBeGreaterThan(1);
    expect(roles.every((d) => (d.value as { kind: string }).kind === 'Role')).toBe(true);
    expect(new Set(roles.map((d) => d.line)).size).toBe(roles.length);
  });

  it('k9s JSON dumps parse as single objects; and as a kubectl List dump of them', async () => {
    const dir = path.join(REAL, 'k9s');
    const { docs, errors } = await readAll([dir]);
    expect(errors).toEqual([]);
    expect(docs.map((d) => `${(d.value as { kind: string }).kind}/${(d.value as { metadata: { name: string } }).metadata.name}`)).toEqual([
      'Secret/bootstrap-token-abcdef', 'Deployment/nginx', 'Pod/hurry-up-and-wait', 'Pod/nginx', 'ReplicaSet/nginx-pv-6476d7d5c8', 'ServiceAccount/zorg',
    ]);
    expect(docs.every((d) => d.line === 1 && d.index === 0)).toBe(true);
    const list = { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: docs.map((d) => d.value) };
    const dump = write('k9s-dump.json', JSON.stringify(list, null, 4));
    const yamlDump = write('k9s-dump.yaml', (await import('yaml')).stringify(list));
    const again = await readAll([dump, yamlDump]);
    expect(again.errors).toEqual([]);
    expect(again.docs.map((d) => d.value)).toEqual([...docs.map((d) => d.value), ...docs.map((d) => d.value)]);
    expect(again.docs.filter((d) => d.file === dump).map((d) => d.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
