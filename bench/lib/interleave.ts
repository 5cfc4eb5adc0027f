// Runs variants of one measurement interleaved, so that load on the shared machine hits each alike and no
// variant always runs first: repetition i runs them in order when i is even, reversed when odd
// (A B, B A, A B, … — for two variants the sequence is A B B A A B B A).

export interface Variant {
  readonly name: string;
  /**
   * One repetition; returns the milliseconds it measured (setup and cleanup may sit outside that time), or the
   * samples of a block of back-to-back runs.
   */
  readonly run: () => number | number[] | Promise<number | number[]>;
}

/** The order of variant indices for each repetition. */
export function abbaOrder(variants: number, repetitions: number): number[][] {
  const forward = [...Array(variants).keys()];
  return [...Array(repetitions).keys()].map((i) => (i % 2 === 0 ? forward : [...forward].reverse()));
}

/** Samples per variant name, each variant run `repetitions` times in A B B A order. */
export async function interleave(variants: readonly Variant[], repetitions: number): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (const order of abbaOrder(variants.length, repetitions)) {
    for (const k of order) samples.get(variants[k].name)!.push(...[await variants[k].run()].flat());
  }
  return samples;
}

/** A block of `n` back-to-back timed runs of `fn`, as one repetition of a variant. */
export function block(n: number, fn: () => Promise<unknown>): () => Promise<number[]> {
  return async () => {
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      const start = performance.now();
      await fn();
      ms.push(performance.now() - start);
    }
    return ms;
  };
}
