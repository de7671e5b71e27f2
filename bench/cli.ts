/**
 * `npm run bench:cli` (script line: `"bench:cli": "node --import tsx bench/cli.ts"`): start-up time of the command
 * line (issue 14, "Compiled CLI").
 *
 * Builds the compiled CLI (scripts/build-cli.mjs, dist/cli), starts a fresh embedded PostgreSQL (or uses
 * BENCH_DATABASE_URL: an empty, disposable database), loads the shipped demo into it (`keygraph demo --no-serve`),
 * then runs each command `--runs N` times (default 7) as a child process (`node bin/keygraph.mjs …`, as an installed
 * `keygraph` does) and reports the median wall time of:
 * - `keygraph --help` compiled (target ≤ 0.3 s) and, for comparison, from the sources through tsx
 *   (KEYGRAPH_FROM_SOURCE=1);
 * - `keygraph --version`;
 * - `keygraph impact k8s:demo/ota/Secret/targets-backup-key` on the demo database, compiled (target ≤ 1.5 s; exit 0,
 *   2 or 3 are all answers).
 * Writes bench/out/cli.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openBenchDatabase } from './db';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'bin', 'keygraph.mjs');
const DEMO_SECRET = 'k8s:demo/ota/Secret/targets-backup-key';
const TARGETS = { helpS: 0.3, impactS: 1.5 };

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Math.max(1, Number(values.runs) || 7);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const round = (x: number) => +x.toFixed(3);

/** Runs `keygraph ARGS` once; returns wall seconds. Throws on an exit code not in `ok`. */
function once(args: string[], env: Record<string, string>, ok: number[] = [0]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, KEYGRAPH_LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const s = (performance.now() - t0) / 1000;
  if (!ok.includes(r.status ?? -1)) throw new Error(`keygraph ${args.join(' ')} exited ${r.status ?? r.signal}: ${(r.stderr ?? '').slice(-2000)}`);
  return s;
}

/** One warm-up run (file cache), then `runs` timed runs. */
function measure(label: string, args: string[], env: Record<string, string> = {}, ok?: number[]) {
  once(args, env, ok);
  const times = Array.from({ length: runs }, () => once(args, env, ok));
  const m = median(times);
  process.stdout.write(`${label.padEnd(34)} median ${m.toFixed(3)} s  (min ${Math.min(...times).toFixed(3)}, max ${Math.max(...times).toFixed(3)}, ${runs} runs)\n`);
  return { medianS: round(m), runsS: times.map(round) };
}

async function main() {
  const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-cli.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('scripts/build-cli.mjs failed');
  const bench = await openBenchDatabase({ prefix: 'keygraph-bench-cli-' });
  try {
    const env = { DATABASE_URL: bench.url };
    const load = spawnSync(process.execPath, [CLI, 'demo', '--no-serve'], { cwd: ROOT, env: { ...process.env, ...env, KEYGRAPH_LOG_LEVEL: 'warn' }, encoding: 'utf8' });
    if (load.status !== 0) throw new Error(`keygraph demo --no-serve failed: ${load.stderr}`);

    const help = measure('keygraph --help (compiled)', ['--help']);
    const helpSource = measure('keygraph --help (sources, tsx)', ['--help'], { KEYGRAPH_FROM_SOURCE: '1' });
    const version = measure('keygraph --version (compiled)', ['--version']);
    const impact = measure(`keygraph impact (compiled)`, ['impact', DEMO_SECRET], env, [0, 2, 3]);
    const impactSource = measure(`keygraph impact (sources, tsx)`, ['impact', DEMO_SECRET], { ...env, KEYGRAPH_FROM_SOURCE: '1' }, [0, 2, 3]);

    const pass = { help: help.medianS <= TARGETS.helpS, impact: impact.medianS <= TARGETS.impactS };
    process.stdout.write(`targets: --help ≤ ${TARGETS.helpS} s ${pass.help ? 'met' : 'MISSED'}; impact ≤ ${TARGETS.impactS} s ${pass.impact ? 'met' : 'MISSED'}\n`);
    const report = {
      node: process.version,
      cpus: (await import('node:os')).cpus().length,
      runs,
      demoSecret: DEMO_SECRET,
      help,
      helpFromSource: helpSource,
      version,
      impact,
      impactFromSource: impactSource,
      targets: TARGETS,
      pass,
    };
    await mkdir(path.join(ROOT, 'bench', 'out'), { recursive: true });
    await writeFile(path.join(ROOT, 'bench', 'out', 'cli.json'), JSON.stringify(report, null, 2) + '\n');
    process.stdout.write('wrote bench/out/cli.json\n');
  } finally {
    await bench.close();
  }
}

await main();
