import { describe, expect, it } from 'vitest';
import { blueprintSchema } from '../../src/blueprint/schema.js';

type Node = Record<string, unknown>;

/** Every schema object in the document with the JSON pointer where it sits. */
function schemas(node: unknown, pointer = '#'): [string, Node][] {
  if (node === null || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap((n, i) => schemas(n, `${pointer}/${i}`));
  const out: [string, Node][] = [[pointer, node as Node]];
  for (const [key, value] of Object.entries(node)) {
    // `enum`/`required` lists and `const` values are data, not schemas.
    if (['enum', 'required', 'const', 'dependentRequired'].includes(key)) continue;
    out.push(...schemas(value, `${pointer}/${key}`));
  }
  return out;
}

function resolve(ref: unknown): Node | undefined {
  if (typeof ref !== 'string' || !ref.startsWith('#/$defs/')) return undefined;
  return (blueprintSchema.$defs as Record<string, Node>)[ref.slice('#/$defs/'.length)];
}

describe('schemas/blueprint.schema.json', () => {
  it('is JSON Schema 2020-12', () => {
    expect(blueprintSchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('describes every property, so editors can show help', () => {
    const missing: string[] = [];
    for (const [pointer, schema] of schemas(blueprintSchema)) {
      const properties = schema.properties as Record<string, Node> | undefined;
      // An `if` is a test on a value, not a place where keys are written.
      if (!properties || typeof properties !== 'object' || pointer.endsWith('/properties') || pointer.includes('/if')) continue;
      for (const [name, property] of Object.entries(properties)) {
        if (typeof property.description !== 'string' || property.description === '') missing.push(`${pointer}/properties/${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('admits no unknown key in any object with properties, except the state dispatcher whose branches are closed', () => {
    const open: string[] = [];
    for (const [pointer, schema] of schemas(blueprintSchema)) {
      if (schema.properties === undefined || pointer.endsWith('/properties') || pointer.includes('/if')) continue;
      if (pointer === '#/$defs/state') continue;
      // false, or a schema for every further key (transitions: status -> state name), here or in its $ref.
      const extra = schema.additionalProperties ?? resolve(schema.$ref)?.additionalProperties;
      if (extra !== false && (extra === undefined || extra === true)) open.push(pointer);
    }
    expect(open).toEqual([]);
  });

  it('dispatches a state to exactly one branch per type', () => {
    const state = blueprintSchema.$defs.state as { allOf: { if: { properties: { type: { const: string } } } }[]; properties: { type: { enum: string[] } } };
    expect(state.allOf.map((b) => b.if.properties.type.const)).toEqual(state.properties.type.enum);
  });
});
