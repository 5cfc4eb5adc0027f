// `npm run bench -- --quick` (scripts/bench.mjs sets BERTH_BENCH_QUICK=1): two repetitions and smaller inputs, only
// to check that a benchmark runs and reports its rows. Its numbers are not results: bench.mjs writes them to
// bench/RESULTS.quick.md (not committed), never to bench/RESULTS.md.
export const QUICK = process.env.BERTH_BENCH_QUICK === '1';

/** A real run measures each variant at least this many times. */
export const MIN_REPETITIONS = 5;

/** Repetitions of an interleaved measurement: `full` (at least MIN_REPETITIONS) in a real run, 2 in a quick one. */
export const repetitions = (full: number, quick = QUICK): number => (quick ? 2 : Math.max(full, MIN_REPETITIONS));

/** An input size: `full` in a real run, `quick` in a quick one. */
export const sized = <T>(full: T, quick: T): T => (QUICK ? quick : full);
