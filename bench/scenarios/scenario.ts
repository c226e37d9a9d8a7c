import type { Table } from '../report/table.js';
import type { BenchSettings } from '../targets.js';

/** A benchmark scenario: runs its targets, returns tables to print and data for the JSON file. */
export interface ScenarioContext {
  quick: boolean;
  settings: BenchSettings;
  /** Load shape overrides from the command line. */
  clients?: number;
  workers?: number;
  durationMs?: number;
  log(message: string): void;
}

export interface ScenarioOutput {
  tables: Table[];
  data: unknown;
}

export interface Scenario {
  name: string;
  description: string;
  /** Whether it can run against an external server (--url). */
  external: boolean;
  run(ctx: ScenarioContext): Promise<ScenarioOutput>;
}
