/**
 * A local fake of the Secret Manager REST API v1 for tests: `secrets.list`, `versions.list` (paginated with opaque
 * page tokens, names carrying the project NUMBER as the real API does) and `getIamPolicy`, bearer token checked,
 * transient 503s (`flaky`), and per-resource failures (`fail`: path prefix → HTTP status with a Google error body). `versions.access` answers
 * 500 and is counted, so a test can prove it is never called.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSecret { secret: Record<string, unknown>; versions: Record<string, unknown>[]; policy?: Record<string, unknown> }

export class FakeSecretManagerServer {
  requests: string[] = [];
  accessCalls = 0;
  fail = new Map<string, number>();
  /** Path prefix → how many more requests answer 503 (then the prefix answers normally). */
  flaky = new Map<string, number>();
  private constructor(private server: http.Server, readonly url: string, private projects: Record<string, { number: string; secrets: FakeSecret[] }>, private token: string) {}

  static async start(projects: Record<string, { number: string; secrets: FakeSecret[] }>, token: string): Promise<FakeSecretManagerServer> {
    let self!: FakeSecretManagerServer;
    const server = http.createServer((req, res) => self.handle(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    self = new FakeSecretManagerServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, projects, token);
    return self;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  private send(res: http.ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private page<T>(list: T[], u: URL): { items: T[]; next?: string } {
    const size = Math.min(Number(u.searchParams.get('pageSize') ?? 25) || 25, 250);
    const start = Number(Buffer.from(u.searchParams.get('pageToken') ?? '', 'base64url').toString() || 0);
    const items = list.slice(start, start + size);
    return { items, next: start + size < list.length ? Buffer.from(String(start + size)).toString('base64url') : undefined };
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const u = new URL(req.url ?? '/', this.url);
    this.requests.push(`${req.method} ${u.pathname}`);
    if (req.headers.authorization !== `Bearer ${this.token}`) return this.send(res, 401, { error: { code: 401, status: 'UNAUTHENTICATED', message: 'bad token' } });
    for (const [prefix, left] of this.flaky) {
      if (u.pathname.startsWith(prefix) && left > 0) {
        this.flaky.set(prefix, left - 1);
        return this.send(res, 503, { error: { code: 503, status: 'UNAVAILABLE', message: 'try again' } });
      }
    }
    for (const [prefix, status] of this.fail) {
      if (u.pathname.startsWith(prefix)) return this.send(res, status, { error: { code: status, status: status === 403 ? 'PERMISSION_DENIED' : 'NOT_FOUND', message: `Permission denied on ${prefix}` } });
    }
    let m = /^\/v1\/projects\/([^/]+)\/secrets$/.exec(u.pathname);
    const proj = (id: string) => this.projects[id];
    if (m) {
      const p = proj(m[1]!);
      if (!p) return this.send(res, 404, { error: { code: 404, status: 'NOT_FOUND', message: 'project not found' } });
      const { items, next } = this.page(p.secrets.map((s) => s.secret), u);
      return this.send(res, 200, { secrets: items, ...(next && { nextPageToken: next }), totalSize: p.secrets.length });
    }
    m = /^\/v1\/projects\/([^/]+)\/secrets\/([^/:]+)(\/versions|:getIamPolicy|\/versions\/[^/:]+:access)$/.exec(u.pathname);
    const s = m && proj(m[1]!)?.secrets.find((x) => String(x.secret.name).endsWith(`/secrets/${m![2]}`));
    if (m && m[3]!.endsWith(':access')) {
      this.accessCalls++;
      return this.send(res, 500, { error: { code: 500, message: 'access must never be called' } });
    }
    if (!s) return this.send(res, 404, { error: { code: 404, status: 'NOT_FOUND', message: 'secret not found' } });
    if (m![3] === '/versions') {
      const { items, next } = this.page(s.versions, u);
      return this.send(res, 200, { versions: items, ...(next && { nextPageToken: next }), totalSize: s.versions.length });
    }
    return this.send(res, 200, s.policy ?? { etag: 'ACAB' });
  }
}
