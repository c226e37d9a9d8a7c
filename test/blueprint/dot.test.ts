import { describe, expect, it } from 'vitest';
import { toDot } from '../../src/blueprint/dot.js';
import { loadBlueprintSources } from '../../src/blueprint/load.js';
import type { CompiledBlueprint } from '../../src/blueprint/types.js';

const TEXT = `name: d
description: A "quoted" \\ description
start: a
states:
  a:
    type: task
    task: echo
    transitions: { success: b, failure: bad, retry_later: b }
  b:
    type: choice
    choices:
      - when: \${ state_history.value > 1000000 and state_history.kind = "very long condition" }
        next: c
    otherwise: good
  c:
    type: parallel
    branches:
      - { name: left, task: img.left }
      - { task: img.right }
    max_concurrency: 1
    next: good
  good:
    type: end
  bad:
    type: end
    status: failed
`;

function compiled(): CompiledBlueprint {
  const { blueprints, diagnostics } = loadBlueprintSources([{ file: 'd.yaml', text: TEXT }]);
  expect(diagnostics).toEqual([]);
  return blueprints.get('d')!;
}

function line(dot: string, start: string): string {
  return dot.split('\n').find((l) => l.trimStart().startsWith(start)) ?? '';
}

describe('toDot', () => {
  it('marks the start state with an arrow from a dot', () => {
    expect(toDot(compiled())).toContain('"__start" -> "a"');
  });

  it('draws finished and failed ends differently', () => {
    const dot = toDot(compiled());
    expect(line(dot, '"good" [')).toContain('fillcolor="#dcfce7"');
    expect(line(dot, '"bad" [')).toContain('shape=doubleoctagon');
    expect(line(dot, '"bad" [')).toContain('fillcolor="#fee2e2"');
  });

  it('gives each state type its own shape', () => {
    const dot = toDot(compiled());
    expect(line(dot, '"a" [')).toContain('shape=box');
    expect(line(dot, '"b" [')).toContain('shape=diamond');
    expect(line(dot, '"c" [')).toContain('peripheries=2');
  });

  it('labels edges by status, merging statuses to the same target', () => {
    expect(line(toDot(compiled()), '"a" -> "b"')).toContain('label="success, retry_later"');
  });

  it('labels a choice edge with its shortened condition and draws otherwise dashed', () => {
    const dot = toDot(compiled());
    expect(line(dot, '"b" -> "c"')).toContain('label="state_history.value > 1000000 and state…"');
    expect(line(dot, '"b" -> "good"')).toContain('style=dashed');
  });

  it('lists the branches of a parallel state with their task types', () => {
    const node = line(toDot(compiled()), '"c" [');
    expect(node).toContain('left: img.left');
    expect(node).toContain('branch_2: img.right');
    expect(node).toContain('max 1 at once');
  });

  it('escapes quotes and backslashes in the title', () => {
    expect(toDot(compiled())).toContain('label="d v1\\nA \\"quoted\\" \\\\ description"');
  });

  it('colours the visited, current and failed states and counts edges with an overlay', () => {
    const dot = toDot(compiled(), { visited: ['a', 'b'], current: 'c', failed: 'bad', edgeCounts: { 'a->b': 3 } });
    expect(line(dot, '"a" [')).toContain('color="#2563eb"');
    expect(line(dot, '"c" [')).toContain('fillcolor="#fde047"');
    expect(line(dot, '"bad" [')).toContain('fillcolor="#f87171"');
    expect(line(dot, '"good" [')).toContain('color="#9ca3af"');
    expect(line(dot, '"a" -> "b"')).toContain('label="success, retry_later ×3"');
  });

  it('is deterministic', () => {
    expect(toDot(compiled())).toBe(toDot(compiled()));
  });
});
