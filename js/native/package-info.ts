/**
 * Where this copy of weft lives and which version it is. Works from the ESM build
 * (dist/esm/...), the CommonJS bundle (dist/cjs/index.cjs) and the sources alike, by
 * walking up to weft's own package.json.
 * @internal
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageInfo {
  /** The folder holding weft's package.json. */
  root: string;
  name: string;
  version: string;
}

let cached: PackageInfo | undefined;

/** Weft's package root, name and version. */
export function packageInfo(): PackageInfo {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@weft/core') {
        cached = { root: dir, name: pkg.name, version: pkg.version ?? '0.0.0' };
        return cached;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`weft: cannot find @weft/core's package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}
