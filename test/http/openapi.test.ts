import { validate, compileErrors } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { buildOpenApi, routesOf, toOpenApiPath } from '../../src/http/openapi.js';
import { loadApiSchemas } from '../../src/http/schemas.js';
import Router from '@koa/router';
import { rmSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { loadBlueprintSources } from '../../src/blueprint/index.js';
import { HttpWorker } from '../support/http-worker.js';
import { startTestServer } from '../support/server.js';
import { REFERENCE_ENDPOINTS, loadTestBlueprints, writeTestBlueprints } from './openapi-fixtures.js';


type Doc = Record<string, unknown> & {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: { schemas: Record<string, Record<string, unknown>>; securitySchemes: Record<string, unknown> };
};

function operations(doc: Doc): string[] {
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
}

function resolve(doc: Doc, schema: Record<string, unknown>): Record<string, unknown> {
  const target = schema.$ref;
  if (typeof target !== 'string') return schema;
  const name = target.replace('#/components/schemas/', '');
  const found = doc.components.schemas[name];
  if (!found) throw new Error(`unresolved ${target}`);
  return found;
}

function requestSchema(doc: Doc, method: string, path: string): Record<string, unknown> {
  const body = doc.paths[path]?.[method]?.requestBody as { content: { 'application/json': { schema: Record<string, unknown> } } };
  return resolve(doc, body.content['application/json'].schema);
}

async function build(routes?: Parameters<typeof buildOpenApi>[0]['routes']): Promise<Doc> {
  return (await buildOpenApi({ blueprints: loadTestBlueprints(), routes })) as Doc;
}

describe('buildOpenApi', () => {
  it('builds a document that an OpenAPI 3.1 validator accepts', async () => {
    const doc = await build();
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc) as unknown as Parameters<typeof validate>[0]);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
  });

  it('contains every endpoint of the API reference', async () => {
    const found = operations(await build());
    for (const endpoint of REFERENCE_ENDPOINTS) expect(found, endpoint).toContain(endpoint);
  });

  it('has a create endpoint per blueprint with its input schema as initial_data', async () => {
    const doc = await build();
    const body = requestSchema(doc, 'post', '/api/v1/jobs/image_pipeline');
    const properties = body.properties as Record<string, Record<string, unknown>>;
    const input = resolve(doc, properties.initial_data!);
    expect(input).toEqual({
      type: 'object',
      required: ['url'],
      properties: { url: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
    });
    expect(body.required).toEqual(['initial_data']);
    expect(Object.keys(properties)).toContain('webhook_url');
  });

  it('serves a blueprint at the version and endpoint its api block gives', async () => {
    expect(operations(await build())).toContain('POST /api/v2/orders/place');
  });

  it('gives child-only blueprints no endpoint, but draws their graphs in the document’s description', async () => {
    const doc = await build();
    expect(JSON.stringify(Object.keys(doc.paths))).not.toContain('child_only');
    const description = String((doc.info as Record<string, unknown>).description);
    expect(description).toMatch(/<img alt="graph of child_only" src="data:image\/svg\+xml;base64,/);
    expect(description).not.toContain('graph of image_pipeline');
  });

  it('draws each blueprint’s graph as an SVG image in its create operation', async () => {
    const doc = await build();
    const description = String(doc.paths['/api/v1/jobs/image_pipeline']?.post?.description);
    const match = /<img alt="graph of image_pipeline" src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)"/.exec(description);
    expect(match).not.toBeNull();
    const svg = Buffer.from(match![1]!, 'base64').toString('utf8');
    expect(svg).toContain('<svg');
    expect(svg).toContain('resize');
  });

  it('puts /api behind X-Client-Token, /_worker behind X-Worker-Token, and /_public behind nothing', async () => {
    const doc = await build();
    expect(doc.components.securitySchemes).toMatchObject({
      ClientToken: { type: 'apiKey', in: 'header', name: 'X-Client-Token' },
      WorkerToken: { type: 'apiKey', in: 'header', name: 'X-Worker-Token' },
    });
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const operation of Object.values(item)) {
        const expected = path.startsWith('/api/') ? [{ ClientToken: [] }] : path.startsWith('/_worker/') ? [{ WorkerToken: [] }] : [];
        expect(operation.security, path).toEqual(expected);
      }
    }
  });

  it('moves the $defs of a blueprint’s input schema into components, so its references resolve', async () => {
    const loaded = loadBlueprintSources([
      {
        file: 'defs.yaml',
        text: [
          'name: with_defs',
          'input:',
          '  type: object',
          '  properties: { address: { $ref: "#/$defs/address" } }',
          '  $defs:',
          '    address: { type: object, required: [city], properties: { city: { type: string } } }',
          'start: done',
          'states:',
          '  done: { type: end }',
        ].join('\n'),
      },
    ]);
    expect(loaded.diagnostics).toEqual([]);
    const doc = (await buildOpenApi({ blueprints: loaded.blueprints.values() })) as Doc;
    expect(doc.components.schemas['WithDefsInput']).toEqual({
      type: 'object',
      properties: { address: { $ref: '#/components/schemas/WithDefsInput.address' } },
    });
    expect(doc.components.schemas['WithDefsInput.address']).toMatchObject({ required: ['city'] });
    const result = await validate(structuredClone(doc) as unknown as Parameters<typeof validate>[0]);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
  });

  it('documents 401 and 429 on every operation behind a token', async () => {
    const doc = await build();
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/') && !path.startsWith('/_worker/')) continue;
      for (const operation of Object.values(item)) {
        const expected = path.startsWith('/_worker/ws/') ? ['401'] : ['401', '429'];
        expect(Object.keys(operation.responses as object), path).toEqual(expect.arrayContaining(expected));
      }
    }
  });

  it('reuses the request schemas of schemas/api, with their local $defs moved into components', async () => {
    const doc = await build();
    const files = loadApiSchemas();
    const { $id: _id, $schema: _schema, ...register } = files['register-worker']!;
    expect(requestSchema(doc, 'post', '/_worker/workers/register')).toEqual(register);
    const result = JSON.stringify(requestSchema(doc, 'post', '/_worker/tasks/result'));
    expect(result).not.toContain('#/$defs/');
    for (const [, name] of result.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) expect(doc.components.schemas).toHaveProperty([name!]);
  });

  it('given the app’s routes, documents exactly those (and the WebSocket, which no router lists)', async () => {
    const router = new Router();
    router.get('/_public/status', () => undefined);
    router.get('/api/v1/jobs/:job_id', () => undefined);
    router.post('/api/v1/jobs/image_pipeline', () => undefined);
    router.get('/_public/extra/:thing', () => undefined);
    const doc = await build(routesOf(router));
    expect(operations(doc).sort()).toEqual([
      'GET /_public/extra/{thing}',
      'GET /_public/status',
      'GET /_worker/ws/{worker_id}',
      'GET /api/v1/jobs/{job_id}',
      'POST /api/v1/jobs/image_pipeline',
    ]);
    expect(doc.paths['/api/v1/jobs/image_pipeline']?.post?.operationId).toBe('create_image_pipeline');
    expect(doc.paths['/_public/extra/{thing}']?.get?.parameters).toEqual([
      { name: 'thing', in: 'path', required: true, schema: { type: 'string' } },
    ]);
  });
});

describe('GET /_public/openapi.json on the running server', () => {
  it('is a valid document holding every endpoint of the reference and every blueprint’s create endpoint', async () => {
    const dir = writeTestBlueprints();
    const server = await startTestServer({ blueprintsDir: dir });
    try {
      const response = await fetch(`${server.url}/_public/openapi.json`);
      expect(response.status).toBe(200);
      const doc = (await response.json()) as Doc;
      const result = await validate(structuredClone(doc) as unknown as Parameters<typeof validate>[0]);
      expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
      const found = operations(doc);
      for (const endpoint of [...REFERENCE_ENDPOINTS, 'POST /api/v1/jobs/image_pipeline', 'POST /api/v2/orders/place']) {
        expect(found, endpoint).toContain(endpoint);
      }
      // Every route the server answers is described, none as a bare placeholder.
      for (const [path, item] of Object.entries(doc.paths)) {
        for (const [method, operation] of Object.entries(item)) expect(operation.operationId, `${method} ${path}`).toBeTypeOf('string');
      }
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the running server’s replies', () => {
  it('fit the response schemas the document gives for them', async () => {
    const dir = writeTestBlueprints();
    const server = await startTestServer({ blueprintsDir: dir });
    try {
      const doc = (await (await fetch(`${server.url}/_public/openapi.json`)).json()) as Doc;
      const ajv = new Ajv2020({ strict: false, allErrors: true });
      addFormats.default(ajv);
      ajv.addSchema(doc, 'openapi');
      const check = (method: string, path: string, status: number, body: unknown): void => {
        const pointer = ['paths', path, method, 'responses', String(status), 'content', 'application/json', 'schema']
          .map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1'))
          .join('/');
        const validate = ajv.compile({ $ref: `openapi#/${pointer}` });
        expect(validate(body), `${method} ${path} ${status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      };

      const worker = new HttpWorker(server, 'doc-w1', ['image.resize']);
      const registered = await worker.register();
      check('post', '/_worker/workers/register', registered.status, registered.body);
      const heartbeat = await worker.heartbeat({ load: 0.5 });
      check('patch', '/_worker/workers/{worker_id}', heartbeat.status, heartbeat.body);
      const created = await server.client.post('/api/v1/jobs/image_pipeline', { initial_data: { url: 'http://x/a.png' } });
      check('post', '/api/v1/jobs/image_pipeline', created.status, created.body);
      const invalid = await server.client.post('/api/v1/jobs/image_pipeline', { initial_data: {} });
      check('post', '/api/v1/jobs/image_pipeline', invalid.status, invalid.body);
      const jobId = (created.body as { job_id: string }).job_id;
      const task = await worker.take();
      check('get', '/_worker/workers/{worker_id}/tasks/next', 200, task);
      const result = await worker.succeed(task);
      check('post', '/_worker/tasks/result', result.status, result.body);
      await server.waitForJob(jobId, (job) => job.status === 'waiting_for_human');
      const decided = await server.client.post(`/_public/webhooks/approval/${jobId}`, { decision: 'approved' });
      check('post', '/_public/webhooks/approval/{job_id}', decided.status, decided.body);
      await server.waitForJob(jobId);
      for (const [path, template] of [
        [`/api/v1/jobs/${jobId}`, '/api/v1/jobs/{job_id}'],
        [`/api/v1/jobs/${jobId}/history`, '/api/v1/jobs/{job_id}/history'],
        ['/api/v1/jobs', '/api/v1/jobs'],
        ['/api/v1/workers', '/api/v1/workers'],
        ['/api/v1/dashboard', '/api/v1/dashboard'],
        ['/api/v1/blueprints', '/api/v1/blueprints'],
        ['/api/v1/blueprints/image_pipeline/states', '/api/v1/blueprints/{blueprint_name}/states'],
        ['/api/v1/jobs/nope', '/api/v1/jobs/{job_id}'],
        ['/_public/status', '/_public/status'],
      ] as const) {
        const reply = await server.client.get(path);
        check('get', template, reply.status, reply.body);
      }
      const second = await server.createJob('image_pipeline', { url: 'http://x/b.png' });
      const cancelled = await server.client.post(`/api/v1/jobs/${second}/cancel`);
      check('post', '/api/v1/jobs/{job_id}/cancel', cancelled.status, cancelled.body);
      const again = await server.client.post(`/api/v1/jobs/${second}/cancel`);
      check('post', '/api/v1/jobs/{job_id}/cancel', again.status, again.body);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('toOpenApiPath', () => {
  it('turns router parameters into OpenAPI templates', () => {
    expect(toOpenApiPath('/_worker/workers/:worker_id/tasks/next')).toBe('/_worker/workers/{worker_id}/tasks/next');
  });

  it('keeps escaped literal characters as written', () => {
    expect(toOpenApiPath('/api/v1/jobs/a\\:b')).toBe('/api/v1/jobs/a:b');
  });
});
