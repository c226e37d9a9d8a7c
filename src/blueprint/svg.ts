/**
 * SVG from DOT through @viz-js/viz (Graphviz compiled to WebAssembly): no system Graphviz needed.
 * The WASM instance is created once, on first use, and shared.
 */
import type { Viz } from '@viz-js/viz';

let viz: Promise<Viz> | undefined;

export async function toSvg(dot: string): Promise<string> {
  viz ??= import('@viz-js/viz').then((m) => m.instance());
  const instance = await viz;
  const result = instance.render(dot, { format: 'svg' });
  if (result.status !== 'success') {
    const messages = result.errors.map((e) => e.message).join('; ');
    throw new Error(`Graphviz could not render the graph: ${messages}`);
  }
  return result.output;
}
