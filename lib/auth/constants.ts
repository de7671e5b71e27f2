/** Header names shared by the HTTP server (lib/server.ts), the proxy gate and pages; no Next.js imports here. */

/** Set by lib/server.ts from the socket (or, with KEYGRAPH_TRUST_PROXY, the last X-Forwarded-For hop). */
export const CLIENT_IP_HEADER = 'x-keygraph-client-ip';
/** The per-request CSP nonce, set on the request by the proxy for the layout. */
export const NONCE_HEADER = 'x-nonce';
/** Request header the proxy sets to the request's query string (`?id=…`), for pages that cannot receive
 * searchParams (a segment's not-found.tsx). Whatever a client sends under this name is replaced. */
export const SEARCH_HEADER = 'x-keygraph-search';
