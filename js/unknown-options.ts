/**
 * Refusing unknown option keys: a misspelt option (`maxQeue`) is an INVALID_ARGUMENT
 * WeftError naming the key and, when one is close, the valid key it probably meant,
 * instead of being silently ignored. Any constructor or call taking an options object can
 * use it.
 *
 * @example
 * const POOL_KEYS = ['filename', 'size', 'maxQueue'] as const
 * checkKnownKeys(options, POOL_KEYS, 'Pool option')
 * // new Pool({ filename, maxQeue: 1 }) -> INVALID_ARGUMENT:
 * //   Pool option "maxQeue" is not a known option (did you mean "maxQueue"?)
 * //   details: { option: 'maxQeue', suggestion: 'maxQueue', known: [...] }
 * @internal
 */
import { WeftError } from './errors.js';

/**
 * Throws INVALID_ARGUMENT for the first own enumerable key of `options` not in `known`.
 * `what` starts the message ('Pool option', 'run option'). A key whose value is
 * `undefined` is refused too: `{ maxQeue: undefined }` is as much a typo.
 */
export function checkKnownKeys(options: object, known: readonly string[], what: string): void {
  for (const key in options) {
    if (!Object.prototype.hasOwnProperty.call(options, key) || known.includes(key)) continue;
    const suggestion = closestKey(key, known);
    const hint = suggestion === undefined ? `valid options: ${known.join(', ')}` : `did you mean "${suggestion}"?`;
    throw new WeftError('INVALID_ARGUMENT', `${what} "${key}" is not a known option (${hint})`, {
      details: { option: key, ...(suggestion === undefined ? {} : { suggestion }), known: [...known] },
    });
  }
}

/**
 * The key of `known` closest to `key` by edit distance (case-insensitive), if it is close
 * enough to be a likely typo: at most a third of the longer name's letters differ (and at
 * least one edit is always allowed).
 */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(key.length, best.length) / 3));
  return bestDistance <= allowed ? best : undefined;
}

/** Edit distance: insertions, deletions, substitutions and swaps of neighbours, each 1 (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  // Optimal string alignment: one row for each of the last two lines of the table.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      current[j] = d;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length]!;
}
