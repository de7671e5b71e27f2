/**
 * `keygraph token create --name N --role viewer|admin [--expires 90d|never] [--json]`: creates an API token and
 * prints it once (to stdout; everything else to stderr, so `TOKEN=$(keygraph token create …)` captures only it).
 * `keygraph token list [--json]`: every token (never the token itself). `keygraph token revoke ID`.
 * These talk to the database directly: whoever can run them with the database's credentials is an admin already.
 */
import { parseDuration, formatDuration } from '../auth/duration';
import { isRole } from '../auth/roles';
import { createApiToken, listApiTokens, revokeApiToken, validateTokenName, type ApiTokenInfo } from '../auth/tokens';
import { openRuntime } from '../runtime';
import { EXIT, UsageError } from './exit';

export async function tokenCreateCommand(opts: { name: string; role: string; expires: string; json?: boolean }): Promise<number> {
  if (!isRole(opts.role)) throw new UsageError('--role must be viewer or admin');
  try {
    validateTokenName(opts.name);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  let expiresInMs: number | null = null;
  if (opts.expires !== 'never') {
    try {
      expiresInMs = parseDuration(opts.expires, '--expires');
    } catch (e) {
      throw new UsageError(`${(e as Error).message}, or never`);
    }
  }
  const rt = await openRuntime();
  try {
    const { token, info } = await createApiToken(rt.database, { name: opts.name, role: opts.role, expiresInMs, createdBy: 'cli' });
    if (opts.json) {
      process.stdout.write(JSON.stringify({ token, ...serialise(info) }, null, 2) + '\n');
    } else {
      process.stdout.write(token + '\n');
      process.stderr.write(
        `created API token #${info.id} "${info.name}" (${info.role}, ${expiresInMs === null ? 'does not expire' : `expires in ${formatDuration(expiresInMs)}, ${info.expiresAt!.toISOString()}`}).\n` +
          'This is the only time it is shown; keygraph keeps only its hash. Use it as: Authorization: Bearer <token>\n',
      );
    }
    return EXIT.ok;
  } finally {
    await rt.close();
  }
}

export async function tokenListCommand(opts: { json?: boolean }): Promise<number> {
  const rt = await openRuntime();
  try {
    const tokens = await listApiTokens(rt.database);
    if (opts.json) {
      process.stdout.write(JSON.stringify(tokens.map(serialise), null, 2) + '\n');
      return EXIT.ok;
    }
    if (!tokens.length) {
      process.stdout.write('no API tokens (create one with: keygraph token create --name NAME --role viewer)\n');
      return EXIT.ok;
    }
    const d = (x: Date | null) => (x ? x.toISOString().slice(0, 16).replace('T', ' ') : '-');
    const rows = [
      ['ID', 'NAME', 'ROLE', 'TOKEN', 'STATUS', 'CREATED', 'EXPIRES', 'LAST USED', 'BY'],
      ...tokens.map((t) => [String(t.id), t.name, t.role, `${t.prefix}…`, t.status, d(t.createdAt), t.expiresAt ? d(t.expiresAt) : 'never', d(t.lastUsedAt), t.createdBy]),
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    process.stdout.write(rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n');
    return EXIT.ok;
  } finally {
    await rt.close();
  }
}

export async function tokenRevokeCommand(id: string): Promise<number> {
  if (!/^\d{1,9}$/.test(id)) throw new UsageError('token id must be a number (see keygraph token list)');
  const rt = await openRuntime();
  try {
    const t = await revokeApiToken(rt.database, Number(id), 'cli');
    if (!t) throw new UsageError(`no API token #${id}`);
    process.stdout.write(`revoked API token #${t.id} "${t.name}"\n`);
    return EXIT.ok;
  } finally {
    await rt.close();
  }
}

function serialise(t: ApiTokenInfo) {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return { ...t, createdAt: iso(t.createdAt), expiresAt: iso(t.expiresAt), lastUsedAt: iso(t.lastUsedAt), revokedAt: iso(t.revokedAt) };
}
