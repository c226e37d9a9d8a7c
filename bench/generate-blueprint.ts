/**
 * A big, valid, realistic blueprint for timing the loader: `states` states in a chain with the mix
 * that real pipelines have (mostly tasks with expressions in their params, and choices, parallel
 * fan-outs, approvals, waits and sets), plus failure edges to a shared failed end. Deterministic: the
 * same count gives the same text.
 */
export function generateBlueprint(states: number, name = 'generated'): string {
  if (!Number.isInteger(states) || states < 2) throw new RangeError('states must be an integer >= 2');
  const lines: string[] = [
    '# yaml-language-server: $schema=../schemas/blueprint.schema.json',
    `name: ${name}`,
    `description: A generated blueprint with ${states} states.`,
    'input:',
    '  type: object',
    '  required: [id]',
    '  properties:',
    '    id: { type: string }',
    '    items: { type: array }',
    'defaults:',
    '  timeout: 5m',
    '  retry: { max_attempts: 3, backoff: 1s, max_backoff: 1m }',
    'start: s0',
    'states:',
  ];
  // The last two states are the finished and the failed end.
  const work = states - 2;
  const id = (i: number): string => (i >= work ? 'done' : `s${i}`);
  for (let i = 0; i < work; i++) {
    const next = id(i + 1);
    lines.push(`  s${i}:`);
    switch (i % 20) {
      case 5:
      case 15:
        lines.push(
          '    type: choice',
          '    choices:',
          `      - when: \${ state_history.score > ${i} and initial_data.id != "x" }`,
          `        next: ${next}`,
          `    otherwise: ${id(i + 2)}`,
        );
        break;
      case 9:
        lines.push(
          '    type: parallel',
          '    for_each: ${ initial_data.items }',
          '    as: item',
          '    task: echo',
          "    params: { item: '${ item }', step: " + i + ' }',
          '    max_concurrency: 4',
          `    into: results_${i}`,
          '    on_failure: continue',
          `    next: ${next}`,
        );
        break;
      case 12:
        lines.push(
          '    type: parallel',
          '    branches:',
          "      - { name: left, task: echo, params: { side: left, id: '${ initial_data.id }' } }",
          "      - { name: right, task: sleep, params: { ms: 10 }, priority: 3 }",
          `    next: ${next}`,
        );
        break;
      case 17:
        lines.push(
          '    type: approval',
          `    message: \${ "Continue step ${i} of " & initial_data.id & "?" }`,
          '    timeout: 1h',
          `    transitions: { approved: ${next}, rejected: failed, timeout: failed }`,
        );
        break;
      case 18:
        lines.push('    type: wait', '    duration: 500ms', `    next: ${next}`);
        break;
      case 19:
        lines.push('    type: set', '    values:', `      step: ${i}`, '      seen: ${ $count(state_history.results_9) }', `    next: ${next}`);
        break;
      default:
        lines.push(
          '    type: task',
          `    task: ${i % 3 === 0 ? 'sleep' : 'echo'}`,
          '    params:',
          '      id: ${ initial_data.id }',
          `      step: ${i}`,
          `      score: '\${ state_history.score ? state_history.score + ${i} : ${i} }'`,
          `    priority: ${i % 10}`,
          `    transitions: { success: ${next}, failure: failed }`,
        );
    }
  }
  lines.push(
    '  done:',
    '    type: end',
    '    result: ${ state_history }',
    '  failed:',
    '    type: end',
    '    status: failed',
    '    error: A generated step failed',
    '',
  );
  return lines.join('\n');
}
