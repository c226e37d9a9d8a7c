import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './child/spawn.js';
import { parseBenchArgs, USAGE } from './cli.js';
import { goalsTable } from './report/goals.js';
import { renderMarkdown, renderText, type Table } from './report/table.js';
import { SCENARIOS } from './scenarios/index.js';
import type { ScenarioContext } from './scenarios/scenario.js';
import { CEILING, detectRedis, MEMORY, REDIS_1, REDIS_2, selectTargets, TargetPool, type BenchSettings } from './targets.js';

/**
 * `npm run bench`: runs the scenarios (all, or those named with --scenario), prints their tables, and
 * writes every figure to a JSON file under bench/results/ (git-ignored).
 */
async function main(): Promise<void> {
  let args;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (args.list) {
    for (const s of SCENARIOS) process.stdout.write(`${s.name.padEnd(20)} ${s.description}\n`);
    return;
  }
  const unknown = args.scenarios.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) {
    process.stderr.write(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}\n`);
    process.exit(2);
  }
  let chosen = args.scenarios.length > 0 ? SCENARIOS.filter((s) => args.scenarios.includes(s.name)) : [...SCENARIOS];
  if (args.external) {
    const skipped = chosen.filter((s) => !s.external).map((s) => s.name);
    if (skipped.length > 0) process.stdout.write(`against --url, skipping scenarios that need our own server: ${skipped.join(', ')}\n`);
    chosen = chosen.filter((s) => s.external);
  }

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const resultsDir = join(REPO_ROOT, 'bench', 'results');
  const redisAvailable = !args.noRedis && detectRedis();
  if (!args.noRedis && !redisAvailable) process.stdout.write('redis-server is not installed: the Redis set-ups are skipped\n');
  const settings: BenchSettings = { logLevel: args.logLevel, redisAvailable };
  if (args.noRedis) settings.redisSkip = '--no-redis was given';
  if (args.quick) settings.pool = new TargetPool();
  if (args.targets) settings.only = args.targets;
  if (args.external) settings.external = args.external;
  if (args.cpuProfile) {
    settings.cpuProfileDir = join(resultsDir, 'profiles', stamp);
    mkdirSync(settings.cpuProfileDir, { recursive: true });
  }
  const ctx: ScenarioContext = {
    quick: args.quick,
    settings,
    log: (message) => process.stdout.write(`${message}\n`),
  };
  if (args.clients !== undefined) ctx.clients = args.clients;
  if (args.workers !== undefined) ctx.workers = args.workers;
  if (args.durationMs !== undefined) ctx.durationMs = args.durationMs;

  const machine = {
    cores: cpus().length,
    model: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
  process.stdout.write(
    `Switchyard bench${args.quick ? ' (quick)' : ''}: ${machine.cores} cores (${machine.model}), ${machine.memoryGb} GB, Node ${machine.node}\n`,
  );

  const started = Date.now();
  if (settings.pool && !settings.external) {
    process.stdout.write('starting every set-up once for the quick run...\n');
    await settings.pool.prestart(selectTargets(settings, redisAvailable ? [CEILING, MEMORY, REDIS_1, REDIS_2] : [CEILING, MEMORY]), settings);
  }
  const tables: Table[] = [];
  const results: Record<string, unknown> = {};
  let failed = 0;
  for (const scenario of chosen) {
    process.stdout.write(`\n== ${scenario.name}: ${scenario.description}\n`);
    const scenarioStart = Date.now();
    try {
      const output = await scenario.run(ctx);
      process.stdout.write(`  (${((Date.now() - scenarioStart) / 1000).toFixed(1)} s)\n`);
      results[scenario.name] = output.data;
      tables.push(...output.tables);
      for (const table of output.tables) process.stdout.write(`${renderText(table)}\n`);
    } catch (error) {
      failed += 1;
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      results[scenario.name] = { error: message };
      process.stdout.write(`scenario ${scenario.name} failed: ${message}\n`);
    }
  }

  await settings.pool?.close();
  const goals = goalsTable(results);
  if (goals.rows.length > 0) tables.push(goals);

  const out = args.out ?? join(resultsDir, `${stamp}${args.quick ? '-quick' : ''}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify({ startedAt: new Date(started).toISOString(), seconds: (Date.now() - started) / 1000, quick: args.quick, machine, results }, null, 2),
  );
  process.stdout.write(`\n== summary\n${tables.map(renderText).join('\n')}\n`);
  if (args.markdown) process.stdout.write(`\n${tables.map(renderMarkdown).join('\n\n')}\n`);
  if (settings.cpuProfileDir) process.stdout.write(`\nCPU profiles: ${settings.cpuProfileDir}\n`);
  process.stdout.write(`\nresults: ${out} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  if (failed > 0) process.exitCode = 1;
}

await main();
