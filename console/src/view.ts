/** What every page gets, and what it gives back: a function that stops its timers when the page is left. */
import type { ApiClient } from './api.js';

export interface ViewContext {
  api: ApiClient;
  root: HTMLElement;
  /** Query of the hash route (`#/jobs?status=failed`). */
  query: URLSearchParams;
  navigate(hash: string): void;
  /** Shows an error in the page's message bar (and sends the user to log in again on a 401). */
  fail(error: unknown): void;
  /** Clears that bar once the server answers again. */
  recover(): void;
}

export type Cleanup = () => void;

/**
 * Calls `tick` now and then every `ms`, measured from the start of each call, so a slow answer does
 * not add to the delay; never two at once, and at least 100 ms apart. `tick` returns false to stop.
 * The returned function stops it.
 */
export function poll(ms: number, tick: () => Promise<boolean | void>, onError: (e: unknown) => void, onSuccess: () => void = () => {}): Cleanup {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async (): Promise<void> => {
    if (stopped) return;
    const started = performance.now();
    let again = true;
    try {
      again = (await tick()) !== false;
      onSuccess();
    } catch (error) {
      onError(error);
    }
    if (!stopped && again) timer = setTimeout(() => void run(), Math.max(100, ms - (performance.now() - started)));
  };
  void run();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
