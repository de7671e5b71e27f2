/**
 * Alerts (lib/alerts) on a real database with the shipped demo (day 1 = run 1, day 2 = run 2) and a local HTTP
 * receiver: day 2's new findings at or above `high` (the renamed Secret, its dangling reference) and the resolved
 * ones reach the webhook in both formats; retries after 500s and after a 429 with Retry-After deliver once; two
 * concurrent senders (two pools: two processes) deliver once; a run that changes nothing sends nothing; the sweep
 * catches up runs without a delivery and takes over expired claims; the webhook URL's path and query never reach
 * the log or the delivery row; no Secret value or evidence is in a body.
 */
import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { closeDatabase, openDatabase } from '../db';
import { log } from '../log';
import { Redacted } from '../auth/redacted';
import { loadConfig, type AlertWebhookConfig } from '../config';
import { collectFilesInto } from '../cli/collect';
import { DEMO_DAYS } from '../cli/serve';
import { DEMO_COLLECT_OPTIONS } from '../demo/build';
import { createFingerprinter } from '../secrets/fingerprint';
import { atLeast } from '../analysis/severity';
import { deliverRunAlerts, postWithRetry, redactUrl, retryAfterMs, runFindingChanges, startAlertSweeper, sweepAlerts, type JsonAlert, type SlackAlert } from '.';

/** The secret part of the test webhook URL: must never be logged or stored. */
const SECRET_PATH = '/services/T0DEMO/B0DEMO/xoxSECRETpath0123456789';
const SECRET_QUERY = 'sig=QUERYsecret987';

interface Received {
  body: unknown;
  at: number;
}

/** A webhook receiver on a random loopback port; `respond` decides each answer (default 200). */
async function receiver() {
  const received: Received[] = [];
  let respond: (n: number) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 });
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      received.push({ body: JSON.parse(data), at: Date.now() });
      const r = respond(received.length);
      res.writeHead(r.status, r.headers ?? {});
      res.end(r.status === 200 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}${SECRET_PATH}?${SECRET_QUERY}`,
    received,
    setResponder: (f: typeof respond) => (respond = f),
    reset: () => {
      received.length = 0;
      respond = () => ({ status: 200 });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Every Secret value in the demo's cluster manifests (raw and decoded), at least 12 characters long (shorter ones, such as a database name, are ordinary words of the inventory). */
function demoValues(): string[] {
  const out = new Set<string>();
  for (const dir of DEMO_DAYS) {
    for (const f of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n))) {
      for (const doc of parseAllDocuments(readFileSync(path.join(dir, f), 'utf8'))) {
        const d = doc.toJSON() as { kind?: string; data?: Record<string, unknown>; stringData?: Record<string, unknown> } | null;
        if (d?.kind !== 'Secret') continue;
        for (const v of [...Object.values(d.data ?? {}), ...Object.values(d.stringData ?? {})]) {
          if (typeof v !== 'string') continue;
          out.add(v);
          if (d.data && Object.values(d.data).includes(v)) out.add(Buffer.from(v, 'base64').toString('utf8'));
        }
      }
    }
  }
  return [...out].filter((v) => v.trim().length >= 12);
}

/** Every key anywhere in a JSON value. */
function keysOf(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) v.forEach((x) => keysOf(x, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (out.add(k), keysOf(x, out));
  return out;
}

describe('alerts', () => {
  let t: TestDatabase;
  let rx: Awaited<ReturnType<typeof receiver>>;
  const logged: string[] = [];
  const fast = { baseDelayMs: 20, maxDelayMs: 100, timeoutMs: 2000 };
  const hook = (name: string, format: 'slack' | 'json', minSeverity: AlertWebhookConfig['minSeverity'] = 'high'): AlertWebhookConfig => ({
    name,
    url: new Redacted(rx.url),
    format,
    minSeverity,
  });
  const deliveries = async (runId: number, webhook: string) =>
    (await t.pool.query('SELECT status, attempts, last_error, new_count, resolved_count, sent_at FROM alert_deliveries WHERE run_id = $1 AND webhook = $2', [runId, webhook])).rows;

  beforeAll(async () => {
    t = await createTestDatabase();
    rx = await receiver();
    const rt = { database: t, fingerprint: createFingerprinter(Buffer.alloc(32, 7)) };
    for (const d of DEMO_DAYS) await collectFilesInto(rt, [d], { ...DEMO_COLLECT_OPTIONS, quiet: true });
    // Everything the alerts log, as the logger receives it (not printed).
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const) {
      vi.spyOn(log, level).mockImplementation(((...args: unknown[]) => void logged.push(JSON.stringify(args))) as never);
    }
  }, 120_000);
  afterEach(() => rx.reset());
  afterAll(async () => {
    vi.restoreAllMocks();
    await rx?.close();
    await t?.drop();
  });

  it('finds what day 2 made new and what it resolved', async () => {
    const runs = await t.prisma.run.findMany({ orderBy: { id: 'asc' }, select: { id: true, committedAt: true } });
    expect(runs.map((r) => r.id)).toEqual([1, 2]);
    const changes = await runFindingChanges(t, runs[1]!.committedAt!);
    const rules = new Set(changes.new.filter((f) => atLeast(f.severity, 'high')).map((f) => f.rule));
    expect(rules).toContain('renamed-secret');
    expect(rules).toContain('dangling-reference');
    // Something day 1 had is gone on day 2; nothing is both new and resolved.
    expect(changes.resolved.length).toBeGreaterThan(0);
    const resolvedIds = new Set(changes.resolved.map((f) => f.id));
    expect(changes.new.some((f) => resolvedIds.has(f.id))).toBe(false);
  });

  it('sends day 2 as JSON: the new findings at or above high, the resolved ones, ids and fixes only', async () => {
    const out = await deliverRunAlerts(t, 2, [hook('json', 'json')], fast);
    expect(out).toMatchObject([{ webhook: 'json', status: 'sent', attempts: 1 }]);
    expect(rx.received).toHaveLength(1);
    const body = rx.received[0]!.body as JsonAlert;
    expect(body.run).toMatchObject({ id: 2, source: 'files', scope: 'demo' });
    expect(body.minSeverity).toBe('high');
    expect(body.new.length).toBeGreaterThan(0);
    expect(body.new.every((f) => atLeast(f.severity, 'high'))).toBe(true);
    expect(body.resolved.every((f) => atLeast(f.severity, 'high'))).toBe(true);
    const renamed = body.new.find((f) => f.rule === 'renamed-secret');
    expect(renamed).toBeDefined();
    expect(renamed!.objects).toContain('k8s:demo/ota/Secret/targets-backup-key');
    expect(renamed!.fix.length).toBeGreaterThan(0);
    expect(body.new.some((f) => f.rule === 'dangling-reference')).toBe(true);
    expect(body.counts).toEqual({ new: body.new.length, resolved: body.resolved.length });
    // The same as computed directly, at the webhook's severity.
    const changes = await runFindingChanges(t, (await t.prisma.run.findUniqueOrThrow({ where: { id: 2 } })).committedAt!);
    expect(body.new.map((f) => f.id).sort()).toEqual(changes.new.filter((f) => atLeast(f.severity, 'high')).map((f) => f.id).sort());
    expect(body.resolved.map((f) => f.id).sort()).toEqual(changes.resolved.filter((f) => atLeast(f.severity, 'high')).map((f) => f.id).sort());
    // Only the alert fields: no evidence, no value-like field.
    for (const f of [...body.new, ...body.resolved]) {
      expect(Object.keys(f).sort()).toEqual(['fix', 'id', 'namespace', 'objects', 'provider', 'realm', 'rule', 'severity', 'title']);
    }
    const rows = await deliveries(2, 'json');
    expect(rows).toMatchObject([{ status: 'sent', attempts: 1, new_count: body.counts.new, resolved_count: body.counts.resolved }]);
    expect(rows[0]!.sent_at).toBeInstanceOf(Date);
    // A second delivery of the same run to the same webhook sends nothing.
    expect(await deliverRunAlerts(t, 2, [hook('json', 'json')], fast)).toEqual([{ webhook: 'json', status: 'skipped', reason: 'claimed' }]);
    expect(rx.received).toHaveLength(1);
  });

  it('sends day 2 in the Slack incoming-webhook format', async () => {
    const out = await deliverRunAlerts(t, 2, [hook('slack', 'slack')], { ...fast, publicOrigin: 'https://keygraph.example.com' });
    expect(out).toMatchObject([{ status: 'sent' }]);
    const body = rx.received[0]!.body as SlackAlert;
    expect(body.text).toMatch(/^keygraph: \d+ new findings?, \d+ resolved \(high or worse\) after run 2 of files\/demo$/);
    expect(body.blocks.length).toBeLessThanOrEqual(50);
    expect(body.blocks[0]).toMatchObject({ type: 'header' });
    const text = JSON.stringify(body.blocks);
    expect(text).toContain('renamed-secret');
    expect(text).toContain('dangling-reference');
    expect(text).toContain('*Resolved (');
    expect(text).toContain('https://keygraph.example.com/runs/2');
    expect(text).toContain(`https://keygraph.example.com/node?id=${encodeURIComponent('k8s:demo/ota/Secret/targets-backup-key')}`);
    for (const b of body.blocks) {
      const s = (b as { text?: { text?: string } }).text?.text;
      if (s) expect(s.length).toBeLessThanOrEqual(3000);
    }
  });

  it('puts no Secret value and no evidence in either format', async () => {
    await deliverRunAlerts(t, 2, [hook('values-json', 'json', 'info'), hook('values-slack', 'slack', 'info')], fast);
    await deliverRunAlerts(t, 1, [hook('values-json', 'json', 'info'), hook('values-slack', 'slack', 'info')], fast);
    expect(rx.received).toHaveLength(4);
    const values = demoValues();
    expect(values.length).toBeGreaterThan(3);
    for (const r of rx.received) {
      const s = JSON.stringify(r.body);
      for (const v of values) expect(s).not.toContain(v);
      expect(s).not.toContain('PRIVATE KEY');
      const keys = keysOf(r.body);
      for (const k of ['evidence', 'data', 'stringData', 'value', 'values', 'properties']) expect(keys.has(k)).toBe(false);
    }
  });

  it('retries after 500 twice and delivers once', async () => {
    rx.setResponder((n) => ({ status: n <= 2 ? 500 : 200 }));
    const out = await deliverRunAlerts(t, 2, [hook('retry', 'json')], fast);
    expect(out).toMatchObject([{ status: 'sent', attempts: 3 }]);
    expect(rx.received).toHaveLength(3);
    // Backoff doubles: 20 ms, then 40 ms.
    expect(rx.received[1]!.at - rx.received[0]!.at).toBeGreaterThanOrEqual(15);
    expect(rx.received[2]!.at - rx.received[1]!.at).toBeGreaterThanOrEqual(35);
    expect(await deliveries(2, 'retry')).toMatchObject([{ status: 'sent', attempts: 3, last_error: 'HTTP 500' }]);
  });

  it('waits as long as a 429 Retry-After says', async () => {
    rx.setResponder((n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
    const out = await deliverRunAlerts(t, 2, [hook('ratelimited', 'json')], fast);
    expect(out).toMatchObject([{ status: 'sent', attempts: 2 }]);
    expect(rx.received).toHaveLength(2);
    expect(rx.received[1]!.at - rx.received[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('gives up after the last attempt, or at once on a 4xx or a too long Retry-After', async () => {
    rx.setResponder(() => ({ status: 503 }));
    expect(await deliverRunAlerts(t, 2, [hook('down', 'json')], { ...fast, attempts: 4 })).toMatchObject([{ status: 'failed', attempts: 4, error: 'HTTP 503' }]);
    expect(rx.received).toHaveLength(4);
    expect(await deliveries(2, 'down')).toMatchObject([{ status: 'failed', attempts: 4, last_error: 'HTTP 503', sent_at: null }]);
    rx.reset();
    rx.setResponder(() => ({ status: 404 }));
    expect(await postWithRetry(rx.url, {}, fast)).toEqual({ ok: false, attempts: 1, error: 'HTTP 404' });
    rx.reset();
    rx.setResponder(() => ({ status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' } }));
    expect(await postWithRetry(rx.url, {}, fast)).toEqual({ ok: false, attempts: 1, error: 'HTTP 302' }); // not followed
    expect(rx.received).toHaveLength(1);
    rx.reset();
    rx.setResponder(() => ({ status: 429, headers: { 'retry-after': '3600' } }));
    expect(await postWithRetry(rx.url, {}, fast)).toMatchObject({ ok: false, attempts: 1 });
    expect(retryAfterMs('120')).toBe(120_000);
    expect(retryAfterMs(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  it('times out a receiver that does not answer', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}${SECRET_PATH}`;
    try {
      const r = await postWithRetry(url, {}, { attempts: 2, baseDelayMs: 10, timeoutMs: 200 });
      expect(r).toEqual({ ok: false, attempts: 2, error: 'timed out after 200 ms' });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('delivers once when two processes send the same run at the same time', async () => {
    rx.setResponder(() => ({ status: 200 }));
    const other = openDatabase(t.url);
    try {
      const w = hook('concurrent', 'json');
      const [a, b] = await Promise.all([deliverRunAlerts(t, 2, [w], fast), deliverRunAlerts(other, 2, [w], fast)]);
      expect([a[0]!.status, b[0]!.status].sort()).toEqual(['sent', 'skipped']);
      expect(rx.received).toHaveLength(1);
      // …and again with five at once, in one process.
      const w2 = hook('concurrent-5', 'slack');
      const all = await Promise.all(Array.from({ length: 5 }, (_, i) => deliverRunAlerts(i % 2 ? other : t, 2, [w2], fast)));
      expect(all.flat().filter((o) => o.status === 'sent')).toHaveLength(1);
      expect(rx.received).toHaveLength(2);
    } finally {
      await closeDatabase(other);
    }
  });

  it('sends nothing for a run that changed nothing alertable', async () => {
    const rt = { database: t, fingerprint: createFingerprinter(Buffer.alloc(32, 7)) };
    const [again] = await collectFilesInto(rt, [DEMO_DAYS[1]!], { ...DEMO_COLLECT_OPTIONS, quiet: true });
    const runId = again!.summary.runId;
    expect(await deliverRunAlerts(t, runId, [hook('quiet', 'json', 'info'), hook('quiet-slack', 'slack')], fast)).toEqual([
      { webhook: 'quiet', status: 'empty' },
      { webhook: 'quiet-slack', status: 'empty' },
    ]);
    expect(rx.received).toHaveLength(0);
    expect(await deliveries(runId, 'quiet')).toMatchObject([{ status: 'empty', attempts: 0, new_count: 0, resolved_count: 0 }]);
    expect(await deliverRunAlerts(t, 9999, [hook('quiet', 'json')], fast)).toEqual([{ webhook: 'quiet', status: 'skipped', reason: 'not-committed' }]);
  });

  it('sweeps: delivers committed runs that have none yet, takes over an expired claim, leaves the rest', async () => {
    const w = hook('sweep', 'json');
    // Run 1 was claimed by a process that died (its claim is old); run 2 has no delivery; later runs change nothing.
    await t.pool.query(`INSERT INTO alert_deliveries (run_id, webhook, status, claimed_at) VALUES (1, 'sweep', 'sending', now() - interval '1 hour')`);
    expect(await sweepAlerts(t, [w], { ...fast, graceMs: 120_000 })).toEqual([]); // every run is younger than the grace
    const swept = await sweepAlerts(t, [w], { ...fast, graceMs: 0, maxRuns: 50 });
    expect(swept.map((s) => s.runId)).toEqual((await t.prisma.run.findMany({ orderBy: { id: 'asc' } })).map((r) => r.id));
    expect(swept.find((s) => s.runId === 1)!.outcomes).toMatchObject([{ status: 'sent' }]);
    expect(swept.find((s) => s.runId === 2)!.outcomes).toMatchObject([{ status: 'sent' }]);
    expect(rx.received.map((r) => (r.body as JsonAlert).run.id)).toEqual([1, 2]);
    expect(await sweepAlerts(t, [w], { ...fast, graceMs: 0, maxRuns: 50 })).toEqual([]);
    // A claim that is recent (its process is still sending) is not taken over.
    await t.pool.query(`INSERT INTO alert_deliveries (run_id, webhook, status) VALUES (2, 'sweep-busy', 'sending')`);
    const busy = await sweepAlerts(t, [hook('sweep-busy', 'json')], { ...fast, graceMs: 0, maxRuns: 50 });
    expect(busy.map((s) => s.runId)).not.toContain(2);
  });

  it('sweeps on a timer until stopped', async () => {
    const sweeper = startAlertSweeper(t, [hook('timer', 'json')], { ...fast, graceMs: 0, maxRuns: 50, firstDelayMs: 0, intervalMs: 50 });
    try {
      await vi.waitFor(() => expect(rx.received.map((r) => (r.body as JsonAlert).run.id)).toEqual([1, 2]), { timeout: 20_000, interval: 50 });
    } finally {
      await sweeper.stop();
    }
    const statuses = (await t.pool.query(`SELECT status FROM alert_deliveries WHERE webhook = 'timer' ORDER BY run_id`)).rows.map((r) => r.status);
    expect(statuses).toEqual(['sent', 'sent', 'empty']);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(rx.received).toHaveLength(2);
  });

  it('never logs or stores the webhook URL past its origin', async () => {
    rx.setResponder((n) => ({ status: n === 1 ? 500 : 200 }));
    await deliverRunAlerts(t, 2, [hook('logs', 'json')], fast);
    const refused = `http://127.0.0.1:1${SECRET_PATH}?${SECRET_QUERY}`;
    const out = await deliverRunAlerts(t, 2, [{ ...hook('refused', 'json'), url: new Redacted(refused) }], { ...fast, attempts: 2 });
    expect(out).toMatchObject([{ status: 'failed', attempts: 2 }]);
    const all = logged.join('\n');
    expect(all).toContain('alert delivery attempt failed');
    expect(all).toContain('alert sent');
    expect(all).toContain('http://127.0.0.1:1/…');
    const stored = JSON.stringify((await t.pool.query('SELECT * FROM alert_deliveries')).rows);
    for (const s of [all, stored, JSON.stringify(out)]) {
      expect(s).not.toContain('xoxSECRETpath');
      expect(s).not.toContain('QUERYsecret');
    }
    expect(redactUrl('https://hooks.slack.com/services/T/B/x?y=1')).toBe('https://hooks.slack.com/…');
    expect(String(hook('x', 'json').url)).toBe('[redacted]');
  });

  it('reads the webhook from the environment', () => {
    const url = `https://hooks.slack.com${SECRET_PATH}`;
    const c = loadConfig({ KEYGRAPH_ALERT_WEBHOOK_URL: url });
    expect(c.alerts.webhooks).toHaveLength(1);
    expect(c.alerts.webhooks[0]).toMatchObject({ name: 'default', format: 'slack', minSeverity: 'high' });
    expect(c.alerts.webhooks[0]!.url.reveal()).toBe(url);
    expect(JSON.stringify(c)).not.toContain('xoxSECRETpath');
    expect(loadConfig({ KEYGRAPH_ALERT_WEBHOOK_URL: 'https://alerts.example.com/hook', KEYGRAPH_ALERT_MIN_SEVERITY: 'critical' }).alerts.webhooks[0]).toMatchObject({
      format: 'json',
      minSeverity: 'critical',
    });
    expect(loadConfig({ KEYGRAPH_ALERT_WEBHOOK_URL: 'http://127.0.0.1:9/x', KEYGRAPH_ALERT_FORMAT: 'slack' }).alerts.webhooks[0]!.format).toBe('slack');
    expect(loadConfig({}).alerts.webhooks).toEqual([]);
    expect(() => loadConfig({ KEYGRAPH_ALERT_WEBHOOK_URL: `http://alerts.example.com${SECRET_PATH}` })).toThrow(/must use https/);
    expect(() => loadConfig({ KEYGRAPH_ALERT_WEBHOOK_URL: 'https://x.example.com', KEYGRAPH_ALERT_MIN_SEVERITY: 'urgent' })).toThrow(/KEYGRAPH_ALERT_MIN_SEVERITY/);
    expect(() => loadConfig({ KEYGRAPH_ALERT_FORMAT: 'json' })).toThrow(/without KEYGRAPH_ALERT_WEBHOOK_URL/);
    try {
      loadConfig({ KEYGRAPH_ALERT_WEBHOOK_URL: `http://alerts.example.com${SECRET_PATH}` });
    } catch (e) {
      expect((e as Error).message).not.toContain('xoxSECRETpath');
    }
  });
});
