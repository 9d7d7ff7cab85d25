/**
 * Peers of the compute suite that are not root devDependencies: gpu.js (its optional `gl`
 * dependency is a native build that can take minutes) and xxhash-addon (an install script that
 * falls back to node-gyp). They are pinned in bench/compute/peers/package.json and its lockfile
 * and installed there (`npm ci --omit=optional`, so no `gl`) the first time a case needs
 * them, so `npm ci` at the root, and CI with it, never builds or downloads them.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { benchDir } from '../lib/suites.mjs';

const execFileAsync = promisify(execFile);
const peersDir = join(benchDir, 'compute', 'peers');
const lockFile = join(peersDir, 'package-lock.json');
const installedMarker = join(peersDir, 'node_modules', '.weft-bench-installed-lock.json');

/** The bench-local peers, by impl-facing package name. */
export const LOCAL_PEERS = ['gpu.js', 'xxhash-addon'];

/**
 * Installs the bench-local peers unless the installed ones match the lockfile. Returns
 * undefined when they are ready, else why not (for the skip line).
 */
export async function ensurePeers(log) {
  const wanted = readFileSync(lockFile, 'utf8');
  if (existsSync(installedMarker) && readFileSync(installedMarker, 'utf8') === wanted) return undefined;
  log('compute: installing gpu.js and xxhash-addon into bench/compute/peers (npm ci --omit=optional, first use only)');
  // The npm that runs `npm run bench`, else the one on PATH.
  const [cmd, args] = process.env.npm_execpath
    ? [process.execPath, [process.env.npm_execpath]]
    : [process.platform === 'win32' ? 'npm.cmd' : 'npm', []];
  try {
    await execFileAsync(cmd, [...args, 'ci', '--omit=optional', '--no-audit', '--no-fund'], {
      cwd: peersDir,
      timeout: 600_000,
      maxBuffer: 16 << 20,
      shell: process.platform === 'win32',
    });
    writeFileSync(installedMarker, wanted);
    return undefined;
  } catch (err) {
    const detail = (err.stderr || err.message || String(err)).trim().split('\n').slice(-3).join(' | ');
    return `could not install the bench-local peers in bench/compute/peers: ${detail}`;
  }
}

/** require() from the bench-local peers folder. */
export const requirePeer = createRequire(join(peersDir, 'package.json'));

/** A peer's installed version (for the suite's setup lines). */
export const peerVersion = (name) => requirePeer(`${name}/package.json`).version;
