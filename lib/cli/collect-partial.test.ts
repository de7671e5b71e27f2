/**
 * `keygraph collect … --allow-partial` / `KEYGRAPH_ALLOW_PARTIAL=1` (what the deploy/ CronJobs set): a partial
 * collection exits 0 with it and 4 without, and the run is recorded partial either way. Live: a fake API server
 * answering 403 for Secrets (an RBAC gap), collected through a kubeconfig as `keygraph collect k8s` does in a
 * cluster. Files: a folder with one readable manifest and one that does not parse.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli as cli, useCliDatabase } from '../../test/cli';
import { FakeApiServer, kubeconfigYaml } from '../../collectors/kubernetes/testing/fake-apiserver';

const env = useCliDatabase('keygraph-collect-partial-');
const dir = mkdtempSync(path.join(os.tmpdir(), 'kg-collect-partial-'));
const TOKEN = 'partial-test-token';
let server: FakeApiServer;
let kubeconfig: string;

beforeAll(async () => {
  server = await FakeApiServer.start({ token: TOKEN });
  server.add({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'api', namespace: 'payments' } });
  server.add({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'api-0', namespace: 'payments' },
    spec: { serviceAccountName: 'api', containers: [{ name: 'app', image: 'app:1' }] }, status: { phase: 'Running' },
  });
  server.fault({ path: '/api/v1/secrets', fault: { type: 'status', code: 403 } });
  kubeconfig = path.join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigYaml([{ name: 'partial', server: server.url, token: TOKEN }], 'partial'));
  const files = path.join(dir, 'manifests');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(files);
  writeFileSync(path.join(files, 'sa.yaml'), 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n  namespace: shop\n');
  writeFileSync(path.join(files, 'broken.yaml'), 'apiVersion: v1\nkind: [unclosed\n');
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  delete process.env.KEYGRAPH_ALLOW_PARTIAL;
});

const lastRunStatus = async () => (await env.db.pool.query(`SELECT status FROM runs ORDER BY id DESC LIMIT 1`)).rows[0]?.status;

describe('collect --allow-partial', () => {
  it('is offered by collect files and every live source', async () => {
    for (const sub of ['files', 'k8s', 'gcp']) {
      expect((await cli('collect', sub, '--help')).out.replace(/\s+/g, ' ')).toContain('--allow-partial exit 0 when a run finished partially');
    }
  });

  it('live k8s with Secrets forbidden (403): exit 4 without the flag, 0 with it or with KEYGRAPH_ALLOW_PARTIAL=1; the run is partial each time', async () => {
    const without = await cli('collect', 'k8s', '--kubeconfig', kubeconfig, '--cluster', 'partial');
    expect(without.code, without.err).toBe(4);
    expect(without.err).toMatch(/not listed completely.*Secret/);
    expect(await lastRunStatus()).toBe('partial');

    const flagged = await cli('collect', 'k8s', '--kubeconfig', kubeconfig, '--cluster', 'partial', '--allow-partial');
    expect(flagged.code, flagged.err).toBe(0);
    expect(flagged.err).toContain('partial collection accepted');
    expect(await lastRunStatus()).toBe('partial');

    process.env.KEYGRAPH_ALLOW_PARTIAL = '1';
    const byEnv = await cli('collect', 'k8s', '--kubeconfig', kubeconfig, '--cluster', 'partial', '--json');
    expect(byEnv.code, byEnv.err).toBe(0);
    expect(JSON.parse(byEnv.out)[0].status).toBe('partial');
  });

  it('collect files with an unparsable file: exit 4 without, 0 with --allow-partial', async () => {
    const files = path.join(dir, 'manifests');
    const without = await cli('collect', 'files', files, '--cluster', 'shop');
    expect(without.code, without.err).toBe(4);
    expect(await lastRunStatus()).toBe('partial');
    const flagged = await cli('collect', 'files', files, '--cluster', 'shop', '--allow-partial');
    expect(flagged.code, flagged.err).toBe(0);
    expect(await lastRunStatus()).toBe('partial');
  });

  it('KEYGRAPH_ALLOW_PARTIAL other than 1/true does not change the exit code; a complete run exits 0 regardless', async () => {
    process.env.KEYGRAPH_ALLOW_PARTIAL = '0';
    expect((await cli('collect', 'files', path.join(dir, 'manifests'), '--cluster', 'shop')).code).toBe(4);
    const ok = await cli('collect', 'files', path.join(dir, 'manifests', 'sa.yaml'), '--cluster', 'shop', '--allow-partial');
    expect(ok.code, ok.err).toBe(0);
    expect(ok.err).not.toContain('partial collection accepted');
  });
});
