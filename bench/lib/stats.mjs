// Summary statistics for repeated runs.

/** Returns the median of a list of numbers. */
export function median(values) {
  return percentile(values, 50);
}

/** Returns the p-th percentile (0 to 100) with the nearest-rank method. */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** Rounds to a number of decimal places. */
export function round(value, places = 1) {
  const factor = 10 ** places;
  return Math.round(value * factor) / factor;
}

/** Runs `measure` `times` times, one after another, and returns every result. */
export async function repeat(times, measure) {
  const runs = [];
  for (let run = 1; run <= times; run++) runs.push(await measure(run));
  return runs;
}
