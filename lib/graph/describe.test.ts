import { describe, expect, it } from 'vitest';
import { displayText, explainReference } from './describe';

describe('explainReference: how a dependant uses the next object, in plain words', () => {
  it('reads a volume mount as the path in its container', () => {
    expect(explainReference('USES_SECRET', { via: 'volume', mountPaths: ['backup:/var/secrets/google'] })).toBe(
      'mounts it as a volume at /var/secrets/google (container backup)',
    );
  });
  it('names the CSI driver a nodePublishSecretRef goes to', () => {
    expect(explainReference('USES_SECRET', { via: 'csi', driver: 'secrets-store.csi.k8s.io', volume: 'verify' })).toBe(
      'passes it to the CSI driver secrets-store.csi.k8s.io (nodePublishSecretRef of volume verify)',
    );
  });
  it('names the env var and the key it reads', () => {
    expect(explainReference('USES_SECRET', { via: 'env', keys: ['key-id'], envVar: 'OTA_KEY_ID' })).toBe('reads key key-id as env OTA_KEY_ID');
  });
  it('says when a reference is optional', () => {
    expect(explainReference('USES_SECRET', { via: 'envFrom', optional: true })).toBe('loads every key as env vars, optional');
  });
  it('escapes hidden characters for display', () => {
    expect(displayText('evil\u202Egnp.exe')).toBe('evil⟦U+202E⟧gnp.exe');
  });
});
