/**
 * The catalogue of typed errors. Handlers and the engine throw these; exactly one Koa middleware
 * (src/http/errors.ts) turns them into `{ error, code, details }` replies. `expose` says whether the
 * message is safe to show to the caller; 5xx messages are logged, never shown.
 */
export class SwitchyardError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
    readonly expose: boolean = status < 500,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends SwitchyardError {
  constructor(message: string, details?: unknown, code = 'BAD_REQUEST') {
    super(code, 400, message, details);
  }
}

export class ValidationError extends SwitchyardError {
  constructor(message: string, details?: unknown) {
    super('VALIDATION_ERROR', 400, message, details);
  }
}

export class UnauthorizedError extends SwitchyardError {
  constructor(message: string) {
    super('UNAUTHORIZED', 401, message);
  }
}

export class ForbiddenError extends SwitchyardError {
  constructor(message: string, details?: unknown) {
    super('FORBIDDEN', 403, message, details);
  }
}

export class NotFoundError extends SwitchyardError {
  constructor(message: string, details?: unknown) {
    super('NOT_FOUND', 404, message, details);
  }
}

export class ConflictError extends SwitchyardError {
  constructor(message: string, details?: unknown, code = 'CONFLICT') {
    super(code, 409, message, details);
  }
}

export class PayloadTooLargeError extends SwitchyardError {
  constructor(message: string) {
    super('PAYLOAD_TOO_LARGE', 413, message);
  }
}

export class UnsupportedMediaTypeError extends SwitchyardError {
  constructor(message: string) {
    super('UNSUPPORTED_MEDIA_TYPE', 415, message);
  }
}

export class RateLimitedError extends SwitchyardError {
  constructor(message: string, readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', 429, message, { retry_after_seconds: retryAfterSeconds });
  }
}

/** The store cannot be reached (Redis down). The only error allowed to become a 5xx. */
export class StoreUnavailableError extends SwitchyardError {
  constructor(message: string) {
    super('STORE_UNAVAILABLE', 503, message, undefined, true);
  }
}

/** A problem in the configuration found at start: every problem in one message. */
export class ConfigError extends SwitchyardError {
  constructor(readonly problems: string[]) {
    super('CONFIG_ERROR', 500, `invalid configuration:\n  - ${problems.join('\n  - ')}`, problems, true);
  }
}
