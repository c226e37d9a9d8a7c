import { describe, expect, it } from 'vitest';
import { toDot } from '../../src/blueprint/dot.js';
import { loadBlueprintFile } from '../../src/blueprint/load.js';
import { graphCommand } from '../../src/cli/graph.js';
import { runCli } from './run-cli.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

describe('switchyard graph', () => {
  it('prints the DOT of a blueprint', async () => {
    const r = await runCli(['graph', 'blueprints/order_fulfilment.yaml']);
    expect(r.code).toBe(0);
    const { blueprint } = await loadBlueprintFile('blueprints/order_fulfilment.yaml');
    expect(r.stdout).toBe(toDot(blueprint!));
  });

  it('renders SVG with --format svg', async () => {
    const c = capture();
    expect(await graphCommand(['blueprints/hello.yaml', '--format', 'svg'], c.io)).toBe(0);
    expect(c.out.join('')).toContain('<svg');
  });

  it('prints the problems of a broken blueprint and exits 1', async () => {
    const c = capture();
    expect(await graphCommand(['test/fixtures/blueprints/unknown-target.yaml'], c.io)).toBe(1);
    expect(c.err.join('')).toContain('unknown state "shiped" (did you mean "shipped"?)');
    expect(c.out).toEqual([]);
  });

  it('exits 2 for no file, two files, or an unknown format', async () => {
    const c = capture();
    expect(await graphCommand([], c.io)).toBe(2);
    expect(await graphCommand(['a.yaml', 'b.yaml'], c.io)).toBe(2);
    expect(await graphCommand(['blueprints/hello.yaml', '--format', 'png'], c.io)).toBe(2);
  });

  it('explains itself with --help', async () => {
    const c = capture();
    expect(await graphCommand(['--help'], c.io)).toBe(0);
    expect(c.out.join('')).toContain('Usage: switchyard graph <file> [--format dot|svg]');
  });
});
