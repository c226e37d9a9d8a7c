/**
 * How fast the console draws big graphs, and whether it stays responsive while they update live:
 * a 500-state blueprint (its graph page, then a job walking it while a worker runs) and a parallel
 * state with 1,000 branches. Real server (memory store), real HTTP worker, headless Chromium.
 *
 *   npx tsx bench/console-render.ts            # prints a table, writes bench/results/<time>-console-render.json
 *
 * Also exported as a bench scenario (`consoleRender`) for bench/scenarios/index.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { buildConsole } from '../console/build.mjs';
import { logIn, openBrowser } from '../test/console/browser.js';
import { HttpWorker } from '../test/support/http-worker.js';
import { startTestServer } from '../test/support/server.js';
import { hasTool } from '../test/support/tools.js';
import { fmt, renderText, type Table } from './report/table.js';
import type { Scenario, ScenarioOutput } from './scenarios/scenario.js';

const STATES = 500;
const BRANCHES = 1000;
const WATCH_MS = 5000;
const LAG_STEPS = 10;
/** Screenshots of the big pages, to look at (git-ignored). */
const SHOTS = fileURLToPath(new URL('../test-artifacts/console/', import.meta.url));

/**
 * A chain of tasks: every 25th task may send the job 3 states back (result status `again`, a loop),
 * and every 50th state is a choice that may skip one, so the graph has cycles and forks.
 */
export function bigBlueprint(states = STATES): string {
  const lines = ['name: console_big', `description: ${states} states`, 'start: s0', 'states:'];
  const last = states - 1;
  const name = (i: number): string => (i >= last ? 'finish' : `s${i}`);
  for (let i = 0; i < last; i++) {
    if (i > 0 && i % 50 === 0 && i + 2 < last) {
      lines.push(`  s${i}:`, '    type: choice', '    choices:', '      - when: ${ state_history.skip = true }', `        next: ${name(i + 2)}`, `    otherwise: ${name(i + 1)}`);
      continue;
    }
    lines.push(`  s${i}:`, '    type: task', '    task: bench.step', '    params:', `      at: ${i}`, '    transitions:', `      success: ${name(i + 1)}`);
    if (i % 25 === 24) lines.push(`      again: ${name(i - 3)}`);
  }
  lines.push('  finish:', '    type: end');
  return `${lines.join('\n')}\n`;
}

const FAN = `name: console_fan
start: fan
states:
  fan:
    type: parallel
    for_each: \${ initial_data.items }
    as: item
    task: bench.branch
    params:
      n: \${ item }
    next: done
  done:
    type: end
`;

const LONGTASKS = `
  window.__longtasks = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longtasks.push(e.duration); })
    .observe({ type: 'longtask', buffered: true });
`;

async function freshLoad(page: Page, url: string, selector: string): Promise<number> {
  await page.goto('about:blank');
  await page.goto(url);
  await page.waitForSelector(selector, { timeout: 60_000 });
  return (await page.evaluate('performance.now()')) as number;
}

/** Median time of a click on a state until its side panel is laid out (the handler is synchronous). */
async function clickLatency(page: Page, states: string[]): Promise<number> {
  const times: number[] = [];
  for (const state of states) {
    times.push(
      (await page.evaluate(`(() => {
        const node = document.querySelector('g.node[data-state="${state}"]');
        const t = performance.now();
        node.dispatchEvent(new MouseEvent('click', { bubbles: true }));
        document.querySelector('aside.side').getBoundingClientRect();
        return performance.now() - t;
      })()`)) as number,
    );
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Longest main-thread task and total blocking time (sum of the part of each long task over 50 ms). */
async function blocking(page: Page, ms: number): Promise<{ longestMs: number; blockingMs: number; polls: number }> {
  await page.evaluate('window.__longtasks = []; window.__fetches = performance.getEntriesByType("resource").length');
  await page.waitForTimeout(ms);
  const tasks = (await page.evaluate('window.__longtasks')) as number[];
  const polls = (await page.evaluate('performance.getEntriesByType("resource").length - window.__fetches')) as number;
  return { longestMs: Math.max(0, ...tasks), blockingMs: tasks.reduce((sum, d) => sum + Math.max(0, d - 50), 0), polls };
}

export interface ConsoleRenderFigures {
  states: number;
  branches: number;
  serverSvgFirstMs: number;
  serverSvgAgainMs: number;
  blueprintPageMs: number;
  stateClickMs: number;
  jobPageMs: number;
  jobLive: { longestMs: number; blockingMs: number; polls: number; statesVisitedDuring: number };
  /** From a worker's result until the page marks the next state current. */
  lagMedianMs: number;
  lagMaxMs: number;
  lagsMs: number[];
  fanPageMs: number;
  fanClickMs: number;
  fanLive: { longestMs: number; blockingMs: number; polls: number; branchesDoneDuring: number };
}

export async function measureConsoleRender(log: (message: string) => void = () => {}): Promise<ConsoleRenderFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'sy-console-bench-'));
  writeFileSync(join(dir, 'console_big.yaml'), bigBlueprint());
  writeFileSync(join(dir, 'console_fan.yaml'), FAN);
  await buildConsole();
  const server = await startTestServer({ blueprintsDir: dir });
  const browser = await openBrowser({ width: 1600, height: 1000 });
  const workers: HttpWorker[] = [];
  try {
    const { page } = browser;
    await browser.context.addInitScript(LONGTASKS);
    const base = `${server.url}/_public/console/`;
    await logIn(page, server.url, server.clientToken);

    log('server: SVG of the 500-state graph');
    let t = performance.now();
    await server.client.get('/api/v1/blueprints/console_big/graph?format=svg');
    const serverSvgFirstMs = performance.now() - t;
    t = performance.now();
    await server.client.get('/api/v1/blueprints/console_big/graph?format=svg');
    const serverSvgAgainMs = performance.now() - t;

    log('browser: blueprint page of 500 states');
    const blueprintPageMs = await freshLoad(page, `${base}#/blueprints/console_big`, 'g.node[data-state="s250"]');
    const stateClickMs = await clickLatency(page, ['s10', 's100', 's250', 's400', 'finish', 's25', 's300']);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'bench-500-states.png') });

    log('browser: a job walking the 500-state graph, live');
    const stepper = new HttpWorker(server, 'bench-step', ['bench.step']);
    workers.push(stepper);
    const jobId = await server.createJob('console_big');
    const looped = new Set<number>();
    stepper.serve(async (task) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const at = Number(task.params.at);
      // The first pass over each loop goes around it once.
      if (at % 25 === 24 && !looped.has(at)) {
        looped.add(at);
        return { status: 'again', data: {} };
      }
      return { data: { last: at } };
    });
    const jobPageMs = await freshLoad(page, `${base}#/jobs/${jobId}`, 'g.node.sy-current, g.node.sy-visited');
    const entered = async (): Promise<number> => {
      const reply = await server.client.get<{ event_type: string }[]>(`/api/v1/jobs/${jobId}/history`);
      return reply.body.filter((e) => e.event_type === 'state_entered').length;
    };
    const before = await entered();
    const jobLiveRaw = await blocking(page, WATCH_MS);
    await page.screenshot({ path: join(SHOTS, 'bench-500-states-job.png') });
    const after = await entered();
    await stepper.stop();
    // Its next task would otherwise go to the worker of the next measurement.
    await server.client.post(`/api/v1/jobs/${jobId}/cancel`);

    log('browser: lag from a worker result to the new current state on the page');
    const manual = new HttpWorker(server, 'bench-manual', ['bench.step']);
    workers.push(manual);
    await manual.register();
    const lagJob = await server.createJob('console_big');
    await freshLoad(page, `${base}#/jobs/${lagJob}`, 'g.node[data-state="s0"].sy-current');
    const lags: number[] = [];
    for (let i = 0; i < LAG_STEPS; i++) {
      const task = await manual.take();
      // A random pause, so results land at every point of the page's polling cycle.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 1000));
      // The page notes (in epoch ms) the moment the next state gets its mark; playwright's own
      // polling would add its delay to the figure.
      await page.evaluate(`(() => {
        window.__shownAt = 0;
        const node = document.querySelector('g.node[data-state="s${i + 1}"]');
        new MutationObserver((_, observer) => {
          if (node.classList.contains('sy-current')) { window.__shownAt = performance.timeOrigin + performance.now(); observer.disconnect(); }
        }).observe(node, { attributes: true, attributeFilter: ['class'] });
      })()`);
      const started = Date.now();
      await manual.succeed(task, {});
      await page.waitForSelector(`g.node[data-state="s${i + 1}"].sy-current`, { timeout: 10_000 });
      lags.push(((await page.evaluate('window.__shownAt')) as number) - started);
    }
    lags.sort((a, b) => a - b);

    log('browser: a parallel state of 1,000 branches');
    const brancher = new HttpWorker(server, 'bench-branch', ['bench.branch']);
    workers.push(brancher);
    await brancher.register();
    const fanId = await server.createJob('console_fan', { items: Array.from({ length: BRANCHES }, (_, i) => i) });
    for (let i = 0; i < BRANCHES / 2; i++) await brancher.succeed(await brancher.take(), { i });
    const fanPageMs = await freshLoad(page, `${base}#/jobs/${fanId}`, 'g.node[data-state="fan"] .sy-fanout[data-total="1000"]');
    const fanClickMs = await clickLatency(page, ['fan']);
    const doneBefore = (await server.getJob(fanId)).parallel?.by_status.done ?? 0;
    brancher.serve(() => ({ data: {} }));
    const fanLiveRaw = await blocking(page, WATCH_MS);
    await page.screenshot({ path: join(SHOTS, 'bench-1000-branches.png') });
    await brancher.stop();
    const doneAfter = (await server.getJob(fanId)).parallel?.by_status.done ?? BRANCHES;
    if (browser.errors.length > 0) throw new Error(`the console threw: ${browser.errors.join('; ')}`);

    return {
      states: STATES,
      branches: BRANCHES,
      serverSvgFirstMs,
      serverSvgAgainMs,
      blueprintPageMs,
      stateClickMs,
      jobPageMs,
      jobLive: { ...jobLiveRaw, statesVisitedDuring: after - before },
      lagMedianMs: lags[Math.floor(lags.length / 2)]!,
      lagMaxMs: lags[lags.length - 1]!,
      lagsMs: lags.map((n) => Math.round(n)),
      fanPageMs,
      fanClickMs,
      fanLive: { ...fanLiveRaw, branchesDoneDuring: doneAfter - doneBefore },
    };
  } finally {
    for (const worker of workers) await worker.stop();
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function consoleRenderTable(f: ConsoleRenderFigures): Table {
  return {
    title: `console render: ${f.states}-state blueprint and ${f.branches}-branch fan-out (headless Chromium)`,
    columns: ['what', 'ms'],
    rows: [
      ['server: SVG of the 500-state graph (first / again)', `${fmt(f.serverSvgFirstMs, 0)} / ${fmt(f.serverSvgAgainMs, 0)}`],
      ['blueprint page: load to 500 nodes drawn', fmt(f.blueprintPageMs, 0)],
      ['click a state -> definition shown (median)', fmt(f.stateClickMs, 1)],
      ['job page on 500 states: load to path drawn', fmt(f.jobPageMs, 0)],
      [`  live ${WATCH_MS / 1000} s (${f.jobLive.statesVisitedDuring} states passed): longest task / total blocking`, `${fmt(f.jobLive.longestMs, 0)} / ${fmt(f.jobLive.blockingMs, 0)}`],
      [`worker result -> new current state on the page (median / max of ${LAG_STEPS})`, `${fmt(f.lagMedianMs, 0)} / ${fmt(f.lagMaxMs, 0)}`],
      ['fan-out job page: load to 1,000-branch counts drawn', fmt(f.fanPageMs, 0)],
      ['click the parallel node -> branch list shown', fmt(f.fanClickMs, 1)],
      [`  live ${WATCH_MS / 1000} s (${f.fanLive.branchesDoneDuring} branches done): longest task / total blocking`, `${fmt(f.fanLive.longestMs, 0)} / ${fmt(f.fanLive.blockingMs, 0)}`],
    ],
    notes: ['"longest task" and "total blocking" come from the browser\'s long-task timing (tasks over 50 ms); 0 means none'],
  };
}

export const consoleRender: Scenario = {
  name: 'console-render',
  description: 'console: 500-state graph and 1,000-branch fan-out render times and responsiveness in headless Chromium',
  external: false,
  async run(ctx): Promise<ScenarioOutput> {
    if (!hasTool('chromium')) {
      ctx.log('console-render skipped: chromium is not installed (apt-get install -y chromium)');
      return { tables: [], data: { skipped: 'chromium is not installed' } };
    }
    const figures = await measureConsoleRender((m) => ctx.log(m));
    return { tables: [consoleRenderTable(figures)], data: figures };
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!hasTool('chromium')) process.exit(0);
  const figures = await measureConsoleRender((m) => process.stderr.write(`${m}\n`));
  process.stdout.write(`${renderText(consoleRenderTable(figures))}\n`);
  const results = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(results, { recursive: true });
  const file = join(results, `${new Date().toISOString().replace(/[:.]/g, '-')}-console-render.json`);
  writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
  process.stdout.write(`figures written to ${file}\n`);
}
