/**
 * Types of the blueprint pipeline: `parse -> validateSchema -> validateGraph -> compile`.
 * `Raw*` types are the YAML as the JSON Schema admits it; `Compiled*` types are what the engine,
 * the DOT/SVG export and the docs page use. The language is specified in docs/blueprint-language.md.
 */
import type { Graph } from '@dagrejs/graphlib';

// ---------- Diagnostics ----------

export interface Diagnostic {
  file: string;
  line: number; // 1-based
  column: number; // 1-based
  /** Dotted JSON path, e.g. `states.pay.transitions.success`; empty for the document itself. */
  path: string;
  message: string;
  /** Which check found it: yaml, schema, graph, expression. */
  check: 'yaml' | 'schema' | 'graph' | 'expression';
}

// ---------- Raw (as written) ----------

/** `500ms`, `30s`, `5m`, `2h`, `1d`, or a number of seconds. */
export type Duration = string | number;

export interface RawRetry {
  max_attempts?: number;
  backoff?: Duration;
  max_backoff?: Duration;
}

export interface Requires {
  gpu?: { model?: string; vram_gb?: number };
  models?: string[];
  cpu_cores?: number;
  memory_gb?: number;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

interface RawStateBase {
  description?: string;
}

export interface RawTaskFields {
  task: string;
  params?: Record<string, JsonValue>;
  priority?: number;
  timeout?: Duration;
  dispatch_timeout?: Duration;
  retry?: RawRetry;
  requires?: Requires;
}

export interface RawTaskState extends RawStateBase, RawTaskFields {
  type: 'task';
  transitions: Record<string, string>;
}

export interface RawChoiceState extends RawStateBase {
  type: 'choice';
  choices: { when: string; next: string }[];
  otherwise?: string;
}

export interface RawParallelBranch extends RawTaskFields {
  name?: string;
}

export interface RawParallelState extends RawStateBase, Partial<RawTaskFields> {
  type: 'parallel';
  branches?: RawParallelBranch[];
  for_each?: string;
  as?: string;
  max_concurrency?: number;
  into?: string;
  next: string;
  on_failure?: 'fail' | 'continue';
}

export interface RawApprovalState extends RawStateBase {
  type: 'approval';
  message?: string;
  timeout?: Duration;
  transitions: Record<string, string>;
}

export interface RawBlueprintState extends RawStateBase {
  type: 'blueprint';
  blueprint: string;
  initial_data?: Record<string, JsonValue> | string;
  transitions: Partial<Record<'finished' | 'failed' | 'cancelled' | 'quarantined', string>>;
}

export interface RawWaitState extends RawStateBase {
  type: 'wait';
  duration?: Duration;
  until?: string;
  next: string;
}

export interface RawSetState extends RawStateBase {
  type: 'set';
  values: Record<string, JsonValue>;
  next: string;
}

export interface RawEndState extends RawStateBase {
  type: 'end';
  status?: 'finished' | 'failed';
  result?: JsonValue;
  error?: string;
}

export type RawState =
  | RawTaskState
  | RawChoiceState
  | RawParallelState
  | RawApprovalState
  | RawBlueprintState
  | RawWaitState
  | RawSetState
  | RawEndState;

export type StateType = RawState['type'];
export const STATE_TYPES = ['task', 'choice', 'parallel', 'approval', 'blueprint', 'wait', 'set', 'end'] as const;

export interface RawBlueprint {
  name: string;
  version?: number;
  description?: string;
  api?: { version?: string; endpoint?: string } | false;
  input?: Record<string, unknown>;
  start: string;
  states: Record<string, RawState>;
  defaults?: { priority?: number; timeout?: Duration; dispatch_timeout?: Duration; retry?: RawRetry };
}

// ---------- Compiled ----------

/** Variables an expression sees: initial_data, state_history, job, and the for_each item by its `as` name. */
export type Scope = Readonly<Record<string, unknown>>;

/** How expressions are evaluated; `now` (epoch ms) is the clock behind JSONata's `$now()` and `$millis()`. */
export interface EvaluateOptions {
  readonly now?: () => number;
}

/** A `${ ... }` JSONata expression, parsed once at load time. */
export interface Expression {
  readonly source: string;
  /** Throws `ExpressionError` (naming the expression) when evaluation fails. */
  evaluate(scope: Scope, options?: EvaluateOptions): Promise<unknown>;
}

/** A value that may hold expressions anywhere inside it (params, initial_data, values, result). */
export type Template =
  | { readonly kind: 'literal'; readonly value: JsonValue }
  | { readonly kind: 'expression'; readonly expression: Expression }
  | { readonly kind: 'object'; readonly entries: ReadonlyArray<readonly [string, Template]> }
  | { readonly kind: 'array'; readonly items: readonly Template[] };

export interface CompiledRetry {
  readonly maxAttempts: number; // default 3
  readonly backoffMs: number; // first delay, doubled per attempt, with jitter
  readonly maxBackoffMs: number;
}

/** Everything needed to queue one task. */
export interface CompiledTaskSpec {
  readonly task: string;
  readonly params: Template;
  readonly priority: number; // 0..9, higher first
  readonly timeoutMs?: number;
  readonly dispatchTimeoutMs?: number;
  readonly retry: CompiledRetry;
  readonly requires?: Requires;
}

interface CompiledStateBase {
  readonly name: string;
  readonly description?: string;
}

export interface CompiledTaskState extends CompiledStateBase {
  readonly type: 'task';
  readonly spec: CompiledTaskSpec;
  readonly transitions: Readonly<Record<string, string>>;
}

export interface CompiledChoiceState extends CompiledStateBase {
  readonly type: 'choice';
  readonly choices: ReadonlyArray<{ readonly when: Expression; readonly next: string }>;
  readonly otherwise?: string;
}

export interface CompiledParallelState extends CompiledStateBase {
  readonly type: 'parallel';
  /** Static branches; exactly one of `branches` and `forEach` is set. */
  readonly branches?: ReadonlyArray<CompiledTaskSpec & { readonly name: string }>;
  readonly forEach?: { readonly items: Expression; readonly as: string; readonly spec: CompiledTaskSpec };
  readonly maxConcurrency?: number;
  readonly into: string; // default `parallel_results`
  readonly next: string;
  readonly onFailure: 'fail' | 'continue';
}

export interface CompiledApprovalState extends CompiledStateBase {
  readonly type: 'approval';
  readonly message?: Template;
  readonly timeoutMs?: number;
  /** Decision -> state; the key `timeout` is taken when the timeout passes. */
  readonly transitions: Readonly<Record<string, string>>;
}

export interface CompiledBlueprintState extends CompiledStateBase {
  readonly type: 'blueprint';
  readonly blueprint: string;
  readonly initialData: Template;
  readonly transitions: Readonly<Partial<Record<'finished' | 'failed' | 'cancelled' | 'quarantined', string>>>;
}

export interface CompiledWaitState extends CompiledStateBase {
  readonly type: 'wait';
  readonly durationMs?: number;
  readonly until?: Expression;
  readonly next: string;
}

export interface CompiledSetState extends CompiledStateBase {
  readonly type: 'set';
  readonly values: ReadonlyArray<readonly [string, Template]>;
  readonly next: string;
}

export interface CompiledEndState extends CompiledStateBase {
  readonly type: 'end';
  readonly status: 'finished' | 'failed';
  readonly result?: Template;
  readonly error?: Template;
}

export type CompiledState =
  | CompiledTaskState
  | CompiledChoiceState
  | CompiledParallelState
  | CompiledApprovalState
  | CompiledBlueprintState
  | CompiledWaitState
  | CompiledSetState
  | CompiledEndState;

/** Node label in the compiled graph. */
export interface GraphNode {
  readonly name: string;
  readonly type: StateType;
  readonly start: boolean;
  /** For `end`: finished or failed; for `parallel`: the number of static branches or `for_each`. */
  readonly detail?: string;
}

/** Edge label in the compiled graph: `kind` says what leads along it. */
export interface GraphEdge {
  readonly kind: 'status' | 'decision' | 'condition' | 'otherwise' | 'next' | 'child';
  /** Status, decision, or the shortened condition. */
  readonly label: string;
}

/** The compiled graph: graph label `{ name }` (the blueprint), nodes `GraphNode`, edges `GraphEdge`. */
export type BlueprintGraph = Graph<{ name: string }, GraphNode, GraphEdge>;

export interface StateSource {
  readonly line: number;
  readonly column: number;
  /** The YAML text of this state as written. */
  readonly yaml: string;
}

export interface CompiledBlueprint {
  readonly name: string;
  readonly version: number;
  readonly description?: string;
  /** null when `api: false` (child-only blueprint). */
  readonly api: { readonly version: string; readonly endpoint: string } | null;
  /** The `input` JSON Schema as written (for OpenAPI), if any. */
  readonly input?: Readonly<Record<string, unknown>>;
  /** Checks initial_data against `input`; each violation with its JSON path. */
  validateInput(data: unknown): ReadonlyArray<{ path: string; message: string }>;
  readonly start: string;
  readonly states: ReadonlyMap<string, CompiledState>;
  /** Nodes are state names labelled `GraphNode`; edges are labelled `GraphEdge` (a multigraph). */
  readonly graph: BlueprintGraph;
  readonly file: string;
  readonly sources: ReadonlyMap<string, StateSource>;
}

/** Overlay for drawing a job's path on the graph. */
export interface GraphOverlay {
  readonly visited: readonly string[];
  readonly current?: string;
  readonly failed?: string;
  /** How often each edge was taken, keyed `from->to`. */
  readonly edgeCounts?: Readonly<Record<string, number>>;
}
