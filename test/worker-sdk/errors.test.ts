import { describe, expect, it } from 'vitest';
import { toWireError } from '../../src/worker-sdk/errors.js';
import { InvalidInputError, PermanentError, TaskError, TransientError } from '../../src/worker-sdk/index.js';

describe('toWireError', () => {
  it('keeps the code and message of a TaskError', () => {
    expect(toWireError(new PermanentError('gone'))).toEqual({ code: 'PERMANENT_ERROR', message: 'gone' });
    expect(toWireError(new InvalidInputError('bad'))).toEqual({ code: 'INVALID_INPUT_ERROR', message: 'bad' });
    expect(toWireError(new TransientError('later'))).toEqual({ code: 'TRANSIENT_ERROR', message: 'later' });
    expect(toWireError(new TaskError('QUOTA', 'over'))).toEqual({ code: 'QUOTA', message: 'over' });
  });

  it('makes any other thrown value transient', () => {
    expect(toWireError(new RangeError('oops'))).toEqual({ code: 'TRANSIENT_ERROR', message: 'oops' });
    expect(toWireError('a string')).toEqual({ code: 'TRANSIENT_ERROR', message: 'a string' });
  });
});
