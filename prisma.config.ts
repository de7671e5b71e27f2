/**
 * Prisma CLI configuration. Only `prisma generate` is used: migrations are applied by keygraph's own runner
 * (lib/db/migrate.ts, `keygraph migrate`) in Prisma's folder format with the `_prisma_migrations` table.
 *
 * `prisma generate` does not need the native schema engine, but the CLI refuses to start without one and would
 * download it; pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file keeps it offline.
 */
import path from 'node:path';
import { defineConfig } from 'prisma/config';

process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.resolve('prisma/schema.prisma');

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
