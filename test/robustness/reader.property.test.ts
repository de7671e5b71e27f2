/**
 * Issue "Reliability and security" part 5, property-based: the manifest reader (lib/input/documents.ts) and the
 * Kubernetes mapper on arbitrary input (fast-check).
 *
 * readDocuments, for random bytes, random YAML-ish text and random JSON structures written to a file:
 * - never throws and never hangs (each file read within a time limit);
 * - every error names the file it concerns;
 * - no document content appears in an error message (a canary planted in the content never shows up, and messages
 *   stay short);
 * - valid JSON is read without error and gives back exactly its documents (List / array expansion included).
 * mapper.add / finish never throw on arbitrary JSON values, Kubernetes-shaped or not, and never put the planted
 * value (or its base64) into a node or edge.
 *
 * Runs: KEYGRAPH_PROPERTY_RUNS (default 150 per file property, 10x that for the mapper). A failure prints the seed
 * and the shrunk counterexample.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readDocuments, type InputDocument, type InputError } from '../../lib/input/documents';
import { createKubernetesMapper } from '../../collectors/kubernetes/mapper';
import { createFingerprinter } from '../../lib/secrets/fingerprint';

const RUNS = Number(process.env.KEYGRAPH_PROPERTY_RUNS ?? 150);
const CANARY = 'Zq7CANARYvalue';
const TIME_LIMIT_MS = 10_000;

let tmp: string;
let n = 0;
/** Process warnings (process.emitWarning) seen while reading: a parser printing document content would show here. */
const warnings: string[] = [];
const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'keygraph-prop-'));
  process.on('warning', onWarning);
});
afterAll(() => {
  process.off('warning', onWarning);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function readAll(content: string | Uint8Array, name = `f${n++}.yaml`): Promise<{ file: string; out: (InputDocument | InputError)[] }> {
  const file = path.join(tmp, name);
  writeFileSync(file, content);
  const out: (InputDocument | InputError)[] = [];
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`readDocuments did not finish within ${TIME_LIMIT_MS} ms`)), TIME_LIMIT_MS);
  });
  try {
    await Promise.race([
      (async () => {
        for await (const x of readDocuments([file], { maxFileBytes: 1 << 20, maxAliasCount: 50 })) out.push(x);
      })(),
      limit,
    ]);
  } finally {
    clearTimeout(timer);
  }
  return { file, out };
}

function checkErrors(file: string, out: (InputDocument | InputError)[]): void {
  expect(warnings.filter((w) => w.includes(CANARY.slice(0, 8)))).toEqual([]);
  for (const x of out) {
    if (x.type !== 'error') continue;
    expect(x.file).toBe(file);
    expect(x.message.length).toBeLessThan(400);
    expect(x.message).not.toContain(CANARY);
    expect(x.message).not.toContain(CANARY.slice(0, 8));
    if (x.line !== undefined) expect(Number.isInteger(x.line) && x.line >= 1).toBe(true);
  }
}

/** Text made of YAML and JSON syntax fragments, indentation and the canary. */
const yamlish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '---\n', '...\n', '- ', ': ', ':', '\n', '\n  ', '\n    ', '\t', '&a ', '*a', '&b ', '*b', '<<: *a\n', '!!str ', '!!binary ',
        '!custom ', '[', ']', '{', '}', ',', '"', "'", '|\n  ', '>-\n  ', '#', '%YAML 1.2\n', '%TAG ! tag:x,2000:\n', '? ', '\\',
        'apiVersion: v1\n', 'kind: Secret\n', 'kind: List\n', 'items:\n', 'metadata:\n  name: x\n', 'data:\n  k: ', 'stringData:\n  k: ',
        'null', '~', 'true', '1e999', '0x1F', '.nan', '\u2028', '\ufeff', '\u0085',
      ),
      fc.constant(CANARY),
      fc.string({ maxLength: 12 }),
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));

describe('readDocuments on arbitrary input (fast-check)', () => {
  it('random bytes: never throws or hangs; errors name the file and quote nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), fc.boolean(), async (bytes, asJson) => {
        // Plant the canary; half of the inputs look like JSON so the streaming path is taken.
        const content = Buffer.concat([Buffer.from(asJson ? '{"a":"' : 'k: '), Buffer.from(bytes), Buffer.from(CANARY)]);
        const { file, out } = await readAll(content, `b${n++}.${asJson ? 'json' : 'yaml'}`);
        checkErrors(file, out);
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  it('a YAML key that is a collection is not printed as a process warning (found by this suite)', async () => {
    const { file, out } = await readAll(`? [${CANARY}]\n: v\n? {a: ${CANARY}}\n: w\n`);
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    checkErrors(file, out);
  });

  it('random YAML-ish text: never throws or hangs; errors name the file and quote nothing', async () => {
    await fc.assert(
      fc.asyncProperty(yamlish, async (text) => {
        const { file, out } = await readAll(text);
        await new Promise((r) => setImmediate(r));
        checkErrors(file, out);
      }),
      { numRuns: RUNS * 2 },
    );
  }, 120_000);

  it('random JSON structures: read back exactly, without errors', async () => {
    const kube = fc.record({
      apiVersion: fc.constantFrom('v1', 'apps/v1', 'x/y'),
      kind: fc.constantFrom('Secret', 'Deployment', 'List', 'SecretList', 'Foo'),
      metadata: fc.jsonValue({ maxDepth: 2 }),
      items: fc.option(fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 }), { nil: undefined }),
      data: fc.option(fc.dictionary(fc.string(), fc.string()), { nil: undefined }),
    }, { requiredKeys: ['apiVersion', 'kind'] });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue({ maxDepth: 5 }), kube, fc.array(kube, { maxLength: 4 })), fc.boolean(), async (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        const { file, out } = await readAll(text, `j${n++}.json`);
        checkErrors(file, out);
        const errors = out.filter((x): x is InputError => x.type === 'error');
        const docs = out.filter((x): x is InputDocument => x.type === 'document').map((d) => d.value);
        // `items` arrays whose object turns out not to be a List are reported (kubectl writes items before kind).
        if (errors.length) {
          expect(errors.map((e) => e.message).every((m) => /not a Kubernetes List/.test(m))).toBe(true);
          return;
        }
        expect(docs).toEqual(expectedDocuments(JSON.parse(text)));
      }),
      { numRuns: RUNS * 2 },
    );
  }, 120_000);
});

/** What readDocuments yields for a parsed JSON file (see its doc comment). */
function expectedDocuments(v: unknown): unknown[] {
  const one = (x: unknown): unknown[] => {
    if (x === null || x === undefined) return [];
    if (isList(x)) return x.items.filter((i) => i !== null && i !== undefined);
    return [x];
  };
  return Array.isArray(v) ? v.flatMap(one) : one(v);
}
function isList(v: unknown): v is { items: unknown[] } {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  if (!Array.isArray(o.items)) return false;
  if (Object.hasOwn(o, 'kind')) return typeof o.kind === 'string' && o.kind.endsWith('List');
  return Object.keys(o).every((k) => k === 'apiVersion' || k === 'metadata' || k === 'items');
}

describe('Kubernetes mapper on arbitrary values (fast-check)', () => {
  const fingerprint = createFingerprinter(Buffer.alloc(32, 9));
  const KINDS = ['Secret', 'ServiceAccount', 'Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Ingress',
    'Certificate', 'ExternalSecret', 'SealedSecret', 'PartialObjectMetadata', 'List', 'SecretList', 'ConfigMap'];
  const API = ['v1', 'apps/v1', 'batch/v1', 'networking.k8s.io/v1', 'cert-manager.io/v1', 'external-secrets.io/v1beta1', 'bitnami.com/v1alpha1', 'meta.k8s.io/v1', 7];
  const anyJson = fc.jsonValue({ maxDepth: 4 });
  const name = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('..', '.', 'a/b', '', 'default', 'x'.repeat(400)), anyJson);
  const secretValue = fc.oneof(
    fc.constant(Buffer.from(CANARY).toString('base64')),
    fc.constant(CANARY),
    fc.constant(Buffer.from(JSON.stringify({ type: 'service_account', private_key_id: 'abc', client_email: `a@p.iam.gserviceaccount.com`, private_key: CANARY })).toString('base64')),
    anyJson,
  );
  const podSpec = fc.record({
    containers: fc.oneof(anyJson, fc.array(fc.record({
      name: name,
      env: fc.oneof(anyJson, fc.array(fc.record({ name: name, valueFrom: fc.oneof(anyJson, fc.record({ secretKeyRef: fc.record({ name, key: name, optional: anyJson }) })) }), { maxLength: 3 })),
      envFrom: fc.oneof(anyJson, fc.array(fc.record({ secretRef: fc.record({ name }) }), { maxLength: 2 })),
      volumeMounts: anyJson,
    }), { maxLength: 3 })),
    volumes: fc.oneof(anyJson, fc.array(fc.record({ name, secret: fc.record({ secretName: name, items: anyJson }), projected: anyJson, csi: anyJson }), { maxLength: 3 })),
    imagePullSecrets: fc.oneof(anyJson, fc.array(fc.record({ name }), { maxLength: 2 })),
    serviceAccountName: name,
  }, { requiredKeys: [] });
  const kubeObject = fc.record({
    apiVersion: fc.constantFrom(...API),
    kind: fc.constantFrom(...KINDS),
    metadata: fc.oneof(anyJson, fc.record({
      name, namespace: name, labels: anyJson, ownerReferences: anyJson,
      // Annotations are kept (they are metadata), except kubectl's last-applied-configuration, which holds the values.
      annotations: fc.oneof(anyJson, fc.record({
        'kubectl.kubernetes.io/last-applied-configuration': fc.constant(JSON.stringify({ kind: 'Secret', stringData: { k: CANARY } })),
        'iam.gke.io/gcp-service-account': fc.string(),
        'kubernetes.io/service-account.name': fc.string(),
      }, { requiredKeys: [] })),
    }, { requiredKeys: [] })),
    type: fc.oneof(fc.constantFrom('Opaque', 'kubernetes.io/tls', 'kubernetes.io/service-account-token', 'kubernetes.io/dockerconfigjson'), anyJson),
    data: fc.oneof(anyJson, fc.dictionary(fc.string({ maxLength: 10 }), secretValue)),
    stringData: fc.oneof(anyJson, fc.dictionary(fc.string({ maxLength: 10 }), secretValue)),
    spec: fc.oneof(anyJson, podSpec, fc.record({ template: fc.record({ spec: podSpec }), jobTemplate: anyJson, tls: anyJson, secretName: name, target: anyJson }, { requiredKeys: [] })),
    status: anyJson,
    items: anyJson,
    secrets: anyJson,
    imagePullSecrets: anyJson,
  }, { requiredKeys: ['kind'] });

  it('add / finish never throw; no planted value reaches a node or edge', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(anyJson, kubeObject), { maxLength: 8 }), fc.option(fc.constantFrom(...KINDS), { nil: undefined }), (values, asKind) => {
        const warnings: string[] = [];
        const m = createKubernetesMapper({ cluster: 'p', fingerprint, implicitDefaults: true, onWarning: (w) => warnings.push(w) });
        for (const v of values) {
          m.add(v);
          if (asKind) m.add(v, asKind);
        }
        const out = m.finish();
        const text = JSON.stringify(out) + JSON.stringify(warnings);
        expect(text).not.toContain(CANARY);
        expect(text).not.toContain(Buffer.from(CANARY).toString('base64'));
        for (const node of out.nodes) expect(typeof node.id).toBe('string');
      }),
      { numRuns: RUNS * 10 },
    );
  }, 120_000);
});
