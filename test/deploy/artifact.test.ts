/**
 * The container image without a container engine: the Dockerfile's final stage, laid out from the local build.
 * Every path its `COPY --from=build` lines name is copied from this checkout (or from `KEYGRAPH_ARTIFACT_BUILD`, a
 * folder built as the Dockerfile's build stage does) into a fresh folder (the production node_modules:
 * `KEYGRAPH_ARTIFACT_NODE_MODULES` when set, e.g. from `npm ci --omit=dev --ignore-scripts`, else a symlink to
 * this checkout's), the folder is made read-only (chmod -R a-w, as readOnlyRootFilesystem), and, as
 * uid/gid 65532 when this runs as root (setpriv), with the image's ENV plus exactly the variables the rendered
 * manifests set (Secret values stood in for, DATABASE_URL the test database):
 * - `serve` with the web Deployment's arguments (sign-in on, 0.0.0.0; another port) answers /healthz, /readyz and
 *   the sign-in page with 200;
 * - `migrate` (the Job) and `collect files` (the CronJob's environment) work and exit 0;
 * - `demo` from the compiled CLI loads the demo into an embedded PostgreSQL and serves a node page.
 * Needs `npm run build` (.next/BUILD_ID and dist/cli/main.js); skipped without it, saying so.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/db/embedded';
import { useCliDatabase } from '../cli';
import { find, podSpecOf, render, renderYaml, ROOT } from './render';

/** Where the build comes from. */
const FROM = path.resolve(process.env.KEYGRAPH_ARTIFACT_BUILD || ROOT);
const BUILT = existsSync(path.join(FROM, '.next', 'BUILD_ID')) && existsSync(path.join(FROM, 'dist', 'cli', 'main.js'));
const NO_BUILD = 'no build (.next/BUILD_ID, dist/cli/main.js): run `npm run build` first; the image layout test is skipped';
if (!BUILT) console.warn(NO_BUILD);
const AS_ROOT = process.getuid?.() === 0;
const UID = 65532;
/**
 * The embedded PostgreSQL (`demo`) asks the OS for the user's name (os.userInfo), which needs a passwd entry: the
 * image has one for 65532 (Dockerfile); where this machine has none, `demo` runs as `nobody` (65534) instead.
 */
const DEMO_UID = hasPasswdEntry(UID) ? UID : 65534;

function hasPasswdEntry(uid: number): boolean {
  try {
    return readFileSync('/etc/passwd', 'utf8').split('\n').some((l) => l.split(':')[2] === String(uid));
  } catch {
    return false;
  }
}

/** The final stage of the Dockerfile: its ENV and the paths it copies from the build stage. */
export function finalStage(dockerfile: string): { env: Record<string, string>; copies: string[]; workdir: string } {
  const lines = dockerfile.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const last = lines.map((l, i) => (/^FROM\s/i.test(l) ? i : -1)).filter((i) => i >= 0).pop()!;
  const env: Record<string, string> = {};
  const copies: string[] = [];
  let workdir = '/';
  for (const l of lines.slice(last + 1)) {
    const [instr, ...rest] = l.split(/\s+/);
    if (/^ENV$/i.test(instr!)) for (const kv of rest) { const i = kv.indexOf('='); env[kv.slice(0, i)] = kv.slice(i + 1); }
    if (/^WORKDIR$/i.test(instr!)) workdir = rest[0]!;
    if (/^COPY$/i.test(instr!) && rest[0] === '--from=build') copies.push(path.posix.relative(workdir, rest[1]!));
  }
  return { env, copies, workdir };
}

const db = useCliDatabase('keygraph-artifact-');
const stage = finalStage(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
let tmp = '';
let app = '';
let data = '';
const children = new Set<ChildProcess>();

beforeAll(() => {
  if (!BUILT) return;
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kg-artifact-'));
  chmodSync(tmp, 0o755);
  app = path.join(tmp, 'app');
  mkdirSync(app);
  for (const p of stage.copies) {
    cpSync(path.join(FROM, p), path.join(app, p), { recursive: true, verbatimSymlinks: true, filter: (src) => !src.startsWith(path.join(FROM, '.next', 'cache')) });
  }
  const nodeModules = process.env.KEYGRAPH_ARTIFACT_NODE_MODULES;
  symlinkSync(nodeModules ? path.resolve(nodeModules) : path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'));
  for (const d of ['data-web', 'data-demo', 'data-jobs']) {
    mkdirSync(path.join(tmp, d));
    if (AS_ROOT) chownSync(path.join(tmp, d), d === 'data-demo' ? DEMO_UID : UID, d === 'data-demo' ? DEMO_UID : UID);
  }
  data = tmp;
  // Read-only, as the image's files are to uid 65532 (and as readOnlyRootFilesystem makes them for anyone).
  execFileSync('chmod', ['-R', 'a-w', app]);
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
  if (tmp) {
    execFileSync('chmod', ['-R', 'u+w', tmp]);
    rmSync(tmp, { recursive: true, force: true });
  }
});

/** The image's ENV with /app and /var/lib/keygraph mapped to the copy and a data folder. */
function imageEnv(dataDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(stage.env)) env[k] = v.replace(/^\/app\b/, app).replace(/^\/var\/lib\/keygraph$/, dataDir);
  return env;
}

/** A container's variables as the kubelet would set them, with stand-ins for Secret values. */
function containerEnv(container: any, configMap: Record<string, string>, dataDir: string): Record<string, string> {
  const secretValues: Record<string, string> = {
    'keygraph-database/url': db.db.url,
    'keygraph-fingerprint/key': randomBytes(32).toString('hex'),
    'keygraph-session/secret': randomBytes(32).toString('hex'),
    'keygraph-oidc/issuer': 'https://accounts.google.com',
    'keygraph-oidc/client-id': 'keygraph-test.apps.example.com',
    'keygraph-oidc/client-secret': randomBytes(16).toString('hex'),
  };
  const env: Record<string, string> = {};
  for (const e of container.env) {
    const s = e.valueFrom?.secretKeyRef;
    const c = e.valueFrom?.configMapKeyRef;
    const v = s ? secretValues[`${s.name}/${s.key}`] : c ? configMap[c.key] : e.value;
    if (v === undefined) throw new Error(`no stand-in for ${e.name}`);
    env[e.name] = e.name === 'KEYGRAPH_DATA_DIR' ? dataDir : v;
  }
  return env;
}

/** `kubectl`'s $(VAR) expansion of container args. */
const expandArgs = (args: string[], env: Record<string, string>) => args.map((a) => a.replace(/\$\(([A-Z0-9_]+)\)/g, (_, n) => env[n] ?? `$(${n})`));

/** Runs the copied CLI as the image would: cwd = WORKDIR, only the given environment, as 65532 when root. */
function start(args: string[], env: Record<string, string>, uid = UID): { child: ChildProcess; out: () => string; done: Promise<number | null> } {
  const argv = [process.execPath, path.join(app, 'bin', 'keygraph.mjs'), ...args];
  const [cmd, ...rest] = AS_ROOT ? ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', ...argv] : argv;
  const child = spawn(cmd!, rest, { cwd: app, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } as unknown as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  const done = new Promise<number | null>((resolve) => child.once('exit', (code) => (children.delete(child), resolve(code))));
  return { child, out: () => out, done };
}

async function waitFor(url: string, p: ReturnType<typeof start>, ms = 180_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (p.child.exitCode !== null) throw new Error(`exited ${p.child.exitCode}: ${p.out().slice(-3000)}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`no answer from ${url}: ${p.out().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function stop(p: ReturnType<typeof start>): Promise<number | null> {
  p.child.kill('SIGTERM');
  const t = setTimeout(() => p.child.exitCode === null && p.child.kill('SIGKILL'), 15_000);
  const code = await p.done;
  clearTimeout(t);
  return code;
}

const get = async (url: string) => {
  const r = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(30_000) });
  return { status: r.status, body: await r.text() };
};

describe.skipIf(!BUILT)('the image layout (Dockerfile final stage), read-only, as uid 65532', () => {
  const objects = BUILT ? render('deploy/overlays/gke') : [];
  const configMap = BUILT ? (find(objects, 'ConfigMap', 'keygraph-config').data as Record<string, string>) : {};

  it('the Dockerfile copies the CLI build, the web build, migrations, demo data and the launcher; runs as 65532', () => {
    expect(stage.copies).toEqual(expect.arrayContaining(['package.json', 'bin', 'dist', '.next', 'prisma', 'lib/demo', 'next.config.js']));
    const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(text).toMatch(/^USER 65532:65532$/m);
    expect(text).toMatch(/^ENTRYPOINT \["keygraph"\]$/m);
    expect(text).toMatch(/^CMD \["serve"/m);
    expect(text).toMatch(/^ARG NODE_IMAGE=node:\d+\.\d+\.\d+-bookworm-slim$/m);
    expect(stage.env.KEYGRAPH_ROOT).toBe(stage.workdir);
    if (!AS_ROOT) console.warn('not root: the copy runs as this user, not as uid 65532');
  });

  it('serve with the web Deployment\'s arguments and environment: /healthz, /readyz and the sign-in page answer 200', async () => {
    const c = find(objects, 'Deployment', 'keygraph-web').spec.template.spec.containers[0];
    const env = { ...imageEnv(path.join(data, 'data-web')), ...containerEnv(c, configMap, path.join(data, 'data-web')) };
    const port = await freePort();
    const args = expandArgs(c.args, env).map((a, i, all) => (all[i - 1] === '--port' ? String(port) : a));
    expect(args.slice(0, 3)).toEqual(['serve', '--host', '0.0.0.0']);
    const p = start(args, env);
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitFor(`${base}/healthz`, p);
      expect((await get(`${base}/healthz`)).status).toBe(200);
      const ready = await get(`${base}/readyz`);
      expect(ready.status, ready.body).toBe(200);
      const login = await get(`${base}/login`);
      expect(login.status, login.body.slice(0, 500)).toBe(200);
      expect(login.body).toContain('keygraph');
      // Sign-in is on: the overview is not served to an anonymous client.
      expect((await get(`${base}/`)).status).not.toBe(200);
    } finally {
      expect(await stop(p), p.out().slice(-2000)).toBe(0);
    }
    expect(p.out()).not.toMatch(/EACCES|EROFS|read-only file system/i);
  });

  it('migrate (the Job) and collect files with the collection CronJob\'s environment exit 0', async () => {
    const jobEnv = (kind: string, name: string) => {
      const c = podSpecOf(find(objects, kind, name)).containers[0];
      return { c, env: { ...imageEnv(path.join(data, 'data-jobs')), ...containerEnv(c, configMap, path.join(data, 'data-jobs')) } };
    };
    const m = jobEnv('Job', 'keygraph-migrate');
    const migrate = start(m.c.args, m.env);
    expect(await migrate.done, migrate.out()).toBe(0);
    expect(migrate.out()).toContain('database is up to date');

    const k = jobEnv('CronJob', 'keygraph-collect-k8s');
    const manifests = path.join(data, 'data-jobs', 'manifests.yaml');
    writeFileSync(manifests, renderYaml('deploy/overlays/gke'));
    if (AS_ROOT) chownSync(manifests, UID, UID);
    const cluster = expandArgs(k.c.args, k.env)[expandArgs(k.c.args, k.env).indexOf('--cluster') + 1]!;
    const collect = start(['collect', 'files', manifests, '--cluster', cluster, '--allow-partial'], k.env);
    expect(await collect.done, collect.out()).toBe(0);
    expect(collect.out()).toMatch(/run \d+ \(my-cluster\) succeeded/);
    const runs = await db.db.pool.query(`SELECT status FROM runs WHERE source = 'files' AND scope = $1`, [cluster]);
    expect(runs.rows).toEqual([{ status: 'succeeded' }]);
  });

  it('demo from the compiled CLI: loads the demo into an embedded PostgreSQL and serves /healthz, /readyz and a node page', async () => {
    const env = imageEnv(path.join(data, 'data-demo'));
    expect(env.DATABASE_URL).toBeUndefined();
    const port = await freePort();
    if (DEMO_UID !== UID && AS_ROOT) console.warn(`no passwd entry for ${UID} on this machine: demo runs as ${DEMO_UID}`);
    const p = start(['demo', '--port', String(port)], env, DEMO_UID);
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitFor(`${base}/healthz`, p, 240_000);
      expect(p.out()).toContain(`keygraph is serving ${base}`);
      expect((await get(`${base}/readyz`)).status).toBe(200);
      const page = await get(`${base}/node?id=${encodeURIComponent('k8s:demo/ota/Secret/targets-backup-key')}`);
      expect(page.status).toBe(200);
      expect(page.body).toContain('targets-backup-key');
    } finally {
      expect(await stop(p), p.out().slice(-2000)).toBe(0);
    }
  }, 300_000);
});
