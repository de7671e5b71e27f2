/**
 * `keygraph serve`, `keygraph demo`, `keygraph migrate`.
 */
import path from 'node:path';
import { openRuntime, type Runtime } from '../runtime';
import { migrate, migrationStatus } from '../db/migrate';
import { projectRoot, serve } from '../server';
import { collectFilesInto, printSummary } from './collect';
import { EXIT } from './exit';

/** Serves until SIGINT/SIGTERM, then closes the server, the database and (if started here) the embedded PostgreSQL. */
async function serveUntilSignal(rt: Runtime, opts: { host: string; port: number; dev?: boolean }): Promise<number> {
  const server = await serve(opts);
  process.stdout.write(`keygraph is serving ${server.url}  (${rt.embedded ? `embedded database in ${rt.config.dataDir}` : 'DATABASE_URL'}; Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stderr.write('stopping…\n');
  await server.close();
  return EXIT.ok;
}

export async function serveCommand(opts: { host: string; port: number; dev?: boolean }): Promise<number> {
  const rt = await openRuntime();
  try {
    return await serveUntilSignal(rt, opts);
  } finally {
    await rt.close();
  }
}

/** The demo cluster's two days of manifests, shipped in lib/demo (see lib/demo/README.md). */
export const DEMO_DAYS = ['day1', 'day2'].map((d) => path.join(projectRoot(), 'lib', 'demo', d));

export async function demoCommand(opts: { host: string; port: number; serve: boolean }): Promise<number> {
  const rt = await openRuntime();
  try {
    const loaded = await rt.database.prisma.run.count({ where: { source: 'files', scope: 'demo', status: { in: ['succeeded', 'partial'] } } });
    if (loaded) {
      process.stdout.write('demo data already loaded (cluster "demo")\n');
    } else {
      for (const day of DEMO_DAYS) {
        for (const r of await collectFilesInto(rt, [day], { cluster: 'demo', namespace: 'default', quiet: true })) {
          printSummary(r.scope, r.summary);
        }
      }
    }
    if (!opts.serve) return EXIT.ok;
    process.stdout.write('try: the Secret k8s:demo/ota/Secret/targets-backup-key (renamed, still referenced)\n');
    return await serveUntilSignal(rt, opts);
  } finally {
    await rt.close();
  }
}

export async function migrateCommand(opts: { status?: boolean }): Promise<number> {
  const rt = await openRuntime({ migrate: false });
  try {
    if (opts.status) {
      const s = await migrationStatus(rt.database.pool);
      process.stdout.write(`applied: ${s.applied.length ? s.applied.join(', ') : '(none)'}\npending: ${s.pending.length ? s.pending.join(', ') : '(none)'}\n`);
      return EXIT.ok;
    }
    const applied = await migrate(rt.database.pool);
    process.stdout.write(applied.length ? `applied ${applied.join(', ')}\n` : 'database is up to date\n');
    return EXIT.ok;
  } finally {
    await rt.close();
  }
}
