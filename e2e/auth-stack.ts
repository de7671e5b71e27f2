/**
 * e2e helper (a Playwright webServer, see playwright.config.ts): starts a REAL OpenID Provider — oidc-provider with
 * its in-memory adapter, one static confidential client, PKCE required, and the development login form
 * (devInteractions: any login name, any password; the login name becomes the account's email) — on 127.0.0.1 at a
 * random port, then `keygraph demo` on AUTH_PORT with OIDC sign-in configured against it. Stops both on SIGINT or
 * SIGTERM. Test-only credentials below are not secrets.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Provider from 'oidc-provider';
import { ADMIN_EMAIL, AUTH_DATA_DIR, AUTH_PORT, AUTH_URL, ISSUER_FILE, SESSION_TTL_SECONDS } from './auth-env';

const CLIENT_ID = 'keygraph-e2e';
const CLIENT_SECRET = 'e2e-client-secret-not-a-real-secret';

const server = http.createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [`${AUTH_URL}/auth/callback`],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  async findAccount(_ctx: unknown, id: string) {
    return { accountId: id, claims: () => ({ sub: id, email: id, email_verified: true, name: id }) };
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  cookies: { keys: ['e2e-cookie-signing-key-not-secret'] },
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
});
server.on('request', provider.callback());

mkdirSync(AUTH_DATA_DIR, { recursive: true });
writeFileSync(ISSUER_FILE, issuer + '\n');
process.stdout.write(`e2e OpenID Provider at ${issuer}\n`);

const root = path.resolve(import.meta.dirname, '..');
const child = spawn(process.execPath, [path.join(root, 'bin', 'keygraph.mjs'), 'demo', '--port', String(AUTH_PORT)], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    KEYGRAPH_DATA_DIR: AUTH_DATA_DIR,
    KEYGRAPH_PUBLIC_URL: AUTH_URL,
    KEYGRAPH_OIDC_ISSUER: issuer,
    KEYGRAPH_OIDC_CLIENT_ID: CLIENT_ID,
    KEYGRAPH_OIDC_CLIENT_SECRET: CLIENT_SECRET,
    KEYGRAPH_OIDC_NAME: 'Test IdP',
    KEYGRAPH_ADMIN_EMAILS: ADMIN_EMAIL,
    KEYGRAPH_ALLOWED_DOMAINS: 'example.com',
    KEYGRAPH_SESSION_TTL: `${SESSION_TTL_SECONDS}s`,
  },
});

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  child.kill(signal);
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
child.on('exit', (code) => {
  server.close();
  server.closeAllConnections();
  process.exit(stopping ? 0 : (code ?? 1));
});
