import { describe, expect, it } from 'vitest';
import { toSvg } from '../../src/blueprint/svg.js';

describe('toSvg', () => {
  it('renders DOT to SVG without a system Graphviz', async () => {
    const svg = await toSvg('digraph { a -> b }');
    expect(svg).toContain('<svg');
    expect(svg).toContain('</svg>');
  });

  it('reports DOT that Graphviz cannot read', async () => {
    await expect(toSvg('digraph { a -> }')).rejects.toThrow(/Graphviz could not render the graph/);
  });
});
