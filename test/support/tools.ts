import { spawnSync } from 'node:child_process';

/**
 * External programs that some tests need. Where one is missing the test is skipped with a printed
 * reason; CI installs all of them and fails on any skip (see .ci/run).
 */
export const TOOLS = {
  'redis-server': 'apt-get install -y redis-server',
  dot: 'apt-get install -y graphviz',
  chromium: 'apt-get install -y chromium',
} as const;

export type Tool = keyof typeof TOOLS;

const cache = new Map<Tool, boolean>();

/** `SWITCHYARD_HIDE_TOOLS=redis-server,dot,chromium npm test` shows what a machine without them runs. */
const hidden = new Set((process.env.SWITCHYARD_HIDE_TOOLS ?? '').split(',').map((name) => name.trim()));

export function hasTool(tool: Tool): boolean {
  let found = cache.get(tool);
  if (found === undefined) {
    found = !hidden.has(tool) && spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
    cache.set(tool, found);
    if (!found) {
      console.warn(`[skip] ${tool} is not installed, so the tests that need it are skipped (${TOOLS[tool]})`);
    }
  }
  return found;
}

/** Path of the Chromium binary for playwright-core. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless flags for Debian's Chromium: nothing that reaches the network by itself (this machine has none). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
