/**
 * The OpenAPI 3.1 document of one app, built once at start from the app's routes and every loaded
 * blueprint: each blueprint's create endpoint gets its `input` schema as `initial_data` and its graph
 * drawn as an SVG in the description. Request bodies reuse the JSON Schemas the server validates with
 * (schemas/api), so the document and the validation cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { blueprintSvg } from '../blueprint/index.js';
import type { CompiledBlueprint } from '../blueprint/types.js';
import { createPath } from './client-routes.js';
import { packageRoot } from './package-root.js';
import { RESPONSE_SCHEMAS, errorResponses, fixedOperations, jsonResponse, ref, type JsonObject } from './openapi-operations.js';
import { loadApiSchemas } from './schemas.js';

/** A route as the app's routers registered it (@koa/router template syntax: `/jobs/:job_id`). */
export interface RouteInfo {
  method: string;
  path: string;
}

export interface BuildOpenApiOptions {
  blueprints: Iterable<CompiledBlueprint>;
  /**
   * The routes the app serves. Given: the document holds exactly those (documented ones with their
   * schemas, others with their path parameters only). Omitted: every documented operation.
   */
  routes?: readonly RouteInfo[];
  /** Draws a blueprint's graph as an SVG document; default: the blueprint layer's DOT rendered by Graphviz (viz.js). */
  graphSvg?: (blueprint: CompiledBlueprint) => Promise<string>;
  /** Default: the version in package.json. */
  version?: string;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Routes under these serve the files of a page (Swagger UI, the console), not API operations. */
const STATIC_PREFIXES = ['/_public/docs/', '/_public/console/'];

export const SECURITY_SCHEMES = {
  ClientToken: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Client-Token',
    description: 'The client token (CLIENT_TOKEN, or one of CLIENTS_CONFIG). Required on /api.',
  },
  WorkerToken: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Worker-Token',
    description: 'GLOBAL_WORKER_TOKEN, or the worker’s own token from WORKERS_CONFIG. Required on /_worker.',
  },
} as const;

/** Which token a path needs: the reference puts /api behind the client token and /_worker behind the worker token. */
function securityFor(path: string): JsonObject[] {
  if (path.startsWith('/api/')) return [{ ClientToken: [] }];
  if (path.startsWith('/_worker/')) return [{ WorkerToken: [] }];
  return [];
}

/** `/jobs/:job_id` -> `/jobs/{job_id}`; escaped literal characters (`\:`) lose their backslash. */
export function toOpenApiPath(koaPath: string): string {
  return koaPath
    .replace(/(?<!\\)[:*]([A-Za-z_$][A-Za-z0-9_$]*)/g, '{$1}')
    .replace(/\\(.)/g, '$1');
}

/** Names of the `{param}` placeholders of an OpenAPI path. */
function pathParams(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? '');
}

/** A component name OpenAPI accepts (`^[A-Za-z0-9._-]+$`). */
function componentName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/**
 * Puts a standalone JSON Schema into `components.schemas` under `name`. Its `$id`/`$schema` go (the
 * document is the resource now), and its local `$defs`/`definitions` move next to it as `name.def`
 * with every `#/$defs/...` reference rewritten, because viewers resolve `#/...` against the document.
 */
function addSchema(components: Record<string, unknown>, name: string, schema: Readonly<Record<string, unknown>>): JsonObject {
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    const out: JsonObject = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') {
        out[key] = inner.replace(/^#\/(\$defs|definitions)\/([^/]+)/, (_m, _kind, def: string) => `#/components/schemas/${name}.${componentName(def)}`);
      } else {
        out[key] = rewrite(inner);
      }
    }
    return out;
  };
  const { $id: _id, $schema: _schema, $defs, definitions, ...body } = schema;
  for (const defs of [$defs, definitions]) {
    if (defs && typeof defs === 'object') {
      for (const [def, defSchema] of Object.entries(defs)) components[`${name}.${componentName(def)}`] = rewrite(defSchema);
    }
  }
  components[name] = rewrite(body);
  return ref(name);
}

function packageVersion(): string {
  const version = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown }).version;
  return typeof version === 'string' ? version : '0.0.0';
}

/**
 * A blueprint's graph as an <img>. Swagger UI's markdown renderer drops `data:` links in `![]()` but
 * its sanitizer keeps them on a raw <img>, so the graph is inline HTML: no file to serve, no request
 * leaves the page.
 */
function graphImage(blueprint: CompiledBlueprint, svg: string): string {
  return `<img alt="graph of ${blueprint.name}" src="data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}" style="max-width:100%">`;
}

/** Markdown description of a blueprint's create endpoint, with its graph. */
function blueprintDescription(blueprint: CompiledBlueprint, svg: string): string {
  const image = graphImage(blueprint, svg);
  const lines = [
    blueprint.description ?? '',
    `Creates a job of blueprint \`${blueprint.name}\` (version ${blueprint.version}, ${blueprint.states.size} states, starts at \`${blueprint.start}\`).`,
    'A job that its `initial_data` does not fit gets `400` listing each violation with its JSON path.',
    image,
  ];
  return lines.filter(Boolean).join('\n\n');
}

function createOperation(blueprint: CompiledBlueprint, inputRef: JsonObject, createJob: JsonObject, svg: string): JsonObject {
  const required = Array.isArray(blueprint.input?.required) && blueprint.input.required.length > 0;
  const createJobProperties = (createJob.properties ?? {}) as JsonObject;
  return {
    tags: ['Blueprints'],
    operationId: `create_${componentName(blueprint.name)}`,
    summary: `Start a job of blueprint ${blueprint.name}`,
    description: blueprintDescription(blueprint, svg),
    parameters: [
      {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: 'A repeat of a request with the same key answers the first job’s id instead of starting another job.',
        schema: { type: 'string', maxLength: 200 },
      },
    ],
    requestBody: {
      required,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            ...(required ? { required: ['initial_data'] } : {}),
            properties: { ...createJobProperties, initial_data: inputRef },
            additionalProperties: false,
          },
        },
      },
    },
    responses: {
      '202': jsonResponse('Accepted: the job was created and started.', ref('JobAccepted')),
      ...errorResponses(400, 401, 413, 415),
    },
    security: securityFor('/api/'),
  };
}

/** An operation for a route the catalogue does not describe: its path parameters, nothing more. */
function bareOperation(method: string, path: string): JsonObject {
  return {
    summary: `${method.toUpperCase()} ${path}`,
    parameters: pathParams(path).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
    responses: { default: { description: 'See the reference.' } },
  };
}

export async function buildOpenApi(options: BuildOpenApiOptions): Promise<JsonObject> {
  const graphSvg = options.graphSvg ?? blueprintSvg;
  const schemas: Record<string, unknown> = { ...RESPONSE_SCHEMAS };
  const requestRefs = new Map<string, JsonObject>();
  const apiSchemas = loadApiSchemas();
  for (const [file, schema] of Object.entries(apiSchemas)) {
    const name = componentName(typeof schema.title === 'string' ? schema.title : pascal(file));
    requestRefs.set(file, addSchema(schemas, name, schema));
  }
  const requestRef = (file: string): JsonObject => {
    const found = requestRefs.get(file);
    if (!found) throw new Error(`schemas/api/${file}.json is missing; the OpenAPI document references it`);
    return found;
  };
  const fixed = fixedOperations(requestRef);

  const blueprints = [...options.blueprints].sort((a, b) => a.name.localeCompare(b.name));
  const creates = new Map<string, JsonObject>();
  const childOnly: string[] = [];
  for (const blueprint of blueprints) {
    const path = createPath(blueprint);
    if (path === null) {
      // No endpoint to hang the graph on: it goes into the document's description, folded.
      const title = `<code>${blueprint.name}</code>${blueprint.description ? `: ${escapeHtml(blueprint.description)}` : ''}`;
      childOnly.push(`<details><summary>${title}</summary>\n\n${graphImage(blueprint, await graphSvg(blueprint))}\n\n</details>`);
      continue;
    }
    let inputName = `${componentName(pascal(blueprint.name))}Input`;
    // `a_b` and `a-b` would both be `AbInput`; the second gets the full name instead.
    if (inputName in schemas) inputName = `${componentName(blueprint.name)}.input`;
    const inputRef = blueprint.input
      ? addSchema(schemas, inputName, blueprint.input)
      : { type: 'object', description: 'This blueprint declares no input schema; any object is accepted.' };
    creates.set(path, createOperation(blueprint, inputRef, apiSchemas['create-job'] ?? {}, await graphSvg(blueprint)));
  }

  const paths: Record<string, Record<string, unknown>> = {};
  const put = (method: string, path: string, operation: JsonObject): void => {
    const entry = (paths[path] ??= {});
    const security = (operation.security as JsonObject[] | undefined) ?? securityFor(path);
    // Every request behind a token can be refused for the token, and (but the WebSocket upgrade, which
    // the HTTP server answers) rate-limited per token.
    const given = operation.responses as JsonObject;
    const implied = security.length === 0 ? [] : '101' in given ? [401] : [401, 429];
    const responses = { ...errorResponses(...implied), ...given };
    entry[method] = { ...operation, responses, security };
  };

  if (options.routes) {
    for (const route of options.routes) {
      const method = route.method.toLowerCase();
      if (!(METHODS as readonly string[]).includes(method)) continue;
      const path = toOpenApiPath(route.path);
      if (STATIC_PREFIXES.some((prefix) => path.startsWith(prefix))) continue;
      const operation = (method === 'post' ? creates.get(path) : undefined) ?? fixed[`${method.toUpperCase()} ${path}`];
      put(method, path, operation ?? bareOperation(method, path));
    }
    // The WebSocket upgrade is answered by the HTTP server, not by a Koa route, so no router lists it.
    for (const [key, operation] of Object.entries(fixed)) {
      const [method = '', path = ''] = key.split(' ');
      const responses = operation.responses as JsonObject;
      if ('101' in responses) put(method.toLowerCase(), path, operation);
    }
  } else {
    for (const [key, operation] of Object.entries(fixed)) {
      const [method = '', path = ''] = key.split(' ');
      put(method.toLowerCase(), path, operation);
    }
    for (const [path, operation] of creates) put('post', path, operation);
  }

  const sortedPaths = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchyard',
      version: options.version ?? packageVersion(),
      description: [
        'A declarative workflow runtime. Clients start jobs under `/api` with `X-Client-Token`; workers take tasks under `/_worker` with `X-Worker-Token`. Press **Authorize** to set the tokens that "Try it out" sends. Each blueprint’s create endpoint below shows its graph.',
        ...(childOnly.length > 0 ? ['**Blueprints that only run as children** (no create endpoint):', ...childOnly] : []),
      ].join('\n\n'),
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'Blueprints', description: 'Create a job of a loaded blueprint.' },
      { name: 'Client', description: 'Follow and control jobs (X-Client-Token).' },
      { name: 'Worker', description: 'Register, take tasks and post results (X-Worker-Token).' },
      { name: 'Public', description: 'No token needed.' },
    ],
    paths: sortedPaths,
    components: { schemas, securitySchemes: SECURITY_SCHEMES },
  };
}

/** The routes registered on @koa/router routers, for `BuildOpenApiOptions.routes`. */
export function routesOf(...routers: ReadonlyArray<{ stack: ReadonlyArray<{ methods: readonly string[]; path: string | RegExp }> }>): RouteInfo[] {
  const routes: RouteInfo[] = [];
  for (const router of routers) {
    for (const layer of router.stack) {
      if (typeof layer.path !== 'string') continue;
      for (const method of layer.methods) if (method !== 'HEAD') routes.push({ method, path: layer.path });
    }
  }
  return routes;
}
