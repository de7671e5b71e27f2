/**
 * Settings of the sign-in e2e stack (e2e/auth-stack.ts), shared by playwright.config.ts and e2e/auth.spec.ts.
 * The keygraph server with sign-in listens on 127.0.0.1:KEYGRAPH_E2E_AUTH_PORT (a free port, e2e/ports.ts) with its own data
 * folder; the OpenID Provider picks a random port and writes its issuer URL into that folder (one folder per port,
 * so two runs on different ports do not share it).
 */
import os from 'node:os';
import path from 'node:path';
import { E2E_AUTH_PORT } from './ports';

export const AUTH_PORT = E2E_AUTH_PORT;
export const AUTH_URL = `http://127.0.0.1:${AUTH_PORT}`;
export const AUTH_DATA_DIR = path.join(os.tmpdir(), `.keygraph-e2e-auth-${AUTH_PORT}`);
/** Where the stack writes the provider's issuer URL (random port). */
export const ISSUER_FILE = path.join(AUTH_DATA_DIR, 'e2e-oidc-issuer.txt');
/** Short absolute session lifetime, so the expiry test does not wait long. */
export const SESSION_TTL_SECONDS = 25;
export const ADMIN_EMAIL = 'admin@example.com';
export const VIEWER_EMAIL = 'viewer@example.com';
/** Admitted by nothing: not an admin, not in the allowed domain. */
export const OUTSIDER_EMAIL = 'mallory@evil.test';
