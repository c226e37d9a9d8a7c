import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SDK = fileURLToPath(new URL('../../src/worker-sdk/', import.meta.url));

describe('the worker SDK', () => {
  it('imports only its own files, node: builtins and ws, so it ships without the server', () => {
    const outside = readdirSync(SDK)
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) =>
        [...readFileSync(SDK + file, 'utf8').matchAll(/^\s*(?:import|export)\b[^;]*?from\s+'([^']+)'/gm)]
          .map((match) => match[1]!)
          .filter((specifier) => !/^\.\/[a-z-]+\.js$/.test(specifier) && !specifier.startsWith('node:') && specifier !== 'ws')
          .map((specifier) => `${file}: ${specifier}`),
      );
    expect(outside).toEqual([]);
  });
});
