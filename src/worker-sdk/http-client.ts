/**
 * The few HTTP calls a worker makes, over Node's global fetch. A reply of any status resolves; only a
 * server that cannot be reached (refused, reset, DNS) rejects, with `ServerUnreachableError`.
 */
export interface HttpReply {
  status: number;
  body: unknown;
  headers: Headers;
}

export class ServerUnreachableError extends Error {
  constructor(cause: unknown) {
    super(`the orchestrator cannot be reached: ${describe(cause)}`, { cause });
    this.name = 'ServerUnreachableError';
  }
}

export interface HttpClient {
  request(method: string, path: string, options?: { body?: unknown; signal?: AbortSignal }): Promise<HttpReply>;
}

export function createHttpClient(baseUrl: string, token: string): HttpClient {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { 'X-Worker-Token': token, accept: 'application/json' };
      let payload: string | undefined;
      if (options.body !== undefined) {
        headers['content-type'] = 'application/json';
        payload = JSON.stringify(options.body);
      }
      // The caller's signal may abort only until the reply's headers arrive. Once the server has
      // answered, its body is read to the end: a poll answered with a task is a task leased to this
      // worker, and dropping it half read on stop() would lose it until its timeout.
      const untilHeaders = new AbortController();
      const abort = (): void => untilHeaders.abort(options.signal?.reason);
      if (options.signal?.aborted) abort();
      else options.signal?.addEventListener('abort', abort, { once: true });
      let response: Response;
      try {
        response = await fetch(base + path, { method, headers, body: payload, signal: untilHeaders.signal });
      } catch (error) {
        // An abort is the caller's own doing: let it through as it is.
        if (options.signal?.aborted) throw error;
        throw new ServerUnreachableError(error);
      } finally {
        options.signal?.removeEventListener('abort', abort);
      }
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        throw new ServerUnreachableError(error);
      }
      return { status: response.status, body: parseBody(text), headers: response.headers };
    },
  };
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The message of an error and of its cause (fetch hides ECONNREFUSED in `cause`). */
export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return error.message + cause;
}

/** The `error` field of a JSON error reply, or the status. */
export function replyMessage(reply: HttpReply): string {
  const body = reply.body;
  if (typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string') {
    return `${reply.status} ${(body as { error: string }).error}`;
  }
  return `HTTP ${reply.status}`;
}
