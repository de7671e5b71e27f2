/**
 * What the fake HTTP servers of the collector tests share (collectors/kubernetes/testing/fake-apiserver.ts,
 * collectors/gcp-iam/testing/fake-iam.ts): a loopback server whose `close()` also ends hanging connections, fault
 * rules matched per method, path and page that fire a limited number of times, and the faults that do not depend on
 * the API's error format (reset, hang, garbage, truncate, Retry-After).
 *
 * Test helper only: not used by the product.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A running loopback server. */
export interface LoopbackServer {
  /** Base URL, `http://127.0.0.1:PORT`. */
  url: string;
  /** Stops the server, destroying open (including hanging) connections. */
  close(): Promise<void>;
}

/** Starts `handler` on 127.0.0.1 and a random port. */
export async function startLoopbackServer(handler: http.RequestListener): Promise<LoopbackServer> {
  const server = http.createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Which requests a fault rule applies to, and how often it fires. */
export interface FaultMatch {
  /** HTTP method; any when absent. */
  method?: string;
  /** Exact pathname or a RegExp tested against it. */
  path: string | RegExp;
  /** 1-based page of a paginated list; any page when absent. */
  page?: number;
  /** How many times the rule fires; every matching request when absent. */
  times?: number;
}

/** Fault rules, checked in order: the first that matches and has not run out fires. */
export class FaultRules<R extends FaultMatch> {
  private rules: Array<{ rule: R; fired: number }> = [];

  /** Adds a rule after the others. */
  add(rule: R): void {
    this.rules.push({ rule, fired: 0 });
  }

  /** Removes every rule. */
  clear(): void {
    this.rules = [];
  }

  /** The rule that fires for this request (counted as fired), or undefined. */
  take(req: { method: string; path: string; page: number }): R | undefined {
    const hit = this.rules.find(
      ({ rule: r, fired }) =>
        (r.times === undefined || fired < r.times) &&
        (r.method === undefined || r.method === req.method) &&
        (typeof r.path === 'string' ? r.path === req.path : r.path.test(req.path)) &&
        (r.page === undefined || r.page === req.page),
    );
    if (!hit) return undefined;
    hit.fired++;
    return hit.rule;
  }
}

/** Where a fake records what it did with a request: the HTTP status, or `reset` / `hang`. */
export interface RequestOutcome {
  outcome: number | 'reset' | 'hang';
}

/** The body of a `garbage` fault without its own: a proxy's error page. */
const GARBAGE_BODY = '<html><body>502 Bad Gateway</body></html>';

/**
 * Carries out the faults that do not depend on the API: `reset` (destroys the socket without answering), `hang`
 * (never answers) and `garbage` (200 with an HTML page: `body`, or a proxy's 502 page). Returns whether it did;
 * other faults (and none) are the caller's to answer.
 */
export function applyTransportFault(
  fault: { type: string; body?: string } | undefined,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  rec: RequestOutcome,
): boolean {
  switch (fault?.type) {
    case 'reset':
      rec.outcome = 'reset';
      req.socket.destroy();
      return true;
    case 'hang':
      rec.outcome = 'hang';
      return true;
    case 'garbage':
      rec.outcome = 200;
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(fault.body ?? GARBAGE_BODY);
      return true;
    default:
      return false;
  }
}

/** Answers 200 with the first half of `text` (a `truncate` fault: the body ends cleanly but is not valid JSON). */
export function sendTruncated(res: http.ServerResponse, rec: RequestOutcome, contentType: string, text: string): void {
  rec.outcome = 200;
  res.writeHead(200, { 'Content-Type': contentType });
  res.end(text.slice(0, Math.floor(text.length / 2)));
}

/** The `Retry-After` header of a status fault, when it sets one. */
export function retryAfterHeader(seconds: number | undefined): Record<string, string> {
  return seconds === undefined ? {} : { 'Retry-After': String(seconds) };
}
