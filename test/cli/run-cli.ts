import { execFile } from 'node:child_process';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real command, `node bin/switchyard.js ...`, from the repository root. */
export function runCli(args: string[], entry = 'bin/switchyard.js', nodeArgs: string[] = []): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('node', [...nodeArgs, entry, ...args], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
