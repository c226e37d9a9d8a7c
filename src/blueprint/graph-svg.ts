/**
 * The plain drawing of a compiled blueprint (no job overlay). A compiled blueprint never changes, so its
 * SVG is drawn once and shared by the docs page, the graph route and the console; Graphviz takes
 * hundreds of milliseconds on a large graph.
 */
import { toDot } from './dot.js';
import { toSvg } from './svg.js';
import type { CompiledBlueprint } from './types.js';

const drawings = new WeakMap<CompiledBlueprint, Promise<string>>();

export function blueprintSvg(blueprint: CompiledBlueprint): Promise<string> {
  let drawing = drawings.get(blueprint);
  if (!drawing) {
    drawing = toSvg(toDot(blueprint));
    // A failed drawing is not kept: the next request tries again.
    drawing.catch(() => drawings.delete(blueprint));
    drawings.set(blueprint, drawing);
  }
  return drawing;
}
