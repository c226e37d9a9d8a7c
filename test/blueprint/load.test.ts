import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/blueprint/diagnostics.js';
import { loadBlueprintFile, loadBlueprints } from '../../src/blueprint/load.js';

const DIR = 'test-artifacts/blueprint-load';
const GOOD = 'name: good\nstart: a\nstates:\n  a:\n    type: end\n';

describe('loading a directory', () => {
  beforeAll(() => {
    mkdirSync(`${DIR}/nested`, { recursive: true });
    writeFileSync(`${DIR}/good.yaml`, GOOD);
    writeFileSync(`${DIR}/z-broken.yml`, 'name: broken\nstart: a\nstates:\n  a:\n    type: end\n    colour: red\n');
    writeFileSync(`${DIR}/a-broken.yaml`, 'name: also_broken\nstart: nowhere\nstates:\n  a:\n    type: end\n');
    writeFileSync(`${DIR}/notes.txt`, 'not a blueprint');
    writeFileSync(`${DIR}/nested/ignored.yaml`, 'this: is not loaded');
  });
  afterAll(() => rmSync(DIR, { recursive: true, force: true }));

  it('loads every *.yaml and *.yml file, compiles the valid ones, and reports all problems sorted by file', async () => {
    const { blueprints, diagnostics } = await loadBlueprints(DIR);
    expect([...blueprints.keys()]).toEqual(['good']);
    // An unknown start with no close name is one problem; reachability from it is not judged.
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      `${DIR}/a-broken.yaml:2:8 start: unknown state "nowhere"`,
      `${DIR}/z-broken.yml:6:5 states.a.colour: unknown key "colour"; allowed keys for an end state: type, description, status, result, error`,
    ]);
  });

  it('reports a directory that cannot be read as a diagnostic', async () => {
    const { blueprints, diagnostics } = await loadBlueprints(`${DIR}/missing`);
    expect(blueprints.size).toBe(0);
    expect(diagnostics.map(formatDiagnostic)).toEqual([`${DIR}/missing:1:1 cannot read: no such file or directory`]);
  });

  it('loads one file and returns its compiled blueprint', async () => {
    const { blueprint, diagnostics } = await loadBlueprintFile(`${DIR}/good.yaml`);
    expect(diagnostics).toEqual([]);
    expect(blueprint?.file).toBe(`${DIR}/good.yaml`);
  });

  it('reports a missing file as a diagnostic', async () => {
    const { blueprint, diagnostics } = await loadBlueprintFile(`${DIR}/nope.yaml`);
    expect(blueprint).toBeUndefined();
    expect(diagnostics.map(formatDiagnostic)).toEqual([`${DIR}/nope.yaml:1:1 cannot read: no such file or directory`]);
  });
});
