/** Shared bits of the security suite: its blueprints and small helpers. */
import { fileURLToPath } from 'node:url';

export const SEC_BLUEPRINTS = fileURLToPath(new URL('./blueprints', import.meta.url));

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A JSON text nested `depth` levels deep: {"a":{"a":...{}}}. */
export function nestedJson(depth: number): string {
  return '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
}
