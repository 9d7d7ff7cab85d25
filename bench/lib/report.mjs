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

/** weft's own impls: the suite's `ours`, else every impl whose name starts with "weft". */
export function oursOf(suite, impl) {
  return suite.ours ? suite.ours.includes(impl) : impl.startsWith('weft');
}

/** The peers of a case: its impls that are neither weft's own nor a suite baseline. */
export function peersOf(suite, caseDef) {
  return caseDef.impls.filter((impl) => !oursOf(suite, impl) && !(suite.baselines ?? []).includes(impl));
}

/**
 * One row per (case, impl, metric), in the suite's declared order. `samples` maps
 * case -> impl -> metric -> {unit, better, values}. `ratio` is median / the reference's
 * median (the case's own `reference`, else the suite's); on weft's own rows, `bestPeer` is the peer with the best median for that metric
 * (highest or lowest as `better` says), `vsBestPeer` is median / that peer's median, and
 * `vsBaselines` maps each of the case's baselines to median / the baseline's median.
 */
export function summarize(suite, samples) {
  const rows = [];
  for (const c of suite.cases) {
    const byImpl = samples.get(c.name) ?? new Map();
    const peers = peersOf(suite, c);
    for (const impl of c.impls) {
      for (const [metric, { unit, better, values }] of byImpl.get(impl) ?? []) {
        const reference = c.reference ?? suite.reference;
        const refValues = byImpl.get(reference)?.get(metric)?.values;
        const med = median(values);
        const ratio = refValues?.length ? med / median(refValues) : null;
        let bestPeer = null;
        let vsBestPeer = null;
        const vsBaselines = {};
        if (oursOf(suite, impl)) {
          for (const base of (suite.baselines ?? []).filter((b) => c.impls.includes(b))) {
            const baseValues = byImpl.get(base)?.get(metric)?.values;
            if (baseValues?.length) vsBaselines[base] = med / median(baseValues);
          }
          for (const peer of peers) {
            const peerValues = byImpl.get(peer)?.get(metric)?.values;
            if (!peerValues?.length) continue;
            const peerMedian = median(peerValues);
            const best = bestPeer === null || (better === 'higher' ? peerMedian > bestPeer.median : peerMedian < bestPeer.median);
            if (best) bestPeer = { impl: peer, median: peerMedian };
          }
          if (bestPeer) vsBestPeer = med / bestPeer.median;
        }
        rows.push({
          suite: suite.name, case: c.name, impl, metric, unit, median: med,
          min: Math.min(...values), max: Math.max(...values), runs: values.length,
          ratio, reference, bestPeer: bestPeer?.impl ?? null, vsBestPeer, vsBaselines, better, values,
        });
      }
    }
  }
  return rows;
}

const ratioText = (x) => (x == null ? '–' : `${formatNumber(x)}x`);

/** The cells of one row, shared by the text and the Markdown tables. */
function cells(r, withBaselines) {
  const line = [
    r.case, r.impl, r.metric, formatNumber(r.median), formatNumber(r.min), formatNumber(r.max), r.unit,
    ratioText(r.ratio), r.bestPeer ?? '–', ratioText(r.vsBestPeer),
  ];
  if (withBaselines) {
    const entries = Object.entries(r.vsBaselines ?? {});
    line.push(entries.length ? entries.map(([base, x]) => `${base} ${ratioText(x)}`).join(', ') : '–');
  }
  return line;
}

const HEAD = ['case', 'impl', 'metric', 'median', 'min', 'max', 'unit', 'ratio', 'best peer', 'vs best peer'];
const NUMERIC = new Set(['median', 'min', 'max', 'ratio', 'vs best peer']);
/** The columns: `vs baselines` only when some row has one. */
const headOf = (rows) => (rows.some((r) => Object.keys(r.vsBaselines ?? {}).length > 0) ? [...HEAD, 'vs baselines'] : HEAD);

/** The legend printed under both tables. */
function legend(rows, reference) {
  const directions = [...new Set(rows.map((r) => `${r.metric} (${r.better} is better)`))];
  return [
    `ratio = median / median of the reference impl (${[...new Set(rows.map((r) => r.reference))].join(', ')}; "${reference}" unless a case names its own) for the same case and metric (reference = 1.00x).`,
    'vs best peer (weft\'s rows) = median / median of the best peer for the same case and metric; baselines',
    '(ceilings and floors such as raw workers) are not peers; vs baselines = median / each baseline\'s median.',
    'For lower-is-better metrics a ratio < 1 beats the other; for higher-is-better ones a ratio > 1 does.',
    `Metrics: ${directions.join('; ')}.`,
  ];
}

/** A plain-text table (numbers right-aligned) followed by a legend on reading the ratios. */
export function renderTable(rows, reference) {
  const head = headOf(rows);
  const body = rows.map((r) => cells(r, head.length > HEAD.length));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((line) => line[i].length)));
  const fmtLine = (line) => line
    .map((cell, i) => (NUMERIC.has(head[i]) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
    .join('  ').trimEnd();
  return [fmtLine(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(fmtLine), '', ...legend(rows, reference)].join('\n');
}

/** The same table in Markdown, ready to paste into the docs unchanged. */
export function renderMarkdown(rows, reference) {
  const head = headOf(rows);
  const line = (c) => `| ${c.join(' | ')} |`;
  const align = head.map((h) => (NUMERIC.has(h) ? '---:' : '---'));
  return [line(head), line(align), ...rows.map((r) => line(cells(r, head.length > HEAD.length))), '', ...legend(rows, reference)].join('\n');
}
