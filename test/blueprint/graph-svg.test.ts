import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toDot } from '../../src/blueprint/dot.js';
import { blueprintSvg } from '../../src/blueprint/graph-svg.js';
import { loadBlueprints } from '../../src/blueprint/load.js';
import { toSvg } from '../../src/blueprint/svg.js';

describe('blueprintSvg', () => {
  it('draws the plain graph of a blueprint once and hands the same drawing to every caller', async () => {
    const { blueprints } = await loadBlueprints(resolve('blueprints'));
    const blueprint = blueprints.get('order_fulfilment')!;
    const first = blueprintSvg(blueprint);
    expect(blueprintSvg(blueprint)).toBe(first);
    expect(await first).toBe(await toSvg(toDot(blueprint)));
  });
});
