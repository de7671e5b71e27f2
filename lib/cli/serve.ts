/**
 * `keygraph serve`, `keygraph demo`, `keygraph migrate`.
 */
import path from 'node:path';
import { openRuntime, type Runtime } from '../runtime';
import { migrate, migrationStatus } from '../db/migrate';
import { assertBindAllowed, projectRoot, serve } from '../server';
import { loadConfig } from '../config';
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
  assertBindAllowed(opts.host, loadConfig().auth); // before starting a database: refuse early and clearly
  const rt = await openRuntime();
  try {
    return await serveUntilSignal(rt, opts);
  } finally {
    await rt.close();
  }
}

/** The demo cluster's two days of manifests, shipped in lib/demo (see lib/demo/README.md). */
export const DEMO_DAYS = ['day1', 'day2'].map((d) => path.join(projectRoot(), 'lib', 'demo', d));

/** The demo GCP project's (`keygraph-demo`) two days of gcloud JSON, shipped in lib/demo/gcp (lib/demo/README.md). */
export const DEMO_GCP_DAYS = ['day1', 'day2'].map((d) => path.join(projectRoot(), 'lib', 'demo', 'gcp', d));

/** GCP project of the demo (the scope of its GCP runs). */
export const DEMO_GCP_PROJECT = 'keygraph-demo';

/**
 * `keygraph demo`: loads the shipped demo once per data folder, then serves. Run order on a fresh folder: cluster
 * `demo` day 1 and day 2 (runs 1 and 2), then project `keygraph-demo` day 1 and day 2 (runs 3 and 4). A folder
 * loaded by an older keygraph (cluster days only) gets the GCP days on the next `keygraph demo`.
 */
export async function demoCommand(opts: { host: string; port: number; serve: boolean }): Promise<number> {
  if (opts.serve) assertBindAllowed(opts.host, loadConfig().auth);
  const rt = await openRuntime();
  try {
    const loaded = (scope: string) =>
      rt.database.prisma.run.count({ where: { source: 'files', scope, status: { in: ['succeeded', 'partial'] } } });
    const load = async (days: string[]) => {
      for (const day of days) {
        for (const r of await collectFilesInto(rt, [day], { cluster: 'demo', namespace: 'default', quiet: true })) {
          printSummary(r.scope, r.summary);
        }
      }
    };
    const clusterLoaded = (await loaded('demo')) > 0;
    const gcpLoaded = (await loaded(DEMO_GCP_PROJECT)) > 0;
    if (clusterLoaded && gcpLoaded) process.stdout.write(`demo data already loaded (cluster "demo", GCP project "${DEMO_GCP_PROJECT}")\n`);
    if (!clusterLoaded) await load(DEMO_DAYS);
    if (!gcpLoaded) await load(DEMO_GCP_DAYS);
    if (!opts.serve) return EXIT.ok;
    process.stdout.write('try: the Secret k8s:demo/ota/Secret/targets-backup-key (renamed, still referenced)\n');
    process.stdout.write(`     the GCP key gcp:${DEMO_GCP_PROJECT}/ServiceAccountKey/17134a057f76bc8ad12e48ec3bed0149baaf6db5 (held by ota/ota-backup-uploader-gcp-key)\n`);
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
