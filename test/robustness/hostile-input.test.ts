/**
 * Issue "Reliability and security" part 5: hostile input through every entry point.
 *
 * Files (`keygraph collect files`, in-process through collectFilesInto as the CLI does, and the real CLI for the
 * memory measurement): malformed and binary files, a YAML alias bomb, a 50 MB document (peak RSS of the CLI
 * process measured), a 3 MB annotation, names / labels / annotations carrying HTML and script, invalid base64 in
 * Secret data, unknown kinds, names with path traversal. Each gets a clear error (naming the file, never quoting
 * its content) or is stored safely, and nothing already stored is lost: a good set is collected first, and every
 * hostile run goes into the same scope (a run with skipped files marks nothing gone).
 *
 * Web (`keygraph serve` on a loopback port; skipped when there is no production build, see support.ts): search
 * and node pages with HTML in names and query parameters, ids with path traversal (`k8s:../../etc/passwd`,
 * `%2e%2e`), path traversal in paths: HTML from data never comes back unescaped, nothing answers 500 or serves a
 * file from outside the app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../db';
import { createFingerprinter } from '../../lib/secrets/fingerprint';
import { collectFilesInto } from '../../lib/cli/collect';
import { get, killChildren, markdownTable, NO_BUILD, runCli, startWebApp, webBuildReady, type WebApp } from './support';

const CLUSTER = 'h';
const fingerprint = createFingerprinter(Buffer.alloc(32, 5));
/** A value that must never appear in an error message, a log line or a response. */
const CANARY = 'CANARY-9d1c-secret-value';
const XSS_NAME = '<script>alert(1)<'; // no `/` and no whitespace: a name the mapper accepts
const XSS_TEXT = '</script><script>alert("annotation")</script><img src=x onerror=alert(2)>';

const GOOD = [
  `apiVersion: v1
kind: Secret
metadata: {name: db, namespace: app}
type: Opaque
data: {password: ${Buffer.from(CANARY).toString('base64')}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: app}
spec:
  template:
    spec:
      containers:
      - name: api
        image: api:1
        env:
        - name: PASSWORD
          valueFrom: {secretKeyRef: {name: db, key: password}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: runner, namespace: app}
`,
];

interface Case {
  name: string;
  file: string;
  content: string | Buffer;
  /** Expected: an error naming the file (`error`), the run stores it (`stored`), or the run reports its documents as
   * skipped (`skipped`: not mapped, reported with the run, which stays succeeded). */
  expect: 'error' | 'stored' | 'skipped';
  /** The error (or skipped-document) message must match. */
  message?: RegExp;
}

function yamlBomb(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  ${lines.join('\n  ')}\n`;
}

const CASES: Case[] = [
  { name: 'binary file (random bytes with NUL)', file: 'binary.yaml', content: Buffer.concat([Buffer.from('apiVersion: v1\n'), randomBytes(4096), Buffer.from([0])]), expect: 'error', message: /binary file/ },
  { name: 'binary file named .json', file: 'binary.json', content: Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe, 0x00, 0x01]), Buffer.from('"}')]), expect: 'error', message: /binary file/ },
  { name: 'invalid UTF-8', file: 'latin1.yaml', content: Buffer.from([0x6b, 0x3a, 0x20, 0xe9, 0xe8, 0x0a]), expect: 'error', message: /not valid UTF-8/ },
  { name: 'truncated JSON', file: 'truncated.json', content: `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"t"},"data":{"k":"${Buffer.from(CANARY).toString('base64')}"`, expect: 'error', message: /JSON|YAML/ },
  { name: 'malformed YAML', file: 'malformed.yaml', content: `apiVersion: v1\nkind: Secret\nmetadata:\n  name: [unclosed\nstringData:\n  password: "${CANARY}\n`, expect: 'error', message: /YAML syntax error/ },
  { name: 'YAML alias bomb (billion laughs)', file: 'bomb.yaml', content: yamlBomb(), expect: 'error', message: /alias/ },
  { name: 'not an object (a YAML scalar)', file: 'scalar.yaml', content: `just a string ${CANARY}\n`, expect: 'error', message: /not a document keygraph can place/ },
  {
    name: 'invalid base64 in Secret data', file: 'badb64.yaml', expect: 'stored',
    content: `apiVersion: v1\nkind: Secret\nmetadata: {name: badb64, namespace: app}\ndata:\n  good: ${Buffer.from('x').toString('base64')}\n  bad: "%%%not*base64${CANARY}"\n`,
  },
  { name: 'unknown kind (CRD not mapped)', file: 'unknown.yaml', content: `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: app}\nspec: {secret: "${CANARY}"}\n`, expect: 'stored' },
  {
    name: 'HTML and script in names, labels, annotations', file: 'xss.yaml', expect: 'stored',
    content: `apiVersion: v1\nkind: Secret\nmetadata:\n  name: '${XSS_NAME}'\n  namespace: app\n  labels: {team: '<b>x</b>'}\n  annotations:\n    note: '${XSS_TEXT}'\ntype: Opaque\ndata: {k: ${Buffer.from('v').toString('base64')}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: xss-user\n  namespace: app\n  annotations: {note: '${XSS_TEXT}'}\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: 'i:1'\n        envFrom: [{secretRef: {name: '${XSS_NAME}'}}]\n`,
  },
  {
    name: 'path traversal in names', file: 'traversal.yaml', expect: 'skipped', message: /without a usable metadata\.name|namespace/,
    content: `apiVersion: v1\nkind: Secret\nmetadata: {name: ../../etc/passwd, namespace: app}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: .., namespace: ..}\n`,
  },
  {
    name: '3 MB annotation', file: 'annotation.yaml', expect: 'stored',
    content: `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: big-annotation\n  namespace: app\n  annotations:\n    big: ${'A'.repeat(3 * 1024 * 1024)}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: i}]\n`,
  },
];

describe('hostile input', () => {
  let t: TestDatabase;
  let tmp: string;
  let goodDir: string;
  let goodState: Map<string, string>;
  const rows: Record<string, unknown>[] = [];
  const written = new Map<string, string>();
  const rt = () => ({ database: t, fingerprint });

  const currentNodes = async () =>
    new Map((await t.pool.query<{ node_id: string; hash: string }>(
      `SELECT node_id, hash FROM node_versions WHERE source = 'files' AND scope = $1 AND valid_to IS NULL AND NOT missing`, [CLUSTER],
    )).rows.map((r) => [r.node_id, r.hash]));
  const expectGoodIntact = async (label: string) => {
    const now = await currentNodes();
    for (const [id, hash] of goodState) expect(now.get(id), `${label}: ${id}`).toBe(hash);
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    tmp = mkdtempSync(path.join(tmpdir(), 'keygraph-hostile-'));
    goodDir = path.join(tmp, 'good');
    mkdirSync(goodDir);
    GOOD.forEach((g, i) => writeFileSync(path.join(goodDir, `good-${i}.yaml`), g));
    const [r] = await collectFilesInto(rt(), [goodDir], { cluster: CLUSTER, namespace: 'default', quiet: true });
    expect(r!.summary.status).toBe('succeeded');
    goodState = await currentNodes();
    expect(goodState.size).toBeGreaterThanOrEqual(3);
  });
  afterAll(async () => {
    killChildren();
    if (rows.length) {
      console.log('\nhostile files → outcome');
      console.table(rows);
      console.log(markdownTable(rows));
    }
    await t?.drop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(`files: ${c.name}`, async () => {
      const dir = path.join(tmp, c.file.replace(/\W/g, '_'));
      mkdirSync(dir);
      const file = path.join(dir, c.file);
      writeFileSync(file, c.content);
      written.set(c.file, file);
      // Alone: a file that is skipped never marks anything gone (or there is nothing to collect). (A readable file
      // alone is the whole desired state of the scope, so only the error cases run alone.)
      let alone = '—';
      if (c.expect === 'error') try {
        const [r] = await collectFilesInto(rt(), [file], { cluster: CLUSTER, namespace: 'default', quiet: true });
        alone = r!.summary.status;
        if (c.expect === 'error') {
          expect(r!.summary.status).toBe('partial');
          expect(r!.summary.nodes.removed).toBe(0);
          expect(r!.summary.edges.removed).toBe(0);
        }
      } catch (e) {
        alone = `refused: ${(e as Error).message.slice(0, 80)}…`;
        expect((e as Error).message).toMatch(/nothing to collect/);
        expect((e as Error).message).not.toContain(CANARY);
      }
      await expectGoodIntact(`${c.name} alone`);
      // With the good set (the folder as a whole).
      const [r] = await collectFilesInto(rt(), [goodDir, file], { cluster: CLUSTER, namespace: 'default', quiet: true });
      const s = r!.summary;
      const errors = s.errors.filter((e) => e.where.startsWith(file));
      if (c.expect === 'error') {
        expect(s.status).toBe('partial');
        expect(errors.length, JSON.stringify(s.errors)).toBeGreaterThan(0);
        for (const e of errors) expect(e.message).toMatch(c.message!);
        expect(s.nodes.removed + s.edges.removed).toBe(0);
      } else if (c.expect === 'skipped') {
        expect(errors).toEqual([]);
        expect(s.status).toBe('succeeded');
        const skipped = s.skipped.filter((x) => x.where.startsWith(file));
        expect(skipped.length).toBeGreaterThan(0);
        for (const x of skipped) expect(x.message).toMatch(c.message!);
        expect(JSON.stringify(s.skipped)).not.toContain(CANARY);
      } else {
        expect(errors).toEqual([]);
        expect(s.status).toBe('succeeded');
      }
      // Never a value in errors, never a value stored.
      expect(JSON.stringify(s.errors)).not.toContain(CANARY);
      const stored = await t.pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM node_versions WHERE properties::text LIKE '%' || $1 || '%' OR properties::text LIKE '%' || $2 || '%'`,
        [CANARY, Buffer.from(CANARY).toString('base64')],
      );
      expect(Number(stored.rows[0]!.n)).toBe(0);
      await expectGoodIntact(c.name);
      rows.push({
        input: c.name,
        'alone': alone,
        'with good set': s.status,
        outcome: errors.length ? errors[0]!.message.slice(0, 90) : c.expect === 'skipped' ? `skipped: ${s.skipped.find((x) => x.where.startsWith(file))?.message.slice(0, 80)}` : 'stored',
        'good set': 'intact',
      });
    });
  }

  it('files: HTML is stored as data (escaped on output, never interpreted) and invalid base64 keys are flagged', async () => {
    const xss = await t.pool.query<{ name: string; properties: Record<string, unknown> }>(
      `SELECT DISTINCT name, properties FROM node_versions WHERE scope = $1 AND name = $2 AND NOT missing`, [CLUSTER, XSS_NAME],
    );
    expect(xss.rows.length).toBe(1);
    const bad = await t.pool.query<{ properties: Record<string, unknown> }>(
      `SELECT properties FROM node_versions WHERE scope = $1 AND name = 'badb64' ORDER BY id DESC LIMIT 1`, [CLUSTER],
    );
    expect(bad.rows[0]!.properties.invalidBase64Keys).toEqual(['bad']);
    // (its raw text is fingerprinted like any value: an HMAC, never the value)
  });

  it('files: a 50 MB document through the CLI: bounded memory, clear outcome, nothing lost', async () => {
    const file = path.join(tmp, 'big50.json');
    // One Secret whose single value is ~50 MB of base64.
    const blob = randomBytes(37 * 1024 * 1024).toString('base64');
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'huge', namespace: 'app' }, data: { blob } }));
    const yaml = path.join(tmp, 'big50.yaml');
    writeFileSync(yaml, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: huge-yaml, namespace: app}\ndata:\n  blob: ${blob}\n`);
    // The same installation key as the in-process collections above, so unchanged objects keep their hash.
    const env = { DATABASE_URL: t.url, KEYGRAPH_DATA_DIR: path.join(tmp, 'data'), KEYGRAPH_FINGERPRINT_KEY: '05'.repeat(32) };
    const baseline = await runCli(['collect', 'files', goodDir, '--cluster', CLUSTER], env);
    expect(baseline.code, baseline.stderr).toBe(0);
    for (const [label, f] of [['50 MB JSON Secret', file], ['50 MB YAML document', yaml]] as const) {
      const r = await runCli(['collect', 'files', goodDir, f, '--cluster', CLUSTER], env);
      expect([0, 4]).toContain(r.code);
      expect(r.stderr + r.stdout).not.toContain(blob.slice(0, 64));
      expect(r.peakRssMiB).toBeLessThan(1024);
      await expectGoodIntact(label);
      const line = r.stderr.split('\n').find((l) => /^\s*skipped /.test(l) && l.includes(f)) ?? '';
      rows.push({
        input: label,
        alone: '—',
        'with good set': r.code === 0 ? 'succeeded' : 'partial (exit 4)',
        outcome: `${line.replace(/^\s*skipped [^:]+:\d*:?\s*/, '').slice(0, 70) || 'stored'}; peak RSS ${r.peakRssMiB} MiB (baseline ${baseline.peakRssMiB} MiB)`,
        'good set': 'intact',
      });
    }
  }, 180_000);

  // Found by this suite: a Secret value over ~8 MB made the mapper's base64 check (a regular expression with a
  // repeated group) overflow the stack. Fixed in collectors/kubernetes/mapper.ts (no backtracking).
  it('files: a Secret value over 8 MB is stored with its fingerprint', async () => {
    const file = path.join(tmp, 'big10.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'big10', namespace: 'app' }, data: { blob: randomBytes(10 * 1024 * 1024).toString('base64') } }));
    const env = { DATABASE_URL: t.url, KEYGRAPH_DATA_DIR: path.join(tmp, 'data'), KEYGRAPH_FINGERPRINT_KEY: '05'.repeat(32) };
    const r = await runCli(['collect', 'files', goodDir, file, '--cluster', CLUSTER], env);
    expect(r.code, r.stderr).toBe(0);
    const row = await t.pool.query<{ properties: { fingerprints?: Record<string, string>; size?: number } }>(
      `SELECT properties FROM node_versions WHERE scope = $1 AND name = 'big10' AND valid_to IS NULL`, [CLUSTER],
    );
    expect(row.rows[0]!.properties.fingerprints?.blob).toMatch(/^[0-9a-f]{32}$/);
    expect(row.rows[0]!.properties.size).toBe(10 * 1024 * 1024);
  }, 120_000);

  describe('web entry points', () => {
    let web: WebApp | null = null;
    let xssId = '';
    beforeAll(async () => {
      if (!(await webBuildReady())) return;
      // The current state: the good set plus the stored hostile files.
      const stored = CASES.filter((c) => c.expect === 'stored').map((c) => written.get(c.file)!);
      await collectFilesInto(rt(), [goodDir, ...stored], { cluster: CLUSTER, namespace: 'default', quiet: true });
      web = await startWebApp(t.url, { KEYGRAPH_DATA_DIR: path.join(tmp, 'data') });
      xssId = (await t.pool.query<{ node_id: string }>(`SELECT node_id FROM node_versions WHERE name = $1 LIMIT 1`, [XSS_NAME])).rows[0]?.node_id ?? '';
    }, 300_000);
    afterAll(async () => {
      await web?.stop();
    });

    const RAW = [/<script>alert/i, /<img src=x onerror/i, /<b>x<\/b>/];
    /** 200 (a page that says what is wrong), 400 or 404. */
    const web404or200 = [200, 400, 404];
    /** Not found: 404/400, or 200 with Next's streamed not-found marker (the page streams, see app/loading.tsx). */
    const NOT_FOUND = [400, 404, -404];
    /** An oversized URL: the HTTP server refuses it (431 headers too large, 414 URI too long) or a page says so. */
    const TOO_LONG = [200, 400, 404, 414, 431];

    it('search, node pages and the API escape HTML from data and from the URL; traversal gets a clear answer', async (ctx) => {
      if (!web) {
        console.warn(NO_BUILD);
        ctx.skip();
        return;
      }
      expect(xssId).not.toBe('');
      const requests: [string, number[]][] = [
        [`/search?q=${encodeURIComponent('<script>alert(1)</script>')}`, [200]],
        [`/search?q=${encodeURIComponent(XSS_NAME)}`, [200]],
        [`/search?q=${encodeURIComponent('xss-user')}`, [200]],
        [`/node?id=${encodeURIComponent(xssId)}`, [200]],
        [`/node?id=${encodeURIComponent('k8s:h/app/Deployment/xss-user')}`, [200]],
        [`/node?id=${encodeURIComponent('k8s:h/app/Deployment/big-annotation')}`, [200]],
        [`/node?id=${encodeURIComponent('<script>alert(1)</script>')}`, web404or200],
        ['/node?id=k8s:../../etc/passwd', web404or200],
        ['/node?id=k8s:%2e%2e/%2e%2e/etc/passwd', web404or200],
        ['/node?id=%2e%2e%2f%2e%2e%2fetc%2fpasswd', web404or200],
        ['/node?id=k8s:h/app/Secret/..%2f..%2fetc%2fpasswd', web404or200],
        ['/node?id=' + 'x'.repeat(20_000), TOO_LONG],
        ['/node?id=k8s:h/app/Secret/%00', web404or200],
        ['/search?q=%00%ff%fe', [200]],
        ['/search?q=' + 'a'.repeat(20_000), TOO_LONG],
        ['/search?q[]=a&q[]=b&page=-1&kind=<script>', web404or200],
        ['/search?asOf=<script>alert(1)</script>', web404or200],
        ['/runs/..%2f..%2fetc%2fpasswd', NOT_FOUND],
        ['/runs/1%20OR%201=1', NOT_FOUND],
        ['/../../etc/passwd', [400, 404]],
        ['/%2e%2e/%2e%2e/etc/passwd', [400, 404]],
        ['/_next/static/..%2f..%2f..%2fpackage.json', [400, 404]],
        ['/_next/static/%2e%2e/%2e%2e/%2e%2e/.keygraph/pg-password', [400, 404]],
        ['/api/v1/export?what=nodes&format=csv&kind=<script>alert(1)</script>', [400, 404]],
        ['/api/v1/export?what=../../etc/passwd&format=json', [400, 404]],
      ];
      const failures: string[] = [];
      const table: Record<string, unknown>[] = [];
      for (const [p, ok] of requests) {
        const r = await get(web!.url + p, 30_000);
        // A JSON answer may quote the bad parameter back (as data, never as markup): it must be served as JSON that
        // a browser will not sniff into HTML. Everything else must not contain the markup unescaped.
        const json = /^application\/json/.test(r.headers.get('content-type') ?? '') && r.headers.get('x-content-type-options') === 'nosniff';
        const raw = json ? [] : RAW.filter((re) => re.test(r.body));
        if (r.status === 200 && ok.includes(-404) && r.body.includes('NEXT_HTTP_ERROR_FALLBACK;404')) r.status = -404;
        const leaks = /root:x:0:0|"name":\s*"keygraph"|scram-sha-256/.test(r.body);
        if (!ok.includes(r.status)) failures.push(`${p.slice(0, 80)}: status ${r.status}`);
        if (raw.length) failures.push(`${p.slice(0, 80)}: unescaped ${raw.join(', ')}`);
        if (leaks) failures.push(`${p.slice(0, 80)}: served a file from outside the app`);
        table.push({
          request: p.length > 70 ? `${p.slice(0, 67)}…` : p,
          status: r.status === -404 ? '200 (streamed not-found)' : r.status,
          bytes: r.body.length,
          'unescaped HTML': raw.length ? 'YES' : json ? 'no (JSON, nosniff)' : 'no',
        });
      }
      console.log('\nweb entry points with hostile input');
      console.table(table);
      expect(failures).toEqual([]);
      // The XSS node page shows the name, escaped.
      const page = await get(`${web!.url}/node?id=${encodeURIComponent(xssId)}`);
      expect(page.body).toContain('&lt;script&gt;alert(1)&lt;');
    }, 300_000);
  });
});
