/** Whether the `openssl` command is available (tests that generate real certificates with it skip without it). */
import { execFileSync } from 'node:child_process';

export const haveOpenssl: boolean = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
