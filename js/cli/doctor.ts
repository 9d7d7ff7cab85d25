/**
 * `weft doctor`: what this installation is and where its pieces came from.
 *
 * @example
 * import { doctorReport, formatDoctorReport } from './doctor.js'
 * console.log(formatDoctorReport(doctorReport()))
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';

import { isWeftError } from '../errors.js';
import { nativeOrigin, platformTriple } from '../native/loader.js';
import { nativeVersion } from '../native/version.js';
import { packageInfo } from '../native/package-info.js';

/** Everything `weft doctor` prints, as data (also printed with `--json`). */
export interface DoctorReport {
  package: { name: string; version: string; root: string };
  platform: { triple: string; node: string; cpus: number; cpuModel: string };
  native: { ok: true; from: 'local build' | 'prebuilt package'; path: string; version: string } | { ok: false; error: string; code: string };
  /** Optional npm packages looked up beside weft: rxjs (an optional peer for Observable interop); gpu.js and gl are reported but not used today. */
  optional: Record<string, string | null>;
  /** Toolchains the cross-language benchmark suite uses when present. */
  toolchains: Record<string, string | null>;
}

const OPTIONAL_PACKAGES = ['gpu.js', 'gl', 'rxjs'];
const TOOLCHAINS: Record<string, string[]> = {
  go: ['go', 'version'],
  cargo: ['cargo', '--version'],
  python3: ['python3', '--version'],
  java: ['java', '-version'],
};

/** Collects the report; never throws (a failed load is reported, not raised). */
export function doctorReport(): DoctorReport {
  const pkg = packageInfo();
  let native: DoctorReport['native'];
  try {
    const origin = nativeOrigin();
    native = { ok: true, from: origin.kind === 'local' ? 'local build' : 'prebuilt package', path: origin.path, version: nativeVersion() };
  } catch (err) {
    native = { ok: false, error: (err as Error).message, code: isWeftError(err) ? err.code : 'UNKNOWN' };
  }
  const require = createRequire(join(pkg.root, 'package.json'));
  const optional: Record<string, string | null> = {};
  for (const name of OPTIONAL_PACKAGES) {
    try {
      const version = (require(`${name}/package.json`) as { version?: string }).version;
      optional[name] = version ?? 'present';
    } catch {
      optional[name] = null;
    }
  }
  const toolchains: Record<string, string | null> = {};
  for (const [name, [cmd, ...args]] of Object.entries(TOOLCHAINS)) {
    const r = spawnSync(cmd!, args, { encoding: 'utf8', timeout: 10_000 });
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0];
    toolchains[name] = r.error === undefined && r.status === 0 && out ? out : null;
  }
  return {
    package: { name: pkg.name, version: pkg.version, root: pkg.root },
    platform: { triple: platformTriple(), node: process.version, cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? 'unknown' },
    native,
    optional,
    toolchains,
  };
}

/** The report as aligned text lines. */
export function formatDoctorReport(r: DoctorReport): string {
  const rows: [string, string][] = [
    ['package', `${r.package.name} ${r.package.version} (${r.package.root})`],
    ['platform', r.platform.triple],
    ['node', r.platform.node],
    ['cpus', `${r.platform.cpus} (${r.platform.cpuModel})`],
  ];
  if (r.native.ok) {
    rows.push(['native addon', `${r.native.from}, version ${r.native.version}`], ['  loaded from', r.native.path]);
  } else {
    rows.push(['native addon', `NOT LOADED (${r.native.code})`], ['  error', r.native.error.replace(/\n/g, '\n' + ' '.repeat(16))]);
  }
  for (const [name, v] of Object.entries(r.optional)) rows.push([`optional ${name}`, v ?? 'not installed']);
  for (const [name, v] of Object.entries(r.toolchains)) rows.push([`bench ${name}`, v ?? 'not found']);
  return rows.map(([k, v]) => `${k.padEnd(16)}${v}`).join('\n');
}
