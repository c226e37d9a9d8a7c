/**
 * The JSON Schemas of request bodies (schemas/api/*.json), compiled once with ajv (2020-12, allErrors).
 * The same files feed the OpenAPI document. A violation becomes a 400 whose details list each problem
 * with its JSON path.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ValidationError } from '../errors.js';
import { packageRoot } from './package-root.js';

export const API_SCHEMA_NAMES = [
  'create-job',
  'register-worker',
  'heartbeat',
  'task-result',
  'approval',
  'progress-update',
] as const;
export type ApiSchemaName = (typeof API_SCHEMA_NAMES)[number];

export interface Violation {
  path: string;
  message: string;
}

/** schemas/api of this package, both in src/http (tsx) and in dist/src/http (built). */
export function apiSchemasDir(): string {
  return join(packageRoot(), 'schemas', 'api');
}

/** Every schema of schemas/api by file name without `.json`, for the OpenAPI document. */
export function loadApiSchemas(): Record<string, Record<string, unknown>> {
  const dir = apiSchemasDir();
  const schemas: Record<string, Record<string, unknown>> = {};
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.json')).sort()) {
    schemas[file.slice(0, -'.json'.length)] = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
  }
  return schemas;
}

/** `/a/0/b` -> `$.a[0].b`, the form that messages and details use. */
export function jsonPath(pointer: string, missingProperty?: string): string {
  const parts = pointer === '' ? [] : pointer.slice(1).split('/').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (missingProperty !== undefined) parts.push(missingProperty);
  return parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(part) ? `${path}.${part}` : `${path}[${JSON.stringify(part)}]`), '$');
}

function describe(error: ErrorObject): Violation {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    return { path: jsonPath(error.instancePath, String(params.missingProperty)), message: 'is required' };
  }
  if (error.keyword === 'additionalProperties') {
    return { path: jsonPath(error.instancePath, String(params.additionalProperty)), message: 'is not an allowed property' };
  }
  return { path: jsonPath(error.instancePath), message: error.message ?? error.keyword };
}

export function violations(errors: readonly ErrorObject[] | null | undefined): Violation[] {
  return (errors ?? []).map(describe);
}

export function summarize(what: string, found: readonly Violation[]): string {
  const shown = found.slice(0, 3).map((v) => `${v.path} ${v.message}`).join('; ');
  return `${what}: ${shown}${found.length > 3 ? `; and ${found.length - 3} more` : ''}`;
}

export interface BodyValidator {
  /** Returns the body typed as T, or throws a 400 ValidationError listing every violation. */
  check<T>(name: ApiSchemaName, body: unknown): T;
}

export function createBodyValidator(): BodyValidator {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const compiled = new Map<string, ValidateFunction>();
  for (const [name, schema] of Object.entries(loadApiSchemas())) compiled.set(name, ajv.compile(schema));
  return {
    check<T>(name: ApiSchemaName, body: unknown): T {
      const validate = compiled.get(name);
      if (!validate) throw new Error(`no schema schemas/api/${name}.json`);
      if (!validate(body)) {
        const found = violations(validate.errors);
        throw new ValidationError(summarize('invalid request body', found), found);
      }
      return body as T;
    },
  };
}
