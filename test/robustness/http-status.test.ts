/**
 * Issue 11, items 8–10, through the real web app (`keygraph serve`, lib/server.ts; skipped with a printed reason when
 * there is no production build): the HTTP status a browser or script sees.
 * - an unknown or malformed node id or an unknown run answers a real 404 (no root loading boundary streams a 200 first), a known one 200;
 * - a control character in the search page's filters shows the page's inline error (never a 500), and the API a 400;
 * - `/api/v1/nodes/{id}` through the Next.js router agrees with `?id=` for a node named `%2e%2e`;
 * - a name with a bidi override is shown escaped and marked on the node and search pages; links keep the stored id.
 * The database-down case (503) is in test/robustness/health.test.ts, which can stop its PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../db';
import { createFingerprinter } from '../../lib/secrets/fingerprint';
import { collectFilesInto } from '../../lib/cli/collect';
import { k8sId } from '../../lib/graph/ids';
import { nodeHref } from '../../lib/ui/format';
import { DOTS, get, hostileNameManifests, killChildren, NO_BUILD, SPOOF, startWebApp, webBuildReady, type WebApp } from './support';

const CLUSTER = 'st';
const DOTS_ID = k8sId(CLUSTER, 'app', 'Secret', DOTS);
const SPOOF_ID = k8sId(CLUSTER, 'app', 'Secret', SPOOF);
const MANIFESTS = hostileNameManifests();

describe('HTTP status of the web app', () => {
  let t: TestDatabase;
  let tmp: string;
  let web: WebApp | undefined;
  let runId = 0;
  beforeAll(async () => {
    if (!(await webBuildReady())) return;
    t = await createTestDatabase();
    tmp = mkdtempSync(path.join(tmpdir(), 'keygraph-http-status-'));
    writeFileSync(path.join(tmp, 'm.yaml'), MANIFESTS);
    const [r] = await collectFilesInto({ database: t, fingerprint: createFingerprinter(Buffer.alloc(32, 9)) }, [tmp], { cluster: CLUSTER, namespace: 'default', quiet: true });
    runId = r!.summary.runId;
    web = await startWebApp(t.url, { KEYGRAPH_DATA_DIR: path.join(tmp, 'data') });
  }, 300_000);
  afterAll(async () => {
    await web?.stop();
    killChildren();
    await t?.drop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });
  const skipWithoutBuild = (ctx: { skip: () => void }) => {
    if (web) return false;
    console.warn(NO_BUILD);
    ctx.skip();
    return true;
  };

  it('unknown nodes and runs answer 404; known ones 200', async (ctx) => {
    if (skipWithoutBuild(ctx)) return;
    const known = await get(`${web!.url}${nodeHref(SPOOF_ID)}`);
    expect(known.status).toBe(200);
    const unknown = await get(`${web!.url}${nodeHref(k8sId(CLUSTER, 'app', 'Secret', 'no-such-secret'))}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatch(/No such node/);
    // Not an id at all: 404 too, and the page says what ids look like.
    const malformed = await get(`${web!.url}/node?id=not-an-id`);
    expect(malformed.status).toBe(404);
    expect((await get(`${web!.url}/runs/${runId}`)).status).toBe(200);
    for (const p of [`/runs/${runId + 1000}`, '/runs/abc', '/runs/0']) {
      const r = await get(`${web!.url}${p}`);
      expect(r.status, p).toBe(404);
    }
    expect((await get(`${web!.url}/no-such-page`)).status).toBe(404);
  }, 120_000);

  it('a NUL or other control character in a search filter: the page says so inline (no 500), the API 400', async (ctx) => {
    if (skipWithoutBuild(ctx)) return;
    for (const param of ['q', 'kind', 'realm', 'namespace']) {
      for (const c of ['%00', '%01', '%7F']) {
        const page = await get(`${web!.url}/search?${param}=a${c}b`);
        expect(page.status, `${param} ${c}`).toBe(200);
        expect(page.body, `${param} ${c}`).toContain('data-testid="search-invalid"');
        expect(page.body).toMatch(/must not contain control characters/);
        const api = await get(`${web!.url}/api/v1/search?${param}=a${c}b`);
        expect(api.status, `api ${param} ${c}`).toBe(400);
        expect(JSON.parse(api.body).error.code).toBe('invalid_request');
      }
    }
    for (const p of [
      '/findings?realm=a%00', '/findings?namespace=%00', '/diff?cluster=a%00', '/diff?kind=a%00', '/diff?from=a%00',
      '/exports?namespace=a%00', '/explorer?id=k8s%3Ast%2Fapp%2FSecret%2Fx%00', '/node?id=k8s%3Ast%2Fapp%2FSecret%2Fx%00',
      '/api/v1/findings?kind=%00', '/api/v1/export?what=nodes&format=csv&namespace=%00',
    ]) {
      const r = await get(`${web!.url}${p}`);
      expect(r.status, p).toBeLessThan(500);
    }
  }, 120_000);

  it('/api/v1/nodes/{id} through the router decodes once: the path and ?id= forms agree', async (ctx) => {
    if (skipWithoutBuild(ctx)) return;
    for (const id of [DOTS_ID, SPOOF_ID]) {
      const byQuery = await get(`${web!.url}/api/v1/nodes?id=${encodeURIComponent(id)}`);
      const byPath = await get(`${web!.url}/api/v1/nodes/${encodeURIComponent(id)}`);
      expect(byQuery.status, id).toBe(200);
      expect(byPath.status, id).toBe(200);
      expect(JSON.parse(byPath.body)).toEqual(JSON.parse(byQuery.body));
      expect(JSON.parse(byPath.body).node.id).toBe(id);
    }
    // The node page reads ?id= once too, and the link the search page builds leads to it.
    const page = await get(`${web!.url}${nodeHref(DOTS_ID)}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('data-testid="node-name"');
    const search = await get(`${web!.url}/search?q=${encodeURIComponent('%2e')}`);
    expect(search.body).toContain(`href="${nodeHref(DOTS_ID).replace(/&/g, '&amp;')}"`);
  }, 120_000);

  it('a name with a bidi override is shown escaped and marked; links keep the stored id', async (ctx) => {
    if (skipWithoutBuild(ctx)) return;
    const page = await get(`${web!.url}${nodeHref(SPOOF_ID)}`);
    const heading = /data-testid="node-name"[^>]*>([\s\S]*?)<\/h1>/.exec(page.body)?.[1] ?? '';
    expect(heading).toContain('evil⟦U+202E⟧gnp.exe');
    expect(heading).toContain('data-hidden-characters="true"');
    expect(heading).not.toContain('\u202e');
    const title = /<title>([^<]*)<\/title>/.exec(page.body)?.[1] ?? '';
    expect(title).not.toContain('\u202e');
    // The Deployment's page lists it by its escaped name, linking to the stored id.
    const user = await get(`${web!.url}${nodeHref(k8sId(CLUSTER, 'app', 'Deployment', 'api'))}`);
    expect(user.status).toBe(200);
    expect(user.body).toContain('evil⟦U+202E⟧gnp.exe');
    expect(user.body).toContain(`href="${nodeHref(SPOOF_ID)}"`);
    const search = await get(`${web!.url}/search?q=gnp`);
    expect(search.body).toContain('evil⟦U+202E⟧gnp.exe');
    // Outside attributes (href, data-*, copy buttons), no raw override reaches the page text.
    const text = search.body.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]*>/g, '');
    expect(text).not.toContain('\u202e');
  }, 120_000);
});
