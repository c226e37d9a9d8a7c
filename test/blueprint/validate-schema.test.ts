import { describe, expect, it } from 'vitest';
import { diagnosticsOf, diagnosticsOfTexts } from './fixtures.js';

const F = 'test/fixtures/blueprints';

describe('validateSchema', () => {
  it('rejects an unknown key and suggests the key that was meant, without also calling that key missing', async () => {
    expect(await diagnosticsOf('unknown-key')).toEqual([
      `${F}/unknown-key.yaml:7:5 states.fetch.trasitions: unknown key "trasitions" (did you mean "transitions"?)`,
    ]);
  });

  it('lists the allowed keys of the state type when no key is close', async () => {
    expect(await diagnosticsOf('unknown-key-no-suggestion')).toEqual([
      `${F}/unknown-key-no-suggestion.yaml:6:5 states.done.colour: unknown key "colour"; allowed keys for an end state: type, description, status, result, error`,
    ]);
  });

  it('rejects an unknown state type, suggests one and lists the valid types', async () => {
    expect(await diagnosticsOf('unknown-type')).toEqual([
      `${F}/unknown-type.yaml:5:11 states.a.type: unknown state type "tsk" (did you mean "task"?); valid types: task, choice, parallel, approval, blueprint, wait, set, end`,
    ]);
  });

  it('reports a missing required key at the state, naming the state type', async () => {
    expect(await diagnosticsOf('missing-required')).toEqual([
      `${F}/missing-required.yaml:4:3 states.a: missing required key "task" (required for a task state)`,
    ]);
  });

  it('rejects a duration that is not a number or <number><unit>', async () => {
    expect(await diagnosticsOf('bad-duration')).toEqual([
      `${F}/bad-duration.yaml:7:14 states.a.timeout: "5 minutes" is not a duration greater than zero: write a number of seconds or a string such as 500ms, 30s, 5m, 2h, 1d, 1h30m`,
    ]);
  });

  it('rejects a zero timeout, written as a number or as a string', () => {
    const text = 'name: t\nstart: a\nstates:\n  a:\n    type: approval\n    timeout: 0s\n    transitions: { approved: b, timeout: b }\n  b:\n    type: wait\n    duration: 0\n    next: c\n  c:\n    type: task\n    task: x\n    timeout: 0\n    transitions: { success: d }\n  d:\n    type: end\n';
    expect(diagnosticsOfTexts({ 't.yaml': text })).toEqual([
      't.yaml:6:14 states.a.timeout: "0s" is not a duration greater than zero: write a number of seconds or a string such as 500ms, 30s, 5m, 2h, 1d, 1h30m',
      't.yaml:15:14 states.c.timeout: must be > 0, not 0',
    ]);
  });

  it('rejects a state name that is not lower snake case, where it is defined and where it is used', async () => {
    expect(await diagnosticsOf('bad-state-name')).toEqual([
      `${F}/bad-state-name.yaml:7:11 states.a.next: "Done" is not a valid state name: use lower case letters, digits and _, starting with a letter (^[a-z][a-z0-9_]*$)`,
      `${F}/bad-state-name.yaml:8:3 states.Done: "Done" is not a valid state name: use lower case letters, digits and _, starting with a letter (^[a-z][a-z0-9_]*$)`,
    ]);
  });

  it('rejects a priority above 9', async () => {
    expect(await diagnosticsOf('priority-range')).toEqual([`${F}/priority-range.yaml:7:15 states.a.priority: must be <= 9, not 12`]);
  });

  it('accepts `api: false` but not `api: true`', async () => {
    expect(await diagnosticsOf('api-true')).toEqual([
      `${F}/api-true.yaml:2:6 api: must be \`false\` or an object { version, endpoint }`,
    ]);
  });

  it('rejects an `input` that is not a valid JSON Schema, at the offending keyword', async () => {
    expect(await diagnosticsOf('bad-input-schema')).toEqual([
      `${F}/bad-input-schema.yaml:5:18 input.properties.url.type: not a valid JSON Schema: "strng" is not allowed (did you mean "string"?); use one of: array, boolean, integer, null, number, object, string`,
    ]);
  });

  it('reports a wrong value type in words', () => {
    const text = 'name: t\nstart: a\nstates:\n  a:\n    type: set\n    values: [1]\n    next: b\n  b:\n    type: end\n';
    expect(diagnosticsOfTexts({ 't.yaml': text })).toEqual(['t.yaml:6:13 states.a.values: must be a mapping, not a list']);
  });

  it('rejects a document that is not a mapping', () => {
    expect(diagnosticsOfTexts({ 'e.yaml': '- 1\n' })).toEqual(['e.yaml:1:1 must be a mapping, not a list']);
  });

  it('says so when the file is empty', () => {
    expect(diagnosticsOfTexts({ 'e.yaml': '# nothing yet\n' })).toEqual([
      'e.yaml:1:1 the file is empty: a blueprint needs at least name, start and states',
    ]);
  });

  it('reports a missing top-level key at the start of the file', () => {
    expect(diagnosticsOfTexts({ 'm.yaml': 'name: m\nstates:\n  a:\n    type: end\n' })).toEqual([
      'm.yaml:1:1 missing required key "start"',
    ]);
  });

  it('rejects an enum value and suggests the closest one', () => {
    const text = 'name: t\nstart: a\nstates:\n  a:\n    type: end\n    status: faild\n';
    expect(diagnosticsOfTexts({ 't.yaml': text })).toEqual([
      't.yaml:6:13 states.a.status: "faild" is not allowed (did you mean "failed"?); use one of: finished, failed',
    ]);
  });
});
