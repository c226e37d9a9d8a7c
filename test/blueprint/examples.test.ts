import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/blueprint/diagnostics.js';
import { toDot } from '../../src/blueprint/dot.js';
import { loadBlueprints } from '../../src/blueprint/load.js';
import { STATE_TYPES } from '../../src/blueprint/types.js';
import { hasTool } from '../support/tools.js';

const GOLDEN = 'test/blueprint/golden';
const { blueprints, diagnostics } = await loadBlueprints('blueprints');
const names = [...blueprints.keys()].sort();

describe('the example blueprints', () => {
  it('all validate', () => {
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(names.length).toBeGreaterThanOrEqual(6);
  });

  it('together use every state type, both end statuses and both parallel forms', () => {
    const states = [...blueprints.values()].flatMap((b) => [...b.states.values()]);
    expect(new Set(states.map((s) => s.type))).toEqual(new Set(STATE_TYPES));
    const ends = states.filter((s) => s.type === 'end').map((s) => (s.type === 'end' ? s.status : ''));
    expect(new Set(ends)).toEqual(new Set(['finished', 'failed']));
    const parallel = states.filter((s) => s.type === 'parallel');
    expect(parallel.some((s) => s.type === 'parallel' && s.forEach !== undefined)).toBe(true);
    expect(parallel.some((s) => s.type === 'parallel' && s.branches !== undefined)).toBe(true);
  });

  it('start with the yaml-language-server schema line', () => {
    for (const b of blueprints.values()) {
      expect(readFileSync(b.file, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../schemas/blueprint.schema.json');
    }
  });

  it('include hello: one echo task whose data is the result', () => {
    const hello = blueprints.get('hello');
    expect(hello?.states.get(hello.start)).toMatchObject({ type: 'task', spec: { task: 'echo' } });
  });
});

describe('the reference, docs/blueprint-language.md', () => {
  it('has a complete example that validates (with a stand-in for its child blueprint)', async () => {
    const { loadBlueprintSources } = await import('../../src/blueprint/load.js');
    const doc = readFileSync('docs/blueprint-language.md', 'utf8');
    const example = /## A complete example\n\n```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const publisher = 'name: publisher\napi: false\nstart: a\nstates:\n  a:\n    type: end\n';
    const result = loadBlueprintSources([
      { file: 'docs/image_pipeline.yaml', text: example! },
      { file: 'docs/publisher.yaml', text: publisher },
    ]);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(result.blueprints.get('image_pipeline')?.states.size).toBe(8);
  });
});

describe('DOT of the examples', () => {
  it.each(names)('%s matches its golden file (UPDATE_GOLDEN=1 rewrites it)', (name) => {
    const dot = toDot(blueprints.get(name)!);
    const file = `${GOLDEN}/${name}.dot`;
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, dot);
    }
    expect(dot).toBe(readFileSync(file, 'utf8'));
  });

  it.each(names)('%s gives the same bytes every time', (name) => {
    expect(toDot(blueprints.get(name)!)).toBe(toDot(blueprints.get(name)!));
  });
});

describe.skipIf(!hasTool('dot'))('Graphviz (dot -Tsvg)', () => {
  it.each(names)('accepts the DOT of %s', (name) => {
    const result = spawnSync('dot', ['-Tsvg'], { input: toDot(blueprints.get(name)!), encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('<svg');
  });
});
