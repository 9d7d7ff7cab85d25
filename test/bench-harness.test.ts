// The benchmark harness's own rules: a wrong result fails the run and is never retried,
// and the ratios the docs quote (to the reference, to the best peer) are computed right.
import { describe, expect, it } from 'vitest';

// @ts-expect-error plain .mjs without type declarations
import { renderMarkdown, summarize } from '../bench/lib/report.mjs';
// @ts-expect-error plain .mjs without type declarations
import { WrongResult, check, knownFailureOf, listSuites, loadSuite, withoutSkipped } from '../bench/lib/suites.mjs';

const samples = (byImpl: Record<string, number[]>, better: 'higher' | 'lower') =>
  new Map([['c', new Map(Object.entries(byImpl).map(([impl, values]) => [impl, new Map([['m', { unit: 'u', better, values }]])]))]]);

describe('bench harness', () => {
  it('check() throws WrongResult on a mismatch and nothing on a match', () => {
    expect(() => check('sum', 3, 3)).not.toThrow();
    expect(() => check('sum', 2, 3)).toThrow(WrongResult);
    expect(() => check('sum', 2, 3)).toThrow('wrong result: sum: got 2, expected 3');
  });

  it('retries only a known failure of the named impl, never a wrong result', () => {
    const suite = { knownFailures: [{ impl: 'peer', match: /ERR_WORKER_OUT_OF_MEMORY/, why: 'a known crash' }] };
    const crash = { wrongResult: false, stderr: 'Error [ERR_WORKER_OUT_OF_MEMORY]: ...' };
    expect(knownFailureOf(suite, 'peer', crash)?.why).toBe('a known crash');
    expect(knownFailureOf(suite, 'weft', crash)).toBeUndefined(); // another impl's crash is not known
    expect(knownFailureOf(suite, 'peer', { wrongResult: false, stderr: 'TypeError: x' })).toBeUndefined();
    expect(knownFailureOf(suite, 'peer', { ...crash, wrongResult: true })).toBeUndefined();
    expect(knownFailureOf({}, 'peer', crash)).toBeUndefined(); // a suite that lists none retries none
    const silent = { knownFailures: [{ impl: 'peer', exitCode: 13, match: /^\s*$/, why: 'exits 13 silently' }] };
    expect(knownFailureOf(silent, 'peer', { wrongResult: false, exitCode: 13, stderr: '' })?.why).toBe('exits 13 silently');
    expect(knownFailureOf(silent, 'peer', { wrongResult: false, exitCode: 1, stderr: '' })).toBeUndefined();
  });

  it('takes the best peer by the metric\'s direction and leaves baselines out', () => {
    const suite = { name: 's', reference: 'ref', baselines: ['ceiling'], cases: [{ name: 'c', impls: ['weft', 'ref', 'fast', 'ceiling'] }] };
    const higher = summarize(suite, samples({ weft: [30, 10, 20], ref: [5], fast: [8, 8, 9], ceiling: [100] }, 'higher'));
    const weft = higher.find((r: { impl: string }) => r.impl === 'weft');
    expect(weft).toMatchObject({ median: 20, ratio: 4, bestPeer: 'fast', vsBestPeer: 2.5, vsBaselines: { ceiling: 0.2 } });
    expect(renderMarkdown(higher, 'ref')).toContain('| 2.50x | ceiling 0.200x |');
    expect(higher.find((r: { impl: string }) => r.impl === 'fast')).toMatchObject({ bestPeer: null, vsBestPeer: null });

    const lower = summarize(suite, samples({ weft: [4], ref: [2], fast: [8], ceiling: [1] }, 'lower'));
    expect(lower.find((r: { impl: string }) => r.impl === 'weft')).toMatchObject({ ratio: 2, bestPeer: 'ref', vsBestPeer: 2 });
  });

  it('uses a case\'s own reference, and weft\'s own impls are never peers', () => {
    const suite = { name: 's', reference: 'absent', cases: [{ name: 'c', reference: 'peer', impls: ['weft', 'weft-b', 'peer'] }] };
    const rows = summarize(suite, samples({ weft: [6], 'weft-b': [100], peer: [3] }, 'higher'));
    expect(rows.find((r: { impl: string }) => r.impl === 'weft')).toMatchObject({ ratio: 2, bestPeer: 'peer', vsBestPeer: 2 });
    expect(renderMarkdown(rows, 'absent')).toContain('| c | weft | m | 6.00 | 6.00 | 6.00 | u | 2.00x | peer | 2.00x |');
  });

  it('drops what a suite\'s prepare() skipped, one line per entry', () => {
    const suite = { name: 's', cases: [{ name: 'a', impls: ['weft', 'peer', 'numpy'] }, { name: 'b', impls: ['weft', 'peer'] }, { name: 'c', impls: ['weft'] }] };
    const { suite: left, lines } = withoutSkipped(suite, [
      { case: 'a', impl: ['weft', 'numpy'], why: 'not available in this build' },
      { case: 'b', why: 'not available in this build (compute.sortSync is missing)' },
      { case: 'c', impl: 'weft', why: 'gone' },
    ]);
    expect(left.cases).toEqual([{ name: 'a', impls: ['peer'] }]); // c lost its only impl
    expect(lines).toEqual([
      'a / weft, numpy: not available in this build',
      'b: not available in this build (compute.sortSync is missing)',
      'c / weft: gone',
    ]);
    expect(withoutSkipped(suite).suite.cases).toEqual(suite.cases);
  });

  it('every suite\'s description loads and passes its checks', async () => {
    for (const name of listSuites()) {
      const suite = await loadSuite(name);
      expect(suite.name).toBe(name);
    }
  });
});
