/**
 * How long the fuzzers run. CI uses the defaults: a fixed seed, a few hundred runs per property, and a
 * time cap, so a run is repeatable and bounded. `npm run fuzz` raises them through the environment:
 *
 *   FUZZ_SEED=123 FUZZ_RUNS=100000 FUZZ_SECONDS=600 npm run fuzz
 */
import fc from 'fast-check';

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

export const FUZZ = {
  seed: positive('FUZZ_SEED', 20_261_126),
  runs: positive('FUZZ_RUNS', 300),
  seconds: positive('FUZZ_SECONDS', 20),
};

/** vitest's timeout for one fuzz `it`: the time cap plus room to finish the run in progress. */
export const FUZZ_TEST_TIMEOUT = (FUZZ.seconds + 30) * 1000;

/**
 * Runs a property with the fixed seed and bounds, prints what ran (runs, seed, duration: the numbers
 * docs/security.md quotes), and throws fast-check's report (with the counterexample) if it failed.
 */
export async function runFuzz<Ts>(name: string, property: fc.IAsyncProperty<Ts>, runs = FUZZ.runs): Promise<number> {
  const started = Date.now();
  const details = await fc.check(property, {
    seed: FUZZ.seed,
    numRuns: runs,
    interruptAfterTimeLimit: FUZZ.seconds * 1000,
    markInterruptAsFailure: false,
  });
  console.log(`[fuzz] ${name}: ${details.numRuns} runs, seed ${FUZZ.seed}, ${Date.now() - started} ms${details.interrupted ? ' (time cap reached)' : ''}`);
  if (details.failed) throw new Error(fc.defaultReportMessage(details) ?? `${name} failed`);
  return details.numRuns;
}
