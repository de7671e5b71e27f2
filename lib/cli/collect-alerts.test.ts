/**
 * `keygraph collect files` with KEYGRAPH_ALERT_WEBHOOK_URL set: the collector sends each committed run's alert to the
 * webhook before it exits (day 1 then day 2 of the demo: two alerts, day 2's naming the renamed Secret), a re-collection
 * that changes nothing sends none, an unreachable webhook leaves the exit code alone, and stdout/stderr never show the
 * URL.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as cli, useCliDatabase } from '../../test/cli';
import { DEMO_DAYS } from './serve';
import type { JsonAlert } from '../alerts';

const env = useCliDatabase('keygraph-collect-alerts-cli-');
const SECRET = '/hook/ALERTSECRETpath42';

describe('keygraph collect sends alerts', () => {
  const received: JsonAlert[] = [];
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        received.push(JSON.parse(data));
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}${SECRET}`;
  });
  afterAll(async () => {
    delete process.env.KEYGRAPH_ALERT_WEBHOOK_URL;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('after each committed run, once', async () => {
    process.env.KEYGRAPH_ALERT_WEBHOOK_URL = url;
    const outputs: string[] = [];
    for (const day of DEMO_DAYS) {
      const r = await cli('collect', 'files', day, '--cluster', 'demo', '--complete');
      expect(r.code, r.err).toBe(0);
      outputs.push(r.out, r.err);
    }
    expect(received.map((b) => b.run.id)).toEqual([1, 2]);
    expect(received[1]!.new.map((f) => f.rule)).toContain('renamed-secret');
    const again = await cli('collect', 'files', DEMO_DAYS[1]!, '--cluster', 'demo', '--complete');
    expect(again.code).toBe(0);
    expect(received).toHaveLength(2);
    const rows = (await env.db.pool.query(`SELECT run_id, webhook, status FROM alert_deliveries ORDER BY run_id`)).rows;
    expect(rows).toEqual([
      { run_id: 1, webhook: 'default', status: 'sent' },
      { run_id: 2, webhook: 'default', status: 'sent' },
      { run_id: 3, webhook: 'default', status: 'empty' },
    ]);
    for (const o of outputs) expect(o).not.toContain('ALERTSECRETpath');
  });

  it('an unreachable webhook does not fail the collection (after its retries)', async () => {
    process.env.KEYGRAPH_ALERT_WEBHOOK_URL = `http://127.0.0.1:1${SECRET}`;
    const r = await cli('collect', 'files', DEMO_DAYS[0]!, '--cluster', 'demo', '--complete');
    expect(r.code, r.err).toBe(0);
    expect(r.out + r.err).not.toContain('ALERTSECRETpath');
    const row = (await env.db.pool.query(`SELECT status, attempts, last_error FROM alert_deliveries WHERE run_id = 4`)).rows[0];
    expect(row).toMatchObject({ status: 'failed', attempts: 5 }); // 1 s, 2 s, 4 s, 8 s apart
    expect(row.last_error).not.toContain('ALERTSECRETpath');
  });
});
