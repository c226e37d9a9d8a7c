import { formatDiagnostic } from '../../src/blueprint/diagnostics.js';
import { loadBlueprintFile, loadBlueprintSources } from '../../src/blueprint/load.js';

export const FIXTURES = 'test/fixtures/blueprints';

/** The formatted diagnostics of one broken fixture file. */
export async function diagnosticsOf(fixture: string): Promise<string[]> {
  const { diagnostics } = await loadBlueprintFile(`${FIXTURES}/${fixture}.yaml`);
  return diagnostics.map(formatDiagnostic);
}

/** The formatted diagnostics of YAML texts loaded together as one directory. */
export function diagnosticsOfTexts(files: Record<string, string>): string[] {
  const sources = Object.entries(files).map(([file, text]) => ({ file, text }));
  return loadBlueprintSources(sources).diagnostics.map(formatDiagnostic);
}

/** A minimal valid blueprint around the given states (YAML, indented under `states:`). */
export function blueprint(states: string, head = 'name: t\nstart: a'): string {
  return `${head}\nstates:\n${states}`;
}
