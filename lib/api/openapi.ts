/**
 * The OpenAPI 3.1 document of the JSON API (served at `/api/v1/openapi.json`). Written as a typed object; the
 * parameter and response schemas are generated from lib/api/schemas.ts with zod's `toJSONSchema` (JSON Schema
 * 2020-12, which OpenAPI 3.1 uses), so validation and documentation share one source.
 */
import { z } from 'zod';
import * as S from './schemas';
import { idForms } from '../graph/ids';

/** The subset of OpenAPI 3.1 this document uses. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string; license?: { name: string; identifier?: string } };
  servers: { url: string }[];
  paths: Record<string, Partial<Record<'get' | 'post', OpenApiOperation>>>;
  components: { schemas: Record<string, unknown> };
}
export interface OpenApiParameter {
  name: string;
  in: 'query' | 'path';
  required: boolean;
  description?: string;
  schema: unknown;
}
export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description?: string;
  parameters?: OpenApiParameter[];
  requestBody?: { required: boolean; content: Record<'application/json', { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<'application/json', { schema: unknown }> }>;
}

type Json = Record<string, unknown>;

/** Query parameters of a zod object schema (input side: what a client sends). */
function queryParams(schema: z.ZodObject, inPath: string[] = []): OpenApiParameter[] {
  const js = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Json;
  const props = (js.properties ?? {}) as Record<string, Json>;
  const required = new Set((js.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, s]) => {
    const { description, ...rest } = s;
    return {
      name,
      in: inPath.includes(name) ? 'path' : 'query',
      required: inPath.includes(name) || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

/** Component schemas from the response zod schemas (those with a `meta({id})` become `#/components/schemas/ID`). */
function components(): Record<string, unknown> {
  // Every schema of lib/api/schemas.ts with `meta({id})` is in zod's global registry (importing S registers them).
  void S.ErrorResponse;
  void S.NoDataResponse;
  void S.ImpactNoDataResponse;
  void S.ManifestCheckBody;
  void S.ManifestCheckResponse;
  const out = z.toJSONSchema(z.globalRegistry, { target: 'draft-2020-12', io: 'output', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, Json> };
  const schemas: Record<string, unknown> = {};
  for (const [id, s] of Object.entries(out.schemas)) {
    const { $schema: _schema, $id: _id, ...rest } = s;
    schemas[id] = rest;
  }
  return schemas;
}

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (description: string, id: string) => ({ description, content: { 'application/json': { schema: ref(id) } } as Record<'application/json', { schema: unknown }> });
/** A 200 that is either the endpoint's answer or, for a time before the first committed run, `NoData`. */
const orNoData = (description: string, id: string, noData = 'NoData') => ({
  description: `${description} Before the first committed run (or when nothing was collected): \`${noData}\` (\`noData: true\`).`,
  content: { 'application/json': { schema: { oneOf: [ref(id), ref(noData)] } } } as Record<'application/json', { schema: unknown }>,
});
const errors = {
  '400': json('Invalid request (a parameter, or an `asOf` that does not resolve: malformed, out of range, future, unknown run): `{error: {code: "invalid_request", message, issues}}`.', 'Error'),
  '500': json('Internal error (no details).', 'Error'),
  '503': json('The database cannot be reached: `{error: {code: "unavailable", message}}`; retry (GET /readyz says why).', 'Error'),
};

/** Builds the document (pure; cheap enough to build per request, cached by the route). */
export function buildOpenApi(): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: {
      title: 'keygraph API',
      version: '1',
      description:
        'Read-only JSON API of keygraph: nodes and their references both ways, search, impact of an action with a verdict, and findings. ' +
        `Node ids are ${idForms().map((f) => `\`${f}\``).join(', ')}; URL-encode them. ` +
        'No response contains a secret value.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/' }],
    paths: {
      '/api/v1/nodes/{id}': {
        get: {
          operationId: 'getNode',
          summary: 'A node, what it uses and what uses it, and `access`: who can read a Secret (RBAC), act as a GCP service account or read a Secret Manager secret (IAM)',
          parameters: queryParams(S.NodeQuery, ['id']),
          responses: { '200': orNoData('The node.', 'NodeResponse'), ...errors, '404': json('No source knows the node.', 'Error') },
        },
      },
      '/api/v1/nodes': {
        get: {
          operationId: 'getNodeByQuery',
          summary: 'Same as /api/v1/nodes/{id}, with the id as a query parameter',
          parameters: queryParams(S.NodeQuery),
          responses: { '200': orNoData('The node.', 'NodeResponse'), ...errors, '404': json('No source knows the node.', 'Error') },
        },
      },
      '/api/v1/search': {
        get: {
          operationId: 'search',
          summary: 'Search nodes by id, name or namespace',
          parameters: queryParams(S.SearchQuery),
          responses: { '200': orNoData('Matching nodes (exact id first).', 'SearchResponse'), ...errors },
        },
      },
      '/api/v1/impact': {
        get: {
          operationId: 'impact',
          summary: 'What breaks if the node is deleted, disabled, rotated or renamed',
          description: 'Verdict `safe`, `breaks` or `unknown` (never `safe` on partial or stale data), with every affected object and the path that explains why.',
          parameters: queryParams(S.ImpactQuery),
          responses: { '200': orNoData('The impact.', 'ImpactResponse', 'ImpactNoData'), ...errors, '404': json('No source knows the node.', 'Error') },
        },
      },
      '/api/v1/findings': {
        get: {
          operationId: 'findings',
          summary: 'Findings over the whole inventory',
          description: 'Dangling references, missing data keys, Workload Identity halves, dead/old/unused keys, unused objects, stale pods, renamed Secrets, TLS expiry and re-issue rate.',
          parameters: queryParams(S.FindingsQuery),
          responses: { '200': orNoData('Findings, most severe first.', 'FindingsResponse'), ...errors },
        },
      },
      '/api/v1/check/manifests': {
        post: {
          operationId: 'checkManifests',
          summary: 'The pre-deploy gate: references in manifests the client read, checked against this inventory',
          description: 'What `keygraph check --manifests DIR --cluster C --server URL` sends: node and edge records of cluster C (references and data key names; never a value, fingerprints are dropped). Nothing is written. 413 over 64 MiB.',
          requestBody: { required: true, content: { 'application/json': { schema: ref('ManifestCheckRequest') } } },
          responses: { '200': orNoData('Findings about the manifests\' objects.', 'ManifestCheckResponse'), ...errors },
        },
      },
      '/api/v1/openapi.json': {
        get: {
          operationId: 'openapi',
          summary: 'This document',
          parameters: [],
          responses: { '200': { description: 'OpenAPI 3.1 document.' } },
        },
      },
    },
    components: { schemas: components() },
  };
}
