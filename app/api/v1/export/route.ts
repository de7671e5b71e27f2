/**
 * `GET /api/v1/export?what=nodes|edges|keys&format=csv|json|ndjson|graphml[&realm=][&namespace=][&kind=][&asOf=]`:
 * the export as a streamed download (lib/export): `Content-Disposition: attachment`, the format's media type, no
 * caching. Rows are read with a cursor as the client reads the body (backpressure); a client that goes away stops
 * the export. `asOf` is ISO 8601 or `run:N`.
 *
 * Errors (the JSON API's shape, lib/api/handlers.ts): 400 `{error: {code: 'invalid_request', message, issues:
 * [{path, message}]}}` for an invalid request (unknown what/format/kind, bad time); 500 `{error: {code: 'internal',
 * message}}` when the database fails before the first byte. A failure mid-stream aborts the download (the client sees a truncated, failed
 * transfer rather than a silently short file).
 */
import { db } from '@/lib/db';
import { exportContentType, exportFilename, exportWebStream, ExportRequestError, parseExportRequest } from '@/lib/export';
import { log } from '@/lib/log';
import { freeTextIssues } from '@/lib/api/schemas';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

const json = (status: number, error: Record<string, unknown>) =>
  Response.json({ error }, { status, headers: { 'Cache-Control': 'no-store' } });

export async function GET(request: Request): Promise<Response> {
  const sp = new URL(request.url).searchParams;
  const get = (n: string) => sp.get(n) ?? undefined;
  const text = freeTextIssues({ realm: get('realm'), namespace: get('namespace'), kind: get('kind') }, 320);
  if (text.length) {
    return json(400, { code: 'invalid_request', message: text.map((i) => `${i.path}: ${i.message}`).join('; '), issues: text });
  }
  const database = db();
  let req;
  try {
    req = await parseExportRequest(database, {
      what: get('what'), format: get('format'), realm: get('realm'), namespace: get('namespace'), kind: get('kind'), asOf: get('asOf'),
    });
  } catch (e) {
    if (e instanceof ExportRequestError) {
      const message = e.message.replace(/^--as-of/, 'asOf');
      return json(400, { code: 'invalid_request', message, issues: [{ path: e.param, message }] });
    }
    log.error({ err: (e as Error).message }, 'export request failed');
    return json(500, { code: 'internal', message: 'internal error' });
  }
  let body: ReadableStream<Uint8Array>;
  try {
    body = await exportWebStream(database, req, { signal: request.signal });
  } catch (e) {
    log.error({ err: (e as Error).message }, 'export failed');
    return json(500, { code: 'internal', message: 'internal error' });
  }
  return new Response(body, {
    headers: {
      'Content-Type': exportContentType(req.format),
      'Content-Disposition': `attachment; filename="${exportFilename(req)}"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  });
}
