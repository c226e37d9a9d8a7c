/**
 * Expressions and templates: the only logic a blueprint holds. A string whose whole value is `${ ... }`
 * is a JSONata expression (parsed once, when the blueprint loads); any other value is a literal.
 * `evaluateTemplate` is what the engine calls to build params, child input, `set` values and results.
 */
import jsonata from 'jsonata';
import { SwitchyardError } from '../errors.js';
import { SafeRegExp, unsafeRegexIn, unsafeRegexMessage } from './regex-safety.js';
import type { EvaluateOptions, Expression, JsonValue, Scope, Template } from './types.js';

/** Guards against runaway expressions (deep recursion, endless loops) at run time. */
const LIMITS = { timeout: 1000, stack: 500, sequence: 100_000, RegexEngine: SafeRegExp as unknown as RegExpConstructor } as const;

const EXPRESSION = /^\s*\$\{([\s\S]*)\}\s*$/;

/** A run-time failure of one expression; the message names the expression (and where it is written). */
export class ExpressionError extends SwitchyardError {
  constructor(
    readonly expression: string,
    readonly where: string,
    readonly reason: string,
  ) {
    super('EXPRESSION_ERROR', 422, `${where === '' ? '' : `${where}: `}expression ${expression} failed: ${reason}`, {
      expression,
      where,
    });
  }
}

/** A syntax error, with the 0-based index into the source string where it was found. */
export interface ExpressionSyntaxError {
  readonly message: string;
  readonly index: number;
}

/**
 * Parsed JSONata by source text. The load-time check and the compile step then parse each expression
 * once, and equal expressions share one parse. Sharing is safe: every evaluation runs in its own
 * frame, and nothing assigns into the shared environment.
 */
const parsed = new Map<string, jsonata.Expression>();
const MAX_CACHED = 20_000;

function parse(body: string): jsonata.Expression {
  let expression = parsed.get(body);
  if (!expression) {
    expression = jsonata(body, LIMITS);
    if (parsed.size >= MAX_CACHED) parsed.clear();
    parsed.set(body, expression);
  }
  return expression;
}

export function isExpressionString(value: string): boolean {
  return EXPRESSION.test(value);
}

/** The JSONata text inside `${ ... }`, and where it starts in the string. */
export function expressionBody(source: string): { body: string; offset: number } | undefined {
  const m = EXPRESSION.exec(source);
  if (!m || m[1] === undefined) return undefined;
  return { body: m[1], offset: source.indexOf('${') + 2 };
}

/** Parses `${ ... }`; returns the syntax error instead of throwing. */
export function checkExpression(source: string): ExpressionSyntaxError | undefined {
  const parts = expressionBody(source);
  if (!parts) return { message: 'not an expression: write ${ ... }', index: 0 };
  if (parts.body.trim() === '') return { message: 'empty expression', index: parts.offset };
  try {
    // A regex that can backtrack exponentially would run past the time limit inside one step.
    const unsafe = unsafeRegexIn(parse(parts.body).ast());
    return unsafe ? { message: unsafeRegexMessage(unsafe), index: parts.offset } : undefined;
  } catch (error) {
    const e = error as { message?: string; position?: number; token?: string };
    const position = typeof e.position === 'number' ? e.position : 0;
    const index = parts.offset + Math.min(Math.max(position - 1, 0), parts.body.length);
    return { message: e.message ?? String(error), index };
  }
}

/**
 * Compiles `${ ... }` once. `where` (a JSON path like `states.pay.params.url`) is put into the
 * message of any ExpressionError, so a failed job says which expression broke.
 */
export function compileExpression(source: string, where = ''): Expression {
  const parts = expressionBody(source);
  if (!parts) throw new ExpressionError(source, where, 'not an expression: write ${ ... }');
  let compiled: jsonata.Expression;
  try {
    compiled = parse(parts.body);
  } catch (error) {
    throw new ExpressionError(source, where, describe(error));
  }
  const expression: Expression = {
    source,
    async evaluate(scope: Scope, options?: EvaluateOptions): Promise<unknown> {
      try {
        return await compiled.evaluate(scope, options?.now ? clockBindings(options.now) : undefined);
      } catch (error) {
        throw new ExpressionError(source, where, describe(error));
      }
    },
  };
  return Object.freeze(expression);
}

/** Formats epoch milliseconds the way JSONata's own `$now(picture, timezone)` does. */
const fromMillis = jsonata('$fromMillis(ms, picture, timezone)');

/**
 * `$now()` and `$millis()` read the engine's clock instead of the machine's, so a job on a test
 * clock (or replayed) sees the time the engine sees. Bindings shadow the built-ins for one evaluation.
 */
function clockBindings(now: () => number): Record<string, unknown> {
  return {
    now: (picture?: string, timezone?: string) => fromMillis.evaluate({ ms: now(), picture, timezone }),
    millis: () => now(),
  };
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'message' in error && typeof error.message === 'string') {
    const code = 'code' in error && typeof error.code === 'string' ? ` (${error.code})` : '';
    return `${error.message}${code}`;
  }
  return String(error);
}

/** Compiles a value that may hold expressions anywhere inside it. */
export function compileTemplate(value: unknown, where = ''): Template {
  if (typeof value === 'string' && isExpressionString(value)) {
    return Object.freeze({ kind: 'expression', expression: compileExpression(value, where) });
  }
  if (Array.isArray(value)) {
    const items = value.map((v, i) => compileTemplate(v, `${where}[${i}]`));
    return Object.freeze({ kind: 'array', items: Object.freeze(items) });
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(
      ([k, v]) => Object.freeze([k, compileTemplate(v, where === '' ? k : `${where}.${k}`)] as const),
    );
    return Object.freeze({ kind: 'object', entries: Object.freeze(entries) });
  }
  return Object.freeze({ kind: 'literal', value: (value ?? null) as JsonValue });
}

/**
 * Evaluates a template against a scope (initial_data, state_history, job, and a for_each item).
 * An expression keeps the type of its value; an expression that yields nothing gives `undefined`,
 * and such object entries are left out (as JSON would). Throws ExpressionError.
 */
export async function evaluateTemplate(template: Template, scope: Scope, options?: EvaluateOptions): Promise<unknown> {
  switch (template.kind) {
    case 'literal':
      return template.value;
    case 'expression':
      return normalise(await template.expression.evaluate(scope, options));
    case 'array':
      return Promise.all(template.items.map((t) => evaluateTemplate(t, scope, options)));
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, t] of template.entries) {
        const v = await evaluateTemplate(t, scope, options);
        if (v !== undefined) out[key] = v;
      }
      return out;
    }
  }
}

/** JSONata marks its result sequences with extra properties; hand the engine plain JSON values. */
function normalise(value: unknown): unknown {
  if (typeof value === 'function') return undefined;
  if (value === undefined || value === null || typeof value !== 'object') return value;
  return JSON.parse(JSON.stringify(value)) as unknown;
}
