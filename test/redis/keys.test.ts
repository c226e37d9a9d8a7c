/** The key layout: one module builds every name; prefixes that would break hash tags are refused. */
import { describe, expect, it } from 'vitest';
import { createKeyLayout, luaKeyHelpers, validatePrefix } from '../../src/storage/redis/keys.js';

describe('redis key layout', () => {
  it('gives every key of one job the hash tag of its id', () => {
    const keys = createKeyLayout('switchyard:');
    for (const key of [keys.job('j-1'), keys.history('j-1'), keys.jobTasks('j-1')]) {
      expect(key.startsWith('switchyard:')).toBe(true);
      expect(/\{([^}]*)\}/.exec(key)?.[1]).toBe('j-1');
    }
  });

  it('makes the prefix itself the hash tag on a Cluster, so every key shares one slot', () => {
    const keys = createKeyLayout('sy:', true);
    for (const key of [keys.job('j'), keys.queue('work'), keys.worker('w'), keys.timers, keys.idempotency('c', 'k')]) {
      expect(/\{([^}]*)\}/.exec(key)?.[1]).toBe('sy:');
    }
  });

  it('keeps idempotency keys of different (client, key) pairs apart', () => {
    const keys = createKeyLayout();
    expect(keys.idempotency('a:b', 'c')).not.toBe(keys.idempotency('a', 'b:c'));
  });

  it('escapes glob characters of the prefix in the flush pattern', () => {
    expect(createKeyLayout('a*[b]?:').scanPattern).toBe('a\\*\\[b\\]\\?:*');
  });

  it('refuses prefixes with braces, spaces, or no characters', () => {
    for (const bad of ['', 'a{b}:', 'with space:', 'x'.repeat(65)]) expect(() => validatePrefix(bad)).toThrow(/REDIS_PREFIX/);
    expect(() => validatePrefix('team-a:switchyard:')).not.toThrow();
  });

  it('gives the Lua scripts the same names as TypeScript', () => {
    const keys = createKeyLayout('p:');
    const lua = luaKeyHelpers(keys);
    expect(lua).toContain('K.job = function(id)');
    // Names are spelled as byte escapes in Lua; decode them back to compare.
    const decoded = lua.replace(/\\(\d{1,3})/g, (_, code: string) => String.fromCharCode(Number(code)));
    expect(decoded).toContain(`K.timers = "${keys.timers}"`);
    expect(decoded).toContain(`K.wakeChannel = "${keys.wakeChannel}"`);
  });
});
