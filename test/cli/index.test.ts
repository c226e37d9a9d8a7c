import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('switchyard', () => {
  it('lists its commands with --help', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const command of ['serve', 'worker', 'validate', 'graph']) expect(r.stdout).toContain(`  ${command}`);
  });

  it('passes --help on to a subcommand', async () => {
    const r = await runCli(['graph', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: switchyard graph');
  });

  it('rejects an unknown command with exit 2', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "frobnicate"');
  });

  describe('when a command module is missing', () => {
    // A copy of the dispatcher alone in a directory: serve.ts is not beside it.
    const dir = 'test-artifacts/cli-dispatch/cli';
    beforeAll(() => {
      mkdirSync(dir, { recursive: true });
      copyFileSync('src/cli/index.ts', `${dir}/index.ts`);
    });
    afterAll(() => rmSync('test-artifacts/cli-dispatch', { recursive: true, force: true }));

    it('says so clearly instead of crashing', async () => {
      const r = await runCli(['serve'], `${dir}/index.ts`, ['--import', 'tsx']);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('switchyard serve: this command is not available in this build (src/cli/serve.ts is missing)\n');
    });
  });
});
