/**
 * `/settings/tokens` (admins only: the proxy answers 403 to viewers, and this page checks again): API tokens for
 * the CLI, scripts and the JSON API. Create one (shown once), see when each was last used, revoke.
 */
import type { Metadata } from 'next';
import { db } from '@/lib/db';
import { requireRole } from '@/lib/auth/server';
import { listApiTokens } from '@/lib/auth/tokens';
import { PageTitle } from '../../_components/PageTitle';
import ForbiddenPage from '../../auth/forbidden/page';
import { TokenManager, type TokenRow } from './TokenManager';

export const metadata: Metadata = { title: 'API tokens' };
export const dynamic = 'force-dynamic';

export default async function TokensPage() {
  let principal;
  try {
    principal = await requireRole('admin');
  } catch {
    return <ForbiddenPage />;
  }
  const tokens: TokenRow[] = (await listApiTokens(db())).map((t) => ({
    id: t.id,
    name: t.name,
    role: t.role,
    prefix: t.prefix,
    createdBy: t.createdBy,
    createdAt: t.createdAt.toISOString(),
    expiresAt: t.expiresAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    status: t.status,
  }));
  return (
    <>
      <PageTitle
        title="API tokens"
        description={
          <>
            For the CLI, scripts and the JSON API: send <code>Authorization: Bearer kg_…</code>. A viewer token can browse,
            check impact and export; an admin token can also trigger collections and manage tokens. keygraph stores only a
            hash of each token.
          </>
        }
      />
      <TokenManager tokens={tokens} csrf={principal.kind === 'session' ? principal.csrf : ''} />
    </>
  );
}
