/**
 * The `input` of a blueprint is a JSON Schema for `initial_data`. It is checked as a schema when the
 * blueprint loads, and compiled once into `validateInput`, which lists every violation with its path.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { didYouMean, formatPath } from './diagnostics.js';
import type { ParsedFile, PathSegment } from './parse.js';
import type { Diagnostic } from './types.js';

export type InputViolation = { path: string; message: string };
export type InputValidator = (data: unknown) => ReadonlyArray<InputViolation>;

let shared: Ajv2020 | undefined;
function inputAjv(): Ajv2020 {
  if (!shared) {
    // Not strict: authors write schemas for their data, and unknown annotation keywords are harmless there.
    shared = new Ajv2020({ allErrors: true, strict: false, verbose: true });
    // ajv-formats is CommonJS: under NodeNext its default import is the module, whose `default` is the plugin.
    addFormats.default(shared);
  }
  return shared;
}

/** Problems of the `input` schema itself, placed at their line in the blueprint. */
export function checkInputSchema(parsed: ParsedFile, input: unknown): Diagnostic[] {
  if (input === undefined || input === null || typeof input !== 'object' || Array.isArray(input)) return [];
  const ajv = inputAjv();
  const out: Diagnostic[] = [];
  if (!ajv.validateSchema(input)) {
    // The meta-schema says `type` is "one of the names, or an array of them": one problem, two
    // errors. Keep one per place, the enum (it can name the valid values) before the others.
    const errors = [...(ajv.errors ?? [])].filter((e) => !['if', '$dynamicRef', 'anyOf', 'oneOf'].includes(e.keyword));
    errors.sort((a, b) => Number(b.keyword === 'enum') - Number(a.keyword === 'enum'));
    const done = new Set<string>();
    for (const e of errors) {
      if (done.has(e.instancePath)) continue;
      done.add(e.instancePath);
      const path: PathSegment[] = ['input', ...pointerSegments(e.instancePath)];
      out.push({
        file: parsed.file,
        ...parsed.locate(path),
        path: formatPath(path),
        check: 'schema',
        message: `not a valid JSON Schema: ${metaMessage(e)}`,
      });
    }
    return out;
  }
  try {
    ajv.compile(input);
  } catch (error) {
    out.push({
      file: parsed.file,
      ...parsed.locate(['input']),
      path: 'input',
      check: 'schema',
      message: `not a usable JSON Schema: ${(error as Error).message}`,
    });
  }
  return out;
}

function metaMessage(e: ErrorObject): string {
  if (e.keyword === 'enum') {
    const allowed = (e.params.allowedValues as unknown[]).map(String);
    const value = typeof e.data === 'string' ? e.data : (JSON.stringify(e.data) ?? '');
    return `${JSON.stringify(e.data)} is not allowed${didYouMean(value, allowed)}; use one of: ${allowed.join(', ')}`;
  }
  return e.message ?? e.keyword;
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Compiles the `input` schema (already checked); without one, any object is accepted. */
export function createInputValidator(input: Readonly<Record<string, unknown>> | undefined): InputValidator {
  if (input === undefined) {
    return (data) =>
      data !== null && typeof data === 'object' && !Array.isArray(data)
        ? []
        : [{ path: 'initial_data', message: 'must be an object' }];
  }
  const validate = inputAjv().compile(input);
  return (data) => {
    if (validate(data)) return [];
    return (validate.errors ?? []).map(toViolation);
  };
}

function toViolation(e: ErrorObject): InputViolation {
  const segments: (string | number)[] = ['initial_data'];
  for (const s of pointerSegments(e.instancePath)) segments.push(/^\d+$/.test(s) ? Number(s) : s);
  if (e.keyword === 'required') {
    segments.push(String(e.params.missingProperty));
    return { path: formatPath(segments), message: 'is required' };
  }
  if (e.keyword === 'additionalProperties') {
    segments.push(String(e.params.additionalProperty));
    return { path: formatPath(segments), message: 'is not allowed' };
  }
  return { path: formatPath(segments), message: e.message ?? `fails "${e.keyword}"` };
}
