/**
 * The e2e servers' ports, chosen once per run: KEYGRAPH_E2E_PORT (the demo) and KEYGRAPH_E2E_AUTH_PORT (the server
 * with sign-in) when set, else two ports free on 127.0.0.1 right now, written back to the environment so Playwright's
 * workers (which inherit it and load the config again) agree. Two test runs on one machine therefore use different
 * ports and, through them, different data folders. Imported first by playwright.config.ts and e2e/auth-env.ts.
 */
import { execFileSync } from 'node:child_process';

/** Ports the operating system hands out for port 0 on 127.0.0.1 (held together, so they are distinct). */
function freePorts(n: number): number[] {
  const script = `const net = require('node:net');
const servers = Array.from({ length: ${n} }, () => net.createServer());
Promise.all(servers.map((s) => new Promise((r) => s.listen(0, '127.0.0.1', r)))).then(() => {
  process.stdout.write(servers.map((s) => s.address().port).join(' '));
  servers.forEach((s) => s.close());
});`;
  return execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim().split(' ').map(Number);
}

if (!process.env.KEYGRAPH_E2E_PORT || !process.env.KEYGRAPH_E2E_AUTH_PORT) {
  const [a, b] = freePorts(2);
  process.env.KEYGRAPH_E2E_PORT ||= String(a);
  process.env.KEYGRAPH_E2E_AUTH_PORT ||= String(b);
}

export const E2E_PORT = Number(process.env.KEYGRAPH_E2E_PORT);
export const E2E_AUTH_PORT = Number(process.env.KEYGRAPH_E2E_AUTH_PORT);
