/**
 * Request bodies: JSON only, parsed by @koa/bodyparser. A body of another content type is 415, bad
 * JSON is 400 naming the parse problem, a body past MAX_BODY is 413, a body nested deeper than
 * MAX_JSON_DEPTH is 400. An empty body leaves `ctx.state.body` undefined (PATCH uses that for a ping).
 */
import { bodyParser } from '@koa/bodyparser';
import type { Next } from 'koa';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.js';
import type { AppContext } from './context.js';

export const MAX_JSON_DEPTH = 64;
const METHODS_WITH_BODY = ['POST', 'PUT', 'PATCH'];

function hasBody(ctx: AppContext): boolean {
  const length = ctx.get('content-length');
  if (length !== '') return Number(length) > 0;
  return ctx.get('transfer-encoding') !== '';
}

function isJson(ctx: AppContext): boolean {
  return ctx.is('application/json', 'application/*+json') !== false;
}

/** Depth of nested arrays/objects, walked without recursion so a hostile body cannot blow the stack. */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function parseError(error: unknown, maxBodyBytes: number): Error {
  const { status, type, message } = error as { status?: number; type?: string; message?: string };
  if (status === 413 || type === 'entity.too.large') {
    return new PayloadTooLargeError(`request body is larger than MAX_BODY (${maxBodyBytes} bytes)`);
  }
  if (status === 415 || type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new UnsupportedMediaTypeError(`unsupported body encoding: ${message ?? 'unknown'}; send UTF-8 JSON`);
  }
  const code = (error as { code?: unknown }).code;
  if ((typeof code === 'string' && code.startsWith('Z_')) || /decompression/i.test(message ?? '')) {
    return new BadRequestError(`the body could not be decoded by its Content-Encoding (${message ?? 'unknown'}); send it uncompressed or valid gzip/deflate/br`, undefined, 'BAD_CONTENT_ENCODING');
  }
  if (type === 'request.aborted') return new BadRequestError('the request body was cut off before its end', undefined, 'BODY_ABORTED');
  return new BadRequestError(`request body is not valid JSON: ${message ?? 'parse error'}`, undefined, 'INVALID_JSON');
}

export function bodyMiddleware(maxBodyBytes: number) {
  const parse = bodyParser({
    enableTypes: ['json'],
    jsonLimit: maxBodyBytes,
    jsonStrict: true,
    // Not `extendTypes`: it merges arrays by index and would drop application/json.
    detectJSON: (ctx) => isJson(ctx as AppContext),
    onError: (error) => {
      throw parseError(error, maxBodyBytes);
    },
  });
  return async function body(ctx: AppContext, next: Next): Promise<void> {
    if (!METHODS_WITH_BODY.includes(ctx.method) || !hasBody(ctx)) return next();
    if (!isJson(ctx)) {
      const type = ctx.get('content-type') || 'none';
      throw new UnsupportedMediaTypeError(`request body must be JSON (Content-Type: application/json), got ${type}`);
    }
    const declared = Number(ctx.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      throw new PayloadTooLargeError(`request body is larger than MAX_BODY (${maxBodyBytes} bytes)`);
    }
    await parse(ctx, async () => undefined);
    const raw = ctx.request.rawBody;
    if (typeof raw === 'string' && raw.trim() !== '') {
      const depth = jsonDepth(ctx.request.body);
      if (depth > MAX_JSON_DEPTH) {
        throw new BadRequestError(`request body nests ${depth} levels deep; at most ${MAX_JSON_DEPTH} are allowed`, undefined, 'JSON_TOO_DEEP');
      }
      ctx.state.body = ctx.request.body;
    }
    return next();
  };
}
