/**
 * Stage 5: a blueprint that passed every check becomes a frozen CompiledBlueprint: durations in
 * milliseconds, defaults applied, expressions compiled once, the `input` validator, sources, the graph.
 *
 * Defaults: version 1; api { version: v1, endpoint: /jobs/<name> }; task priority 0; retry
 * { max_attempts: 3, backoff: 1s, max_backoff: 5m }; no timeout or dispatch_timeout; params {};
 * parallel into `parallel_results`, on_failure `fail`, no max_concurrency; end status `finished`.
 * A blueprint's `defaults` (field by field for `retry`) come between the state's own value and these.
 */
import { durationMs } from './duration.js';
import { buildGraph } from './graph.js';
import { createInputValidator } from './input-schema.js';
import type { ParsedFile } from './parse.js';
import { branchName } from './raw-state.js';
import { compileExpression, compileTemplate } from './template.js';
import type {
  CompiledBlueprint,
  CompiledRetry,
  CompiledState,
  CompiledTaskSpec,
  RawBlueprint,
  RawState,
  RawTaskFields,
  StateSource,
} from './types.js';

export const DEFAULT_PRIORITY = 0;
export const DEFAULT_RETRY = Object.freeze({ maxAttempts: 3, backoffMs: 1000, maxBackoffMs: 5 * 60_000 });
export const DEFAULT_INTO = 'parallel_results';
export const DEFAULT_API_VERSION = 'v1';

export function compileBlueprint(parsed: ParsedFile, raw: RawBlueprint): CompiledBlueprint {
  const states = new Map<string, CompiledState>();
  const sources = new Map<string, StateSource>();
  for (const [name, state] of Object.entries(raw.states)) {
    states.set(name, compileState(name, state, raw));
    const position = parsed.locate(['states', name], 'key');
    sources.set(name, Object.freeze({ ...position, yaml: parsed.sourceText(['states', name]) }));
  }
  const api =
    raw.api === false
      ? null
      : Object.freeze({
          version: raw.api?.version ?? DEFAULT_API_VERSION,
          endpoint: raw.api?.endpoint ?? `/jobs/${raw.name}`,
        });
  const validateInput = createInputValidator(raw.input);
  const compiled: CompiledBlueprint = {
    name: raw.name,
    version: raw.version ?? 1,
    ...(raw.description !== undefined ? { description: raw.description } : {}),
    api,
    ...(raw.input !== undefined ? { input: deepFreeze(structuredClone(raw.input)) } : {}),
    validateInput,
    start: raw.start,
    states,
    graph: buildGraph(raw.name, raw.start, raw.states),
    file: parsed.file,
    sources,
  };
  return Object.freeze(compiled);
}

function compileState(name: string, raw: RawState, blueprint: RawBlueprint): CompiledState {
  const where = `states.${name}`;
  const base = { name, ...(raw.description !== undefined ? { description: raw.description } : {}) };
  switch (raw.type) {
    case 'task':
      return Object.freeze({
        ...base,
        type: 'task',
        spec: compileTaskSpec(raw, blueprint, where),
        transitions: Object.freeze({ ...raw.transitions }),
      });
    case 'choice':
      return Object.freeze({
        ...base,
        type: 'choice',
        choices: Object.freeze(
          raw.choices.map((c, i) =>
            Object.freeze({ when: compileExpression(c.when, `${where}.choices[${i}].when`), next: c.next }),
          ),
        ),
        ...(raw.otherwise !== undefined ? { otherwise: raw.otherwise } : {}),
      });
    case 'parallel': {
      const common = {
        ...base,
        type: 'parallel' as const,
        ...(raw.max_concurrency !== undefined ? { maxConcurrency: raw.max_concurrency } : {}),
        into: raw.into ?? DEFAULT_INTO,
        next: raw.next,
        onFailure: raw.on_failure ?? 'fail',
      };
      if (raw.for_each !== undefined) {
        const fields: RawTaskFields = { ...raw, task: raw.task ?? '' };
        return Object.freeze({
          ...common,
          forEach: Object.freeze({
            items: compileExpression(raw.for_each, `${where}.for_each`),
            as: raw.as ?? 'item',
            spec: compileTaskSpec(fields, blueprint, where),
          }),
        });
      }
      return Object.freeze({
        ...common,
        branches: Object.freeze(
          (raw.branches ?? []).map((b, i) =>
            Object.freeze({ ...compileTaskSpec(b, blueprint, `${where}.branches[${i}]`), name: branchName(b, i) }),
          ),
        ),
      });
    }
    case 'approval':
      return Object.freeze({
        ...base,
        type: 'approval',
        ...(raw.message !== undefined ? { message: compileTemplate(raw.message, `${where}.message`) } : {}),
        ...(raw.timeout !== undefined ? { timeoutMs: durationMs(raw.timeout) } : {}),
        transitions: Object.freeze({ ...raw.transitions }),
      });
    case 'blueprint':
      return Object.freeze({
        ...base,
        type: 'blueprint',
        blueprint: raw.blueprint,
        initialData: compileTemplate(raw.initial_data ?? {}, `${where}.initial_data`),
        transitions: Object.freeze({ ...raw.transitions }),
      });
    case 'wait':
      return Object.freeze({
        ...base,
        type: 'wait',
        ...(raw.duration !== undefined ? { durationMs: durationMs(raw.duration) } : {}),
        ...(raw.until !== undefined ? { until: compileExpression(raw.until, `${where}.until`) } : {}),
        next: raw.next,
      });
    case 'set':
      return Object.freeze({
        ...base,
        type: 'set',
        values: Object.freeze(
          Object.entries(raw.values).map(([k, v]) => Object.freeze([k, compileTemplate(v, `${where}.values.${k}`)] as const)),
        ),
        next: raw.next,
      });
    case 'end':
      return Object.freeze({
        ...base,
        type: 'end',
        status: raw.status ?? 'finished',
        ...(raw.result !== undefined ? { result: compileTemplate(raw.result, `${where}.result`) } : {}),
        ...(raw.error !== undefined ? { error: compileTemplate(raw.error, `${where}.error`) } : {}),
      });
  }
}

function compileTaskSpec(raw: RawTaskFields, blueprint: RawBlueprint, where: string): CompiledTaskSpec {
  const defaults = blueprint.defaults ?? {};
  const timeout = raw.timeout ?? defaults.timeout;
  const dispatchTimeout = raw.dispatch_timeout ?? defaults.dispatch_timeout;
  const retry = { ...defaults.retry, ...raw.retry };
  const compiledRetry: CompiledRetry = Object.freeze({
    maxAttempts: retry.max_attempts ?? DEFAULT_RETRY.maxAttempts,
    backoffMs: retry.backoff !== undefined ? durationMs(retry.backoff) : DEFAULT_RETRY.backoffMs,
    maxBackoffMs: retry.max_backoff !== undefined ? durationMs(retry.max_backoff) : DEFAULT_RETRY.maxBackoffMs,
  });
  return Object.freeze({
    task: raw.task,
    params: compileTemplate(raw.params ?? {}, `${where}.params`),
    priority: raw.priority ?? defaults.priority ?? DEFAULT_PRIORITY,
    ...(timeout !== undefined ? { timeoutMs: durationMs(timeout) } : {}),
    ...(dispatchTimeout !== undefined ? { dispatchTimeoutMs: durationMs(dispatchTimeout) } : {}),
    retry: compiledRetry,
    ...(raw.requires !== undefined ? { requires: deepFreeze(structuredClone(raw.requires)) } : {}),
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
