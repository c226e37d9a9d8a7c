import { describe, expect, it } from 'vitest';
import { generateBlueprint } from '../../bench/generate-blueprint.js';
import { loadBlueprintSources } from '../../src/blueprint/load.js';

describe('the benchmark blueprint generator', () => {
  it('generates a 1,000-state blueprint that compiles with every state reachable', () => {
    const { blueprints, diagnostics } = loadBlueprintSources([{ file: 'generated.yaml', text: generateBlueprint(1000) }]);
    expect(diagnostics).toEqual([]);
    expect(blueprints.get('generated')?.states.size).toBe(1000);
  });

  it('gives the same text for the same count', () => {
    expect(generateBlueprint(50)).toBe(generateBlueprint(50));
  });
});
