import { fmt, fmtInt, type Table } from '../report/table.js';
import { percentile } from '../load/stats.js';
import type { Scenario } from './scenario.js';

/**
 * Load time of a generated 1,000-state blueprint through the whole pipeline (parse, schema, graph and
 * expression checks, compile), the work a server does at start for each file. The generator is
 * bench/generate-blueprint.ts (written with the blueprint compiler). It touches no store, so there is
 * one row, not one per store.
 */
type Generate = (states: number) => string;
type LoadSources = (sources: { file: string; text: string }[]) => { blueprints: Map<string, unknown>; diagnostics: unknown[] };

const STATES = 1000;

export const compile: Scenario = {
  name: 'compile',
  description: `compile time of a generated ${STATES}-state blueprint (parse, validate, compile)`,
  external: false,
  async run(ctx) {
    const generator = (await import('../generate-blueprint' + '.js').catch(() => undefined)) as
      | { generateBlueprint?: Generate }
      | undefined;
    const blueprint = (await import('../../src/blueprint/index' + '.js')) as { loadBlueprintSources?: LoadSources };
    if (!generator?.generateBlueprint || !blueprint.loadBlueprintSources) {
      const reason = 'bench/generate-blueprint.ts (generateBlueprint(states)) or loadBlueprintSources is missing';
      ctx.log(`  compile skipped: ${reason}`);
      return { tables: [{ title: 'compile', columns: ['skipped'], rows: [[reason]] }], data: { skipped: reason } };
    }
    const text = generator.generateBlueprint(STATES);
    const load = blueprint.loadBlueprintSources;
    const once = (): number => {
      const started = performance.now();
      const result = load([{ file: 'generated.yaml', text }]);
      const elapsed = performance.now() - started;
      if (result.blueprints.size !== 1) throw new Error(`the generated blueprint did not compile: ${JSON.stringify(result.diagnostics.slice(0, 3))}`);
      return elapsed;
    };
    ctx.log(`  compile: ${STATES} states`);
    const first = once();
    const runs = Array.from({ length: ctx.quick ? 3 : 20 }, once).sort((a, b) => a - b);
    const table: Table = {
      title: `compile a generated ${fmtInt(STATES)}-state blueprint (${fmtInt(text.length)} bytes of YAML)`,
      columns: ['first (cold) ms', 'median (warm) ms', 'max (warm) ms', 'target ms'],
      rows: [[fmt(first), fmt(percentile(runs, 50)), fmt(runs[runs.length - 1]), '200']],
      notes: ['measured in the bench process with loadBlueprintSources; store-independent'],
    };
    return { tables: [table], data: { states: STATES, bytes: text.length, firstMs: first, warmMs: runs } };
  },
};
