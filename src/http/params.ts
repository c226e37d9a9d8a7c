/** Reading query strings and path parameters: one value each, or a 400 that names the parameter. */
import { BadRequestError } from '../errors.js';
import type { AppContext } from './context.js';

export function queryString(ctx: AppContext, name: string): string | undefined {
  const value = ctx.query[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new BadRequestError(`query parameter "${name}" is given ${value.length} times; give it once`, { parameter: name });
  return value;
}

export function queryNumber(ctx: AppContext, name: string, min: number, max: number, integer: boolean): number | undefined {
  const text = queryString(ctx, name);
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new BadRequestError(
      `query parameter "${name}" must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(text)}`,
      { parameter: name },
    );
  }
  return value;
}

export function queryChoice<T extends string>(ctx: AppContext, name: string, allowed: readonly T[]): T | undefined {
  const text = queryString(ctx, name);
  if (text === undefined || text === '') return undefined;
  if (!(allowed as readonly string[]).includes(text)) {
    throw new BadRequestError(`query parameter "${name}" must be one of ${allowed.join(', ')}, got ${JSON.stringify(text)}`, {
      parameter: name,
      allowed,
    });
  }
  return text as T;
}

/** Path parameters are decoded by the router; this bounds their size so ids stay ids. */
export function pathParam(params: Record<string, string | undefined>, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw new BadRequestError(`path parameter "${name}" is empty`);
  if (value.length > 200) throw new BadRequestError(`path parameter "${name}" is longer than 200 characters`);
  return value;
}
