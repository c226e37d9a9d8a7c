/**
 * `GET /api/v1/blueprints/{name}/states`: each state's YAML as written and the expressions in it, for
 * the console's state panel (and any client that wants to show a state's definition). Behind
 * X-Client-Token like the rest of `/api`.
 */
import Router from '@koa/router';
import type { CompiledBlueprint, CompiledState, CompiledTaskSpec, Template } from '../blueprint/types.js';
import type { Engine } from '../engine/api.js';
import { NotFoundError } from '../errors.js';
import type { Config } from '../config.js';
import { createAuthenticator, requireClient } from './auth.js';
import type { AppState } from './context.js';
import { pathParam } from './params.js';
import type { RateLimiter } from './rate-limit.js';

export interface StateExpressionView {
  /** Where in the state, e.g. `params.url`, `choices[0].when`. */
  path: string;
  source: string;
}

export interface StateDetailView {
  name: string;
  type: string;
  line: number;
  column: number;
  yaml: string;
  expressions: StateExpressionView[];
}

function templateExpressions(template: Template | undefined, path: string, out: StateExpressionView[]): void {
  if (!template) return;
  switch (template.kind) {
    case 'literal':
      return;
    case 'expression':
      out.push({ path, source: template.expression.source });
      return;
    case 'object':
      for (const [key, value] of template.entries) templateExpressions(value, path ? `${path}.${key}` : key, out);
      return;
    case 'array':
      template.items.forEach((item, i) => templateExpressions(item, `${path}[${i}]`, out));
      return;
  }
}

function specExpressions(spec: CompiledTaskSpec, prefix: string, out: StateExpressionView[]): void {
  templateExpressions(spec.params, `${prefix}params`, out);
}

/** Every expression of a compiled state, in the order the YAML keys are usually written. */
export function stateExpressions(state: CompiledState): StateExpressionView[] {
  const out: StateExpressionView[] = [];
  switch (state.type) {
    case 'task':
      specExpressions(state.spec, '', out);
      break;
    case 'choice':
      state.choices.forEach((choice, i) => out.push({ path: `choices[${i}].when`, source: choice.when.source }));
      break;
    case 'parallel':
      if (state.forEach) {
        out.push({ path: 'for_each', source: state.forEach.items.source });
        specExpressions(state.forEach.spec, '', out);
      }
      state.branches?.forEach((branch, i) => specExpressions(branch, `branches[${i}].`, out));
      break;
    case 'approval':
      templateExpressions(state.message, 'message', out);
      break;
    case 'blueprint':
      templateExpressions(state.initialData, 'initial_data', out);
      break;
    case 'wait':
      if (state.until) out.push({ path: 'until', source: state.until.source });
      break;
    case 'set':
      for (const [key, value] of state.values) templateExpressions(value, `values.${key}`, out);
      break;
    case 'end':
      templateExpressions(state.result, 'result', out);
      templateExpressions(state.error, 'error', out);
      break;
  }
  return out;
}

export function blueprintStates(blueprint: CompiledBlueprint): StateDetailView[] {
  return [...blueprint.states.values()].map((state) => {
    const source = blueprint.sources.get(state.name);
    return {
      name: state.name,
      type: state.type,
      line: source?.line ?? 0,
      column: source?.column ?? 0,
      yaml: source?.yaml ?? '',
      expressions: stateExpressions(state),
    };
  });
}

export interface ConsoleApiOptions {
  engine: Engine;
  /** The same token configuration the app uses, so the same client tokens are accepted. */
  config: Pick<Config, 'clients' | 'globalWorkerTokenHash' | 'workers'>;
  /** The app's client rate limiter (RATE_LIMIT_CLIENT), shared with the other /api routes. */
  limiter?: RateLimiter;
}

export function createConsoleApiRouter({ engine, config, limiter }: ConsoleApiOptions): Router<AppState> {
  const router = new Router<AppState>();
  const limit = async (ctx: { state: AppState }, next: () => Promise<unknown>): Promise<void> => {
    if (ctx.state.client) limiter?.take(ctx.state.client.id);
    await next();
  };
  router.get('/api/v1/blueprints/:blueprint_name/states', requireClient(createAuthenticator(config)), limit, (ctx) => {
    const name = pathParam(ctx.params, 'blueprint_name');
    const blueprint = engine.blueprints.get(name);
    if (!blueprint) {
      throw new NotFoundError(`blueprint "${name}" is not loaded; GET /api/v1/blueprints lists the loaded ones`, { blueprint: name });
    }
    ctx.body = { blueprint: blueprint.name, version: blueprint.version, start: blueprint.start, states: blueprintStates(blueprint) };
  });
  return router;
}
