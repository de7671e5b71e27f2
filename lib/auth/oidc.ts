/**
 * OpenID Connect sign-in (openid-client 6): authorization code flow with PKCE (S256), `state` and `nonce`, for
 * Google or any OpenID Provider (`KEYGRAPH_OIDC_ISSUER`). The provider's metadata is discovered once per process
 * (retried after a failure). http issuers are accepted only on a loopback host (local testing).
 *
 * The user's email comes from the ID token, or from the UserInfo endpoint when the provider only puts it there; it
 * must be verified (`email_verified: true`) unless `KEYGRAPH_OIDC_ALLOW_UNVERIFIED_EMAIL=1`. Tokens received from
 * the provider are used once to read the identity and then dropped: keygraph does not keep or log them.
 */
import * as client from 'openid-client';
import type { AuthConfig } from '../config';
import { isLoopbackHost } from './loopback';
import type { OidcTransaction } from './session';

type Oidc = NonNullable<AuthConfig['oidc']>;

/** Why a sign-in failed; `code` is shown on the login page, `message` goes to the log (no tokens in either). */
export class SignInError extends Error {
  constructor(
    readonly code: 'denied' | 'unverified' | 'failed' | 'expired' | 'provider',
    message: string,
  ) {
    super(message);
  }
}

const KEY = Symbol.for('keygraph.auth.oidc');
type Holder = { [KEY]?: { issuer: string; clientId: string; config: Promise<client.Configuration> } };

/** The provider configuration (discovery, cached). Errors: the provider is unreachable or its metadata is invalid. */
export function oidcConfiguration(oidc: Oidc): Promise<client.Configuration> {
  const holder = globalThis as Holder;
  const cached = holder[KEY];
  if (cached && cached.issuer === oidc.issuer && cached.clientId === oidc.clientId) return cached.config;
  const issuer = new URL(oidc.issuer);
  const insecure = issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname);
  const config = client
    .discovery(issuer, oidc.clientId, oidc.clientSecret.reveal(), client.ClientSecretPost(oidc.clientSecret.reveal()), {
      timeout: 10,
      ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
    })
    .catch((e: Error) => {
      delete holder[KEY];
      throw new SignInError('provider', `OpenID Provider discovery failed: ${e.message}`);
    });
  holder[KEY] = { issuer: oidc.issuer, clientId: oidc.clientId, config };
  return config;
}

/** Starts a sign-in: the provider URL to redirect to and the transaction to keep in the (encrypted) cookie. */
export async function beginSignIn(oidc: Oidc, returnTo: string): Promise<{ url: URL; tx: OidcTransaction }> {
  const config = await oidcConfiguration(oidc);
  const verifier = client.randomPKCECodeVerifier();
  const tx: OidcTransaction = { state: client.randomState(), nonce: client.randomNonce(), verifier, returnTo };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: oidc.redirectUri,
    scope: oidc.scopes,
    response_type: 'code',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: tx.state,
    nonce: tx.nonce,
  });
  return { url, tx };
}

/**
 * Completes a sign-in at the callback: exchanges the code (checking state, PKCE and the ID token's nonce, issuer,
 * audience, signature and times) and returns the verified identity.
 * @param callbackUrl the callback URL as the browser requested it, on the public origin.
 */
export async function completeSignIn(oidc: Oidc, callbackUrl: URL, tx: OidcTransaction): Promise<{ subject: string; email: string }> {
  const config = await oidcConfiguration(oidc);
  let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
  try {
    tokens = await client.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: tx.verifier,
      expectedState: tx.state,
      expectedNonce: tx.nonce,
      idTokenExpected: true,
    });
  } catch (e) {
    const err = e as Error & { error?: string };
    if (err.error === 'access_denied') throw new SignInError('denied', 'the provider reported access_denied');
    throw new SignInError('failed', `authorization code exchange failed: ${err.message}`);
  }
  const claims = tokens.claims();
  if (!claims?.sub) throw new SignInError('failed', 'the ID token has no subject');
  let email = typeof claims.email === 'string' ? claims.email : undefined;
  let verified = claims.email_verified;
  if (!email) {
    try {
      const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      email = typeof info.email === 'string' ? info.email : undefined;
      verified = info.email_verified;
    } catch (e) {
      throw new SignInError('failed', `UserInfo request failed: ${(e as Error).message}`);
    }
  }
  if (!email) throw new SignInError('failed', 'the provider returned no email (is the "email" scope granted?)');
  if (verified !== true && !oidc.allowUnverifiedEmail) throw new SignInError('unverified', 'the provider did not verify the email address');
  return { subject: claims.sub, email: email.trim().toLowerCase() };
}
