/** The blueprint layer's public surface. */
export { loadBlueprintFile, loadBlueprints, loadBlueprintSources } from './load.js';
export type { LoadOptions, LoadResult, SourceFile } from './load.js';
export { formatDiagnostic, sortDiagnostics } from './diagnostics.js';
export { compileExpression, compileTemplate, evaluateTemplate, ExpressionError } from './template.js';
export { parseDuration } from './duration.js';
export { toDot } from './dot.js';
export { toSvg } from './svg.js';
export { blueprintSvg } from './graph-svg.js';
export type * from './types.js';
export { STATE_TYPES } from './types.js';
