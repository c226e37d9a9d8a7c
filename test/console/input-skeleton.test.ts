import { describe, expect, it } from 'vitest';
import { skeleton } from '../../console/src/input-skeleton.js';

describe('skeleton', () => {
  it('gives each required property a placeholder of its type', () => {
    const schema = {
      type: 'object',
      required: ['name', 'count', 'tags', 'options'],
      properties: { name: { type: 'string' }, count: { type: 'integer' }, tags: { type: 'array' }, options: { type: 'object' }, note: { type: 'string' } },
    };
    expect(skeleton(schema)).toEqual({ name: '', count: 0, tags: [], options: {} });
  });

  it('prefers a default, then an example, then the first allowed value', () => {
    const schema = {
      required: ['a', 'b', 'c'],
      properties: { a: { type: 'string', default: 'x' }, b: { type: 'number', examples: [7] }, c: { enum: ['en', 'de'] } },
    };
    expect(skeleton(schema)).toEqual({ a: 'x', b: 7, c: 'en' });
  });

  it('gives an empty object for a blueprint without an input schema', () => {
    expect(skeleton(undefined)).toEqual({});
    expect(skeleton({ type: 'object' })).toEqual({});
  });
});
