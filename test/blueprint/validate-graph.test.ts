import { describe, expect, it } from 'vitest';
import { blueprint, diagnosticsOf, diagnosticsOfTexts } from './fixtures.js';

const F = 'test/fixtures/blueprints';

describe('validateGraph', () => {
  it('rejects an unknown start state and suggests the closest', async () => {
    expect(await diagnosticsOf('unknown-start')).toEqual([
      `${F}/unknown-start.yaml:2:8 start: unknown state "begin" (did you mean "begn"?)`,
    ]);
  });

  it('rejects a transition to an unknown state, suggests the closest, and does not call the meant state unreachable', async () => {
    expect(await diagnosticsOf('unknown-target')).toEqual([
      `${F}/unknown-target.yaml:8:16 states.pay.transitions.success: unknown state "shiped" (did you mean "shipped"?)`,
    ]);
  });

  it('rejects a state that cannot be reached from start', async () => {
    expect(await diagnosticsOf('unreachable')).toEqual([
      `${F}/unreachable.yaml:6:3 states.orphan: state "orphan" is unreachable: no transition leads to it from start "a"`,
    ]);
  });

  it('rejects states from which no end state can be reached', async () => {
    expect(await diagnosticsOf('no-end')).toEqual([
      `${F}/no-end.yaml:8:3 states.b: no end state can be reached from "b", so a job here could never finish`,
      `${F}/no-end.yaml:12:3 states.c: no end state can be reached from "c", so a job here could never finish`,
    ]);
  });

  it('rejects a child blueprint that is not in the directory and suggests the closest', () => {
    const parent = blueprint('  a:\n    type: blueprint\n    blueprint: shiping\n    transitions: { finished: b }\n  b:\n    type: end\n', 'name: parent\nstart: a');
    const child = 'name: shipping\napi: false\nstart: a\nstates:\n  a:\n    type: end\n';
    expect(diagnosticsOfTexts({ 'd/parent.yaml': parent, 'd/shipping.yaml': child })).toEqual([
      'd/parent.yaml:6:16 states.a.blueprint: unknown blueprint "shiping" (did you mean "shipping"?); blueprints in this directory: parent, shipping',
    ]);
  });

  it('accepts a child blueprint of the same directory', () => {
    const parent = blueprint('  a:\n    type: blueprint\n    blueprint: shipping\n    transitions: { finished: b }\n  b:\n    type: end\n', 'name: parent\nstart: a');
    const child = 'name: shipping\napi: false\nstart: a\nstates:\n  a:\n    type: end\n';
    expect(diagnosticsOfTexts({ 'd/parent.yaml': parent, 'd/shipping.yaml': child })).toEqual([]);
  });

  it('accepts a child blueprint named by a sibling file when one file is loaded', async () => {
    const { loadBlueprintFile } = await import('../../src/blueprint/load.js');
    const { diagnostics, blueprint: compiled } = await loadBlueprintFile('blueprints/order_fulfilment.yaml');
    expect(diagnostics).toEqual([]);
    expect(compiled?.name).toBe('order_fulfilment');
  });

  it('rejects a for_each item name that hides a scope variable', async () => {
    expect(await diagnosticsOf('for-each-shadow')).toEqual([
      `${F}/for-each-shadow.yaml:7:9 states.fan.as: "job" would hide the "job" that expressions see; choose another name for the item`,
    ]);
  });

  it('requires a timeout transition on an approval with a timeout', async () => {
    expect(await diagnosticsOf('approval-timeout')).toEqual([
      `${F}/approval-timeout.yaml:6:5 states.review.timeout: an approval with a timeout needs a "timeout" transition: add transitions.timeout (the state to go to when nobody decides in time)`,
    ]);
  });

  it('rejects a parallel state with both branches and for_each', async () => {
    expect(await diagnosticsOf('parallel-both')).toEqual([
      `${F}/parallel-both.yaml:8:5 states.fan.for_each: a parallel state takes either "branches" or "for_each", not both`,
    ]);
  });

  it('rejects a parallel state with neither branches nor for_each', async () => {
    expect(await diagnosticsOf('parallel-neither')).toEqual([
      `${F}/parallel-neither.yaml:4:3 states.fan: a parallel state needs "branches" (a list of tasks) or "for_each" (one task per item)`,
    ]);
  });

  it('rejects for_each task fields on a parallel state with branches', () => {
    const text = blueprint('  a:\n    type: parallel\n    branches: [{ task: echo }]\n    task: echo\n    next: b\n  b:\n    type: end\n');
    expect(diagnosticsOfTexts({ 't.yaml': text })).toEqual([
      't.yaml:7:5 states.a.task: "task" belongs to "for_each"; with "branches", each branch names its own task and params',
    ]);
  });

  it('rejects two branches with the same name', () => {
    const text = blueprint('  a:\n    type: parallel\n    branches:\n      - { name: x, task: echo }\n      - { name: x, task: echo }\n    next: b\n  b:\n    type: end\n');
    expect(diagnosticsOfTexts({ 't.yaml': text })).toEqual(['t.yaml:8:9 states.a.branches[1]: branch name "x" is used twice in this state']);
  });

  it('requires a wait state to have duration or until', async () => {
    expect(await diagnosticsOf('wait-neither')).toEqual([
      `${F}/wait-neither.yaml:4:3 states.pause: a wait state needs "duration" (how long) or "until" (an expression giving a time)`,
    ]);
  });

  it('rejects an endpoint that another blueprint of the directory already uses', async () => {
    const { loadBlueprints } = await import('../../src/blueprint/load.js');
    const { formatDiagnostic } = await import('../../src/blueprint/diagnostics.js');
    const result = await loadBlueprints(`${F}/duplicate-endpoints`);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      `${F}/duplicate-endpoints/b.yaml:4:13 api.endpoint: endpoint POST /api/v1/jobs/shared is already used by blueprint "first" (${F}/duplicate-endpoints/a.yaml); endpoints are unique`,
    ]);
  });

  it('rejects a default endpoint that collides with another blueprint, at its name', () => {
    const a = 'name: a\napi: { endpoint: /jobs/b }\nstart: s\nstates:\n  s:\n    type: end\n';
    const b = 'name: b\nstart: s\nstates:\n  s:\n    type: end\n';
    expect(diagnosticsOfTexts({ 'a.yaml': a, 'b.yaml': b })).toEqual([
      'b.yaml:1:7 name: endpoint POST /api/v1/jobs/b is already used by blueprint "a" (a.yaml); endpoints are unique',
    ]);
  });

  it('rejects two blueprints with the same name', () => {
    const text = 'name: same\napi: false\nstart: s\nstates:\n  s:\n    type: end\n';
    expect(diagnosticsOfTexts({ 'a.yaml': text, 'b.yaml': text })).toEqual([
      'b.yaml:1:7 name: blueprint name "same" is already used by a.yaml; names are unique in a directory',
    ]);
  });

  it('does not take a name of Object.prototype for a state', () => {
    const text = blueprint('  a:\n    type: set\n    values: { x: 1 }\n    next: constructor\n  b:\n    type: end\n');
    expect(diagnosticsOfTexts({ 't.yaml': text })).toEqual([
      't.yaml:7:11 states.a.next: unknown state "constructor"',
      't.yaml:8:3 states.b: state "b" is unreachable: no transition leads to it from start "a"',
    ]);
  });

  it('reads a misspelt transitions key as meant, so later states are not reported unreachable', async () => {
    expect(await diagnosticsOf('unknown-key')).toHaveLength(1);
  });
});
