/**
 * The package's own folder (the one holding its package.json), found from this file both in src/http
 * (run through tsx) and in dist/src/http (built), so files shipped beside the code (schemas/, the
 * version) are found wherever the package is installed.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth += 1) {
    if (existsSync(join(dir, 'package.json'))) return (root = dir);
    dir = dirname(dir);
  }
  throw new Error('package.json not found above src/http; the package is incomplete');
}
