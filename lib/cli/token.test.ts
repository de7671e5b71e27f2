/**
 * `keygraph token create|list|revoke` through the CLI entry against a real PostgreSQL: the token is printed once
 * on stdout (nothing else there), listed without its secret part, verifies, and stops verifying when revoked.
 */
import { describe, expect, it } from 'vitest';
import { runCli as cli, useCliDatabase } from '../../test/cli';
import { verifyApiToken } from '../auth/tokens';

const env = useCliDatabase('keygraph-token-cli-');

describe('keygraph token', () => {
  it('creates a token, prints it once, lists it without the secret, and revokes it', async () => {
    const created = await cli('token', 'create', '--name', 'rotation-ci', '--role', 'viewer', '--expires', '30d');
    expect(created.code).toBe(0);
    const token = created.out.trim();
    expect(token).toMatch(/^kg_[A-Za-z0-9_-]{43}$/);
    expect(created.err).toMatch(/created API token #\d+ "rotation-ci" \(viewer, expires in 30d/);
    expect(created.err).toMatch(/only time it is shown/);
    expect(created.err).not.toContain(token);
    expect(await verifyApiToken(env.db, token)).toMatchObject({ name: 'rotation-ci', role: 'viewer' });

    const list = await cli('token', 'list');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/rotation-ci\s+viewer\s+kg_\S{4}…\s+active/);
    expect(list.out).not.toContain(token.slice(7));
    const json = JSON.parse((await cli('token', 'list', '--json')).out);
    expect(json[0]).toMatchObject({ name: 'rotation-ci', role: 'viewer', status: 'active', createdBy: 'cli' });
    expect(JSON.stringify(json)).not.toContain(token.slice(7));

    const id = String(json[0].id);
    const revoked = await cli('token', 'revoke', id);
    expect(revoked).toMatchObject({ code: 0 });
    expect(revoked.out).toMatch(/revoked API token #\d+ "rotation-ci"/);
    expect(await verifyApiToken(env.db, token)).toBeNull();
    expect((await cli('token', 'list')).out).toMatch(/rotation-ci\s+viewer\s+kg_\S{4}…\s+revoked/);
  });

  it('rejects bad arguments with exit 1 and a clear message', async () => {
    expect(await cli('token', 'create', '--name', 'x', '--role', 'root')).toMatchObject({ code: 1, err: expect.stringMatching(/--role must be viewer or admin/) });
    expect(await cli('token', 'create', '--name', 'x', '--role', 'admin', '--expires', 'soon')).toMatchObject({ code: 1, err: expect.stringMatching(/--expires must look like 90d/) });
    expect(await cli('token', 'revoke', 'abc')).toMatchObject({ code: 1, err: expect.stringMatching(/must be a number/) });
    expect(await cli('token', 'revoke', '424242')).toMatchObject({ code: 1, err: expect.stringMatching(/no API token #424242/) });
    const never = await cli('token', 'create', '--name', 'forever', '--role', 'admin', '--expires', 'never', '--json');
    expect(JSON.parse(never.out)).toMatchObject({ token: expect.stringMatching(/^kg_/), expiresAt: null, role: 'admin' });
  });
});
