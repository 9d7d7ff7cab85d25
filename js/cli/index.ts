#!/usr/bin/env node
/**
 * The `weft` command.
 *   weft doctor [--json]   what is installed and where the native binary came from
 *   weft demo              a short tour that measures what it shows
 *   weft bench <suite>     runs a benchmark suite (from a clone; see bench/README.md)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { doctorReport, formatDoctorReport } from './doctor.js';
import { runDemo } from './demo.js';
import { packageInfo } from '../native/package-info.js';

const USAGE = `usage: weft <command>
  doctor [--json]   print the version, platform, where the native addon was loaded from,
                    CPU count, Node version and which optional backends are present
  demo              run the demo
  bench <suite> [--runs N] [--json FILE]
                    run a benchmark suite (needs a clone: bench/ is not published)`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'doctor': {
      const report = doctorReport();
      console.log(rest.includes('--json') ? JSON.stringify(report, null, 2) : formatDoctorReport(report));
      return report.native.ok ? 0 : 1;
    }
    case 'demo':
      return runDemo(rest);
    case 'bench': {
      const runner = join(packageInfo().root, 'bench', 'run.mjs');
      if (!existsSync(runner)) {
        console.error('weft bench: the benchmark suites ship with the source, not the package: clone weft and run `npm run bench`.');
        return 1;
      }
      return spawnSync(process.execPath, [runner, ...rest], { stdio: 'inherit' }).status ?? 1;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 1 : 0;
    default:
      console.error(`weft: unknown command '${command}'\n${USAGE}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
