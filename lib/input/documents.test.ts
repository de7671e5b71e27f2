import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInputError, readDocuments, type InputDocument, type InputError, type ReadDocumentsOptions } from './documents';

const here = path.dirname(fileURLToPath(import.meta.url));
const REAL = path.resolve(here, '../../../shared/realdata');

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
    expect(performance.now() - t0).toBeLessThan(2000);
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
    const t0 = performance.now();
    const { docs, errors } = await readAll([big, small]);
    expect(performance.now() - t0).toBeLessThan(1000);
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

  it('merge keys and duplicate keys are tolerated', async () => {
    const f = write('merge.yaml', 'base: &b {x: 1}\nobj:\n  <<: *b\n  y: 2\ndup: 1\ndup: 2\n');
    const { docs, errors } = await readAll([f]);
    expect(errors).toEqual([]);
    expect(docs[0]!.value).toEqual({ base: { x: 1 }, obj: { x: 1, y: 2 }, dup: 2 });
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
