import { describe, expect, it } from 'vitest';
import { validateCommand } from '../../src/cli/validate.js';
import { runCli } from './run-cli.js';

const F = 'test/fixtures/blueprints';
const DIAGNOSTIC = /^\S+:\d+:\d+ /;

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

describe('switchyard validate', () => {
  it('exits 0 for the example directory', async () => {
    const r = await runCli(['validate', 'blueprints/']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ok blueprints/hello.yaml (hello v1, 2 states)');
    expect(r.stderr).toMatch(/^\d+ blueprints valid\n$/);
  });

  it('prints the four problems of the issue\'s file at their lines and exits 1', async () => {
    const r = await runCli(['validate', `${F}/four-problems.yaml`]);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n').filter((l) => DIAGNOSTIC.test(l));
    expect(lines).toEqual([
      `${F}/four-problems.yaml:8:5 states.pay.priorty: unknown key "priorty" (did you mean "priority"?)`,
      `${F}/four-problems.yaml:10:39 states.pay.params.amount: invalid expression \${ initial_data.amount * }: Unexpected end of expression`,
      `${F}/four-problems.yaml:12:16 states.pay.transitions.success: unknown state "shiped" (did you mean "shipped"?)`,
      `${F}/four-problems.yaml:15:3 states.forgotten: state "forgotten" is unreachable: no transition leads to it from start "pay"`,
    ]);
    expect(r.stderr).toBe('4 problems in 1 file\n');
  });

  it('reports every problem of several files at once, sorted by file and line', async () => {
    const c = capture();
    const code = await validateCommand([`${F}/unreachable.yaml`, `${F}/bad-duration.yaml`, `${F}/no-end.yaml`], c.io);
    expect(code).toBe(1);
    expect(c.out.join('').trim().split('\n').map((l) => l.split(' ')[0])).toEqual([
      `${F}/bad-duration.yaml:7:14`,
      `${F}/no-end.yaml:8:3`,
      `${F}/no-end.yaml:12:3`,
      `${F}/unreachable.yaml:6:3`,
    ]);
  });

  it('prints JSON for machines with --format json', async () => {
    const c = capture();
    const code = await validateCommand(['--format', 'json', `${F}/unknown-target.yaml`, 'blueprints/hello.yaml'], c.io);
    expect(code).toBe(1);
    const report = JSON.parse(c.out.join('')) as { valid: boolean; blueprints: { name: string }[]; diagnostics: Record<string, unknown>[] };
    expect(report.valid).toBe(false);
    expect(report.blueprints.map((b) => b.name)).toEqual(['hello']);
    expect(report.diagnostics).toEqual([
      {
        file: `${F}/unknown-target.yaml`,
        line: 8,
        column: 16,
        path: 'states.pay.transitions.success',
        check: 'graph',
        message: 'unknown state "shiped" (did you mean "shipped"?)',
        text: `${F}/unknown-target.yaml:8:16 states.pay.transitions.success: unknown state "shiped" (did you mean "shipped"?)`,
      },
    ]);
  });

  it('reports a file that does not exist as a problem', async () => {
    const c = capture();
    expect(await validateCommand(['no/such.yaml'], c.io)).toBe(1);
    expect(c.out.join('')).toBe('no/such.yaml:1:1 cannot read: no such file or directory\n');
  });

  it('exits 2 without a path or with an unknown format', async () => {
    const c = capture();
    expect(await validateCommand([], c.io)).toBe(2);
    expect(await validateCommand(['--format', 'xml', 'blueprints'], c.io)).toBe(2);
    expect(await validateCommand(['--bogus', 'blueprints'], c.io)).toBe(2);
    expect(c.err.join('')).toContain('--format must be text or json, not "xml"');
  });

  it('explains itself with --help', async () => {
    const c = capture();
    expect(await validateCommand(['--help'], c.io)).toBe(0);
    expect(c.out.join('')).toContain('Usage: switchyard validate <file|dir>...');
  });
});
