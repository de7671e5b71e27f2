/**
 * Runtime configuration from the environment, validated once (zod). Every setting has a zero-config default.
 *
 * - `DATABASE_URL`: an external PostgreSQL 14+ (postgres://…). Unset: the embedded PostgreSQL in the data folder.
 * - `KEYGRAPH_DATA_DIR`: data folder (embedded database, fingerprint key); default `./.keygraph`.
 * - `KEYGRAPH_FRESHNESS_HOURS`: how old a source's last complete run may be before answers built on it are
 *   "unknown" (default 24).
 * - `KEYGRAPH_LOG_LEVEL`: pino level (default `info`).
 *
 * Sign-in (lib/auth; off unless the OIDC variables are set, and then enforced on every address):
 * - `KEYGRAPH_PUBLIC_URL`: the URL users reach keygraph at (`https://keygraph.example.com`); the OIDC redirect URL
 *   is `<public URL>/auth/callback`, and state-changing requests must come from this origin. https is required
 *   unless the host is loopback.
 * - `KEYGRAPH_OIDC_ISSUER`, `KEYGRAPH_OIDC_CLIENT_ID`, `KEYGRAPH_OIDC_CLIENT_SECRET`: the OpenID Provider
 *   (`https://accounts.google.com` for Google) and this client's credentials. All three or none.
 * - `KEYGRAPH_OIDC_SCOPES` (default `openid email profile`), `KEYGRAPH_OIDC_NAME` (sign-in button label),
 *   `KEYGRAPH_OIDC_ALLOW_UNVERIFIED_EMAIL=1` (accept ID tokens whose `email_verified` is not true; default: refuse).
 * - `KEYGRAPH_ADMIN_EMAILS`: comma list of admins. `KEYGRAPH_ALLOWED_DOMAINS` / `KEYGRAPH_ALLOWED_EMAILS`: who may
 *   sign in at all (as viewer); `KEYGRAPH_ALLOWED_DOMAINS=*` allows everyone the provider authenticates. At least
 *   one of the three must be set when sign-in is on.
 * - `KEYGRAPH_SESSION_SECRET` (32+ characters): key for the session cookie; default a random key generated in
 *   `<data dir>/session.key` (set it when several replicas serve the app). `KEYGRAPH_SESSION_TTL`: absolute
 *   session lifetime (default `8h`).
 * - `KEYGRAPH_RATE_LIMIT`: API/auth requests per minute per client (default 600, bursts up to that many);
 *   `KEYGRAPH_MAX_BODY`: request body limit in bytes for /api and /auth (default 1 MiB);
 *   `KEYGRAPH_TRUST_PROXY=1`: take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
 *
 * Alerts (lib/alerts; off unless a webhook URL is set):
 * - `KEYGRAPH_ALERT_WEBHOOK_URL`: where each committed run's new and resolved findings are POSTed (https unless the
 *   host is loopback). Held as a {@link Redacted}: its path and query are often the credential (Slack incoming webhooks).
 * - `KEYGRAPH_ALERT_FORMAT`: `slack` (incoming-webhook `{text, blocks}`) or `json` (default `slack` for a
 *   hooks.slack.com URL, else `json`).
 * - `KEYGRAPH_ALERT_MIN_SEVERITY`: the least severity alerted (default `high`; lib/analysis/severity.ts).
 */
import path from 'node:path';
import { z } from 'zod';
import { parseDuration } from './auth/duration';
import { isLoopbackHost } from './auth/loopback';
import { Redacted } from './auth/redacted';
import { SEVERITIES, type Severity } from './analysis/severity';

const schema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// or postgresql:// URL')
    .optional(),
  KEYGRAPH_DATA_DIR: z.string().min(1).default('.keygraph'),
  KEYGRAPH_FRESHNESS_HOURS: z.coerce.number().positive().max(24 * 365).default(24),
  KEYGRAPH_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  KEYGRAPH_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'KEYGRAPH_PUBLIC_URL must be an http(s) URL' }).optional(),
  KEYGRAPH_OIDC_ISSUER: z.url({ protocol: /^https?$/, error: 'KEYGRAPH_OIDC_ISSUER must be an http(s) URL' }).optional(),
  KEYGRAPH_OIDC_CLIENT_ID: z.string().min(1).optional(),
  KEYGRAPH_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  KEYGRAPH_OIDC_SCOPES: z.string().min(1).default('openid email profile'),
  KEYGRAPH_OIDC_NAME: z.string().min(1).max(60).optional(),
  KEYGRAPH_OIDC_ALLOW_UNVERIFIED_EMAIL: z.enum(['0', '1', 'true', 'false']).optional(),
  KEYGRAPH_ADMIN_EMAILS: z.string().optional(),
  KEYGRAPH_ALLOWED_DOMAINS: z.string().optional(),
  KEYGRAPH_ALLOWED_EMAILS: z.string().optional(),
  KEYGRAPH_SESSION_SECRET: z.string().min(32, 'KEYGRAPH_SESSION_SECRET must be at least 32 characters').optional(),
  KEYGRAPH_SESSION_TTL: z.string().default('8h'),
  KEYGRAPH_RATE_LIMIT: z.coerce.number().int().positive().max(1_000_000).default(600),
  KEYGRAPH_MAX_BODY: z.coerce.number().int().positive().max(1024 * 1024 * 1024).default(1024 * 1024),
  KEYGRAPH_TRUST_PROXY: z.enum(['0', '1', 'true', 'false']).optional(),
  KEYGRAPH_ALERT_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: 'KEYGRAPH_ALERT_WEBHOOK_URL must be an http(s) URL' }).optional(),
  KEYGRAPH_ALERT_FORMAT: z.enum(['slack', 'json']).optional(),
  KEYGRAPH_ALERT_MIN_SEVERITY: z.enum(SEVERITIES).default('high'),
});

/** One webhook that receives run alerts (lib/alerts). */
export interface AlertWebhookConfig {
  /** Key of its deliveries in `alert_deliveries.webhook` (`default` for KEYGRAPH_ALERT_WEBHOOK_URL). */
  name: string;
  /** The URL; its path and query may be a credential: never log it (lib/alerts redactUrl). */
  url: Redacted;
  format: 'slack' | 'json';
  /** Findings below this severity are not alerted. */
  minSeverity: Severity;
}

/** Alert settings: no webhooks means alerts are off. */
export interface AlertsConfig {
  webhooks: AlertWebhookConfig[];
}

/** Sign-in settings (lib/auth). `enabled` is true when OIDC is configured; then every request needs a principal. */
export interface AuthConfig {
  enabled: boolean;
  /** Origin users reach keygraph at (no trailing slash), when configured. */
  publicOrigin: string | undefined;
  oidc:
    | {
        issuer: string;
        clientId: string;
        clientSecret: Redacted;
        /** `<public URL>/auth/callback` */
        redirectUri: string;
        scopes: string;
        /** Label of the sign-in button. */
        providerName: string;
        allowUnverifiedEmail: boolean;
      }
    | undefined;
  /** Lower-cased. */
  adminEmails: string[];
  /** Lower-cased domains, or `*` for any. */
  allowedDomains: string[];
  allowedEmails: string[];
  sessionSecret: Redacted | undefined;
  sessionTtlMs: number;
  /** Cookies get `Secure` (and the `__Host-` prefix) when the public URL is https. */
  secureCookies: boolean;
  rateLimitPerMinute: number;
  maxBodyBytes: number;
  trustProxy: boolean;
}

export interface KeygraphConfig {
  databaseUrl: string | undefined;
  dataDir: string;
  freshnessHours: number;
  logLevel: string;
  auth: AuthConfig;
  alerts: AlertsConfig;
}

/** Reads and validates the environment. Throws a readable error naming the bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): KeygraphConfig {
  // An empty KEYGRAPH_* variable means unset (as `FOO= keygraph serve` and many deployment templates write it).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([k, v]) => !(k.startsWith('KEYGRAPH_') && v === '')));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${msg}`);
  }
  const c = parsed.data;
  return {
    databaseUrl: c.DATABASE_URL || undefined,
    dataDir: path.resolve(c.KEYGRAPH_DATA_DIR),
    freshnessHours: c.KEYGRAPH_FRESHNESS_HOURS,
    logLevel: c.KEYGRAPH_LOG_LEVEL,
    auth: authConfig(c),
    alerts: alertsConfig(c),
  };
}

/** The alerts part of the configuration; throws `invalid configuration: …` for an unsafe webhook URL. */
function alertsConfig(c: z.infer<typeof schema>): AlertsConfig {
  if (!c.KEYGRAPH_ALERT_WEBHOOK_URL) {
    if (c.KEYGRAPH_ALERT_FORMAT) throw new Error('invalid configuration: KEYGRAPH_ALERT_FORMAT is set without KEYGRAPH_ALERT_WEBHOOK_URL');
    return { webhooks: [] };
  }
  const u = new URL(c.KEYGRAPH_ALERT_WEBHOOK_URL);
  if (u.protocol !== 'https:' && !isLoopbackHost(u.hostname)) {
    throw new Error('invalid configuration: KEYGRAPH_ALERT_WEBHOOK_URL must use https (http is only accepted for a loopback host)');
  }
  if (u.username || u.password) throw new Error('invalid configuration: KEYGRAPH_ALERT_WEBHOOK_URL must not hold credentials before the host');
  return {
    webhooks: [
      {
        name: 'default',
        url: new Redacted(u.href),
        format: c.KEYGRAPH_ALERT_FORMAT ?? (u.hostname === 'hooks.slack.com' ? 'slack' : 'json'),
        minSeverity: c.KEYGRAPH_ALERT_MIN_SEVERITY,
      },
    ],
  };
}

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((x) => x.trim().toLowerCase())
    .filter(Boolean);
const truthy = (v: string | undefined) => v === '1' || v === 'true';

/** The sign-in part of the configuration; throws `invalid configuration: …` for an incomplete or unsafe one. */
function authConfig(c: z.infer<typeof schema>): AuthConfig {
  const bad = (msg: string) => new Error(`invalid configuration: ${msg}`);
  const oidcVars = [c.KEYGRAPH_OIDC_ISSUER, c.KEYGRAPH_OIDC_CLIENT_ID, c.KEYGRAPH_OIDC_CLIENT_SECRET];
  const enabled = oidcVars.some(Boolean);
  if (enabled && !oidcVars.every(Boolean)) {
    throw bad('set all of KEYGRAPH_OIDC_ISSUER, KEYGRAPH_OIDC_CLIENT_ID and KEYGRAPH_OIDC_CLIENT_SECRET, or none');
  }
  let publicOrigin: string | undefined;
  let secureCookies = false;
  if (c.KEYGRAPH_PUBLIC_URL) {
    const u = new URL(c.KEYGRAPH_PUBLIC_URL);
    if (u.pathname !== '/' || u.search || u.hash || u.username || u.password) {
      throw bad('KEYGRAPH_PUBLIC_URL must be an origin such as https://keygraph.example.com (no path, query or credentials)');
    }
    if (u.protocol !== 'https:' && !isLoopbackHost(u.hostname)) {
      throw bad('KEYGRAPH_PUBLIC_URL must use https (http is only accepted for a loopback host)');
    }
    publicOrigin = u.origin;
    secureCookies = u.protocol === 'https:';
  }
  const adminEmails = list(c.KEYGRAPH_ADMIN_EMAILS);
  const allowedDomains = list(c.KEYGRAPH_ALLOWED_DOMAINS).map((d) => d.replace(/^@/, ''));
  const allowedEmails = list(c.KEYGRAPH_ALLOWED_EMAILS);
  let oidc: AuthConfig['oidc'];
  if (enabled) {
    if (!publicOrigin) throw bad('KEYGRAPH_PUBLIC_URL is required with OIDC sign-in (the redirect URL is <KEYGRAPH_PUBLIC_URL>/auth/callback)');
    if (!adminEmails.length && !allowedDomains.length && !allowedEmails.length) {
      throw bad(
        'with OIDC sign-in, say who may sign in: KEYGRAPH_ALLOWED_DOMAINS, KEYGRAPH_ALLOWED_EMAILS and/or KEYGRAPH_ADMIN_EMAILS ' +
          '(KEYGRAPH_ALLOWED_DOMAINS=* admits everyone the provider authenticates)',
      );
    }
    const issuer = new URL(c.KEYGRAPH_OIDC_ISSUER!);
    if (issuer.protocol !== 'https:' && !isLoopbackHost(issuer.hostname)) {
      throw bad('KEYGRAPH_OIDC_ISSUER must use https (http is only accepted for a loopback host)');
    }
    oidc = {
      issuer: c.KEYGRAPH_OIDC_ISSUER!,
      clientId: c.KEYGRAPH_OIDC_CLIENT_ID!,
      clientSecret: new Redacted(c.KEYGRAPH_OIDC_CLIENT_SECRET!),
      redirectUri: `${publicOrigin}/auth/callback`,
      scopes: c.KEYGRAPH_OIDC_SCOPES,
      providerName: c.KEYGRAPH_OIDC_NAME ?? (issuer.hostname === 'accounts.google.com' ? 'Google' : 'single sign-on'),
      allowUnverifiedEmail: truthy(c.KEYGRAPH_OIDC_ALLOW_UNVERIFIED_EMAIL),
    };
  }
  let sessionTtlMs: number;
  try {
    sessionTtlMs = parseDuration(c.KEYGRAPH_SESSION_TTL, 'KEYGRAPH_SESSION_TTL');
  } catch (e) {
    throw bad((e as Error).message);
  }
  return {
    enabled,
    publicOrigin,
    oidc,
    adminEmails,
    allowedDomains,
    allowedEmails,
    sessionSecret: c.KEYGRAPH_SESSION_SECRET ? new Redacted(c.KEYGRAPH_SESSION_SECRET) : undefined,
    sessionTtlMs,
    secureCookies,
    rateLimitPerMinute: c.KEYGRAPH_RATE_LIMIT,
    maxBodyBytes: c.KEYGRAPH_MAX_BODY,
    trustProxy: truthy(c.KEYGRAPH_TRUST_PROXY),
  };
}
