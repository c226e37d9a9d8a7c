/**
 * Stage 2: the JSON Schema. Ajv reports every error; this stage turns them into one clear message per
 * problem, placed at the YAML node: a state is judged only against the branch its `type` names (the
 * schema's if/then), unknown keys get "did you mean", and an unknown `type` lists the valid ones.
 */

import { didYouMean, formatPath, suggest } from './diagnostics.js';
import type { ParsedFile, PathSegment } from './parse.js';
import { blueprintValidator } from './schema.js';
import { STATE_TYPES } from './types.js';
import type { Diagnostic } from './types.js';

interface SchemaLike {
  properties?: Record<string, unknown>;
  patternErrorMessage?: string;
  errorMessage?: string;
  pattern?: string;
  required?: string[];
}

export function validateSchema(parsed: ParsedFile): Diagnostic[] {
  if (parsed.value === null || parsed.value === undefined) {
    const message = 'the file is empty: a blueprint needs at least name, start and states';
    return [{ file: parsed.file, line: 1, column: 1, path: '', check: 'schema', message }];
  }
  const validate = blueprintValidator();
  if (validate(parsed.value)) return [];
  const errors = validate.errors ?? [];
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  const push = (path: PathSegment[], part: 'key' | 'value', message: string): void => {
    const dotted = formatPath(path);
    const id = `${dotted}\0${message}`;
    if (seen.has(id)) return;
    seen.add(id);
    out.push({ file: parsed.file, ...parsed.locate(path, part), path: dotted, check: 'schema', message });
  };

  // A misspelt key also makes the key it was meant to be "missing"; report the misspelling only.
  const misspelt = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'additionalProperties') continue;
    const key = String(e.params.additionalProperty);
    const s = suggest(key, Object.keys((e.parentSchema as SchemaLike).properties ?? {}));
    if (s !== undefined) misspelt.add(`${e.instancePath}\0${s}`);
  }

  for (const e of errors) {
    const path = toPath(e.instancePath, parsed.value);
    const value = valueAt(parsed.value, path);
    const schema = (e.parentSchema ?? {}) as SchemaLike;
    switch (e.keyword) {
      case 'if':
        // "must match then": the branch's own errors are reported instead.
        break;
      case 'additionalProperties': {
        const key = String(e.params.additionalProperty);
        const allowed = Object.keys(schema.properties ?? {});
        const hint = didYouMean(key, allowed);
        const where = stateTypeOf(path, parsed.value);
        const list = hint === '' && allowed.length > 0 ? `; allowed keys${where}: ${allowed.join(', ')}` : '';
        push([...path, key], 'key', `unknown key "${key}"${hint}${list}`);
        break;
      }
      case 'required': {
        const key = String(e.params.missingProperty);
        if (misspelt.has(`${e.instancePath}\0${key}`)) break;
        const where = stateTypeOf(path, parsed.value);
        push(path, 'key', `missing required key "${key}"${where === '' ? '' : ` (required${where})`}`);
        break;
      }
      case 'dependentRequired':
        push(
          [...path, String(e.params.property)],
          'key',
          `"${String(e.params.property)}" needs "${String(e.params.missingProperty)}" as well`,
        );
        break;
      case 'enum': {
        const allowed = (e.params.allowedValues as unknown[]).map(String);
        if (isStateTypePath(path)) {
          push(
            path,
            'value',
            `unknown state type ${JSON.stringify(value)}${didYouMean(asText(value), STATE_TYPES)}; valid types: ${STATE_TYPES.join(', ')}`,
          );
        } else {
          push(
            path,
            'value',
            `${JSON.stringify(value)} is not allowed${didYouMean(asText(value), allowed)}; use one of: ${allowed.join(', ')}`,
          );
        }
        break;
      }
      case 'const':
        push(path, 'value', `must be ${JSON.stringify(e.params.allowedValue)}`);
        break;
      case 'type':
        push(path, 'value', schema.errorMessage ?? `must be ${describeTypes(e.params.type)}, not ${describeValue(value)}`);
        break;
      case 'not':
        push(path, 'value', schema.errorMessage ?? `must not be ${JSON.stringify(value)}`);
        break;
      case 'pattern':
        // A pattern failing on an object is the inner error of `propertyNames`, reported below.
        if (typeof value !== 'string') break;
        push(path, 'value', `${JSON.stringify(value)} ${schema.patternErrorMessage ?? `must match ${String(e.params.pattern)}`}`);
        break;
      case 'propertyNames': {
        const name = String(e.params.propertyName);
        const inner = errors.find((x) => x.instancePath === e.instancePath && x.keyword === 'pattern' && x !== e);
        const why = (inner?.parentSchema as SchemaLike | undefined)?.patternErrorMessage ?? 'is not a valid name';
        push([...path, name], 'key', `"${name}" ${why}`);
        break;
      }
      case 'minimum':
      case 'maximum':
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        push(path, 'value', `must be ${String(e.params.comparison)} ${String(e.params.limit)}, not ${JSON.stringify(value)}`);
        break;
      case 'minItems':
      case 'minProperties':
        push(path, 'value', 'must not be empty');
        break;
      default:
        push(path, 'value', e.message ?? `fails the schema rule "${e.keyword}"`);
    }
  }
  return out;
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

function toPath(pointer: string, root: unknown): PathSegment[] {
  if (pointer === '') return [];
  const out: PathSegment[] = [];
  let node = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      out.push(Number(key));
      node = node[Number(key)];
    } else {
      out.push(key);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return out;
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let node = root;
  for (const s of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[s];
  }
  return node;
}

function isStateTypePath(path: readonly PathSegment[]): boolean {
  return path.length === 3 && path[0] === 'states' && path[2] === 'type';
}

/** ` for a task state` when `path` is a state with a known type, else the empty string. */
function stateTypeOf(path: readonly PathSegment[], root: unknown): string {
  if (path.length !== 2 || path[0] !== 'states') return '';
  const type = valueAt(root, [...path, 'type']);
  if (typeof type !== 'string' || !(STATE_TYPES as readonly string[]).includes(type)) return '';
  return ` for ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type} state`;
}

function describeTypes(types: unknown): string {
  const list = String(types).split(',');
  const named = list.map((t) => (t === 'object' ? 'a mapping' : t === 'array' ? 'a list' : t === 'integer' ? 'an integer' : `a ${t}`));
  return named.join(' or ');
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

