/**
 * Turning raw per-run samples into summary rows, the printed table and the JSON rows.
 * Pure functions with no process handling, so they are easy to read and to reuse.
 */

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** 3 significant digits; thousands separators once a number reaches 1,000. */
export function formatNumber(x) {
  if (x == null || !Number.isFinite(x)) return '–';
  const r = Number(x.toPrecision(3));
  return Math.abs(r) >= 1000 ? r.toLocaleString('en-US') : r.toPrecision(3);
}

/**
 * One row per (case, impl, metric), in the suite's declared order. `samples` maps
 * case -> impl -> metric -> {unit, better, values}. Ratio is median / the reference's median.
 */
export function summarize(suite, samples) {
  const rows = [];
  for (const c of suite.cases) {
    const byImpl = samples.get(c.name) ?? new Map();
    for (const impl of c.impls) {
      for (const [metric, { unit, better, values }] of byImpl.get(impl) ?? []) {
        const refValues = byImpl.get(suite.reference)?.get(metric)?.values;
        const med = median(values);
        const ratio = refValues?.length ? med / median(refValues) : null;
        rows.push({
          suite: suite.name, case: c.name, impl, metric, unit, median: med,
          min: Math.min(...values), max: Math.max(...values), runs: values.length,
          ratio, reference: suite.reference, better, values,
        });
      }
    }
  }
  return rows;
}

/** A plain-text table (numbers right-aligned) followed by a legend on reading `ratio`. */
export function renderTable(rows, reference) {
  const head = ['case', 'impl', 'metric', 'median', 'min', 'max', 'unit', 'ratio'];
  const numeric = new Set(['median', 'min', 'max', 'ratio']);
  const body = rows.map((r) => [
    r.case, r.impl, r.metric, formatNumber(r.median), formatNumber(r.min), formatNumber(r.max), r.unit,
    r.ratio == null ? '–' : `${formatNumber(r.ratio)}x`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((line) => line[i].length)));
  const fmtLine = (cells) => cells
    .map((cell, i) => (numeric.has(head[i]) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
    .join('  ').trimEnd();
  const directions = [...new Set(rows.map((r) => `${r.metric} (${r.better} is better)`))];
  return [
    fmtLine(head),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(fmtLine),
    '',
    `ratio = median / median of the reference impl "${reference}" for the same case and metric (reference = 1.00x).`,
    `For lower-is-better metrics a ratio < 1 beats the reference; for higher-is-better ones a ratio > 1 does.`,
    `Metrics: ${directions.join('; ')}.`,
  ].join('\n');
}
