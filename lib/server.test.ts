import { describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { assertBindAllowed, serve } from './server';

const OIDC = {
  KEYGRAPH_OIDC_ISSUER: 'https://accounts.google.com',
  KEYGRAPH_OIDC_CLIENT_ID: 'id',
  KEYGRAPH_OIDC_CLIENT_SECRET: 'secret',
  KEYGRAPH_PUBLIC_URL: 'https://keygraph.example.com',
  KEYGRAPH_ALLOWED_DOMAINS: 'example.com',
};

describe('bind rule', () => {
  it('allows loopback without sign-in', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '127.0.0.2']) expect(() => assertBindAllowed(host, loadConfig({}).auth)).not.toThrow();
  });

  it('refuses any other address without sign-in, with a message that says what to do', () => {
    for (const host of ['0.0.0.0', '::', '10.1.2.3', 'keygraph.internal']) {
      expect(() => assertBindAllowed(host, loadConfig({}).auth)).toThrow(/refusing to listen on .*no sign-in is configured.*KEYGRAPH_OIDC_ISSUER/s);
    }
  });

  it('allows any address once sign-in is configured', () => {
    expect(() => assertBindAllowed('0.0.0.0', loadConfig(OIDC).auth)).not.toThrow();
  });

  it('serve() refuses before building or listening', async () => {
    const saved = { ...process.env };
    for (const k of Object.keys(OIDC)) delete process.env[k];
    try {
      await expect(serve({ host: '0.0.0.0', port: 0, dir: '/nonexistent' })).rejects.toThrow(/refusing to listen on 0\.0\.0\.0/);
    } finally {
      process.env = saved;
    }
  });
});
