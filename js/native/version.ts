/**
 * Versions of this package and of the loaded native engine.
 *
 * @example
 * import { version, nativeVersion } from '@weft/core'
 * console.log(version, nativeVersion()) // '0.1.0' '0.1.0'
 */
import { loadNative } from './loader.js';
import { nativeCall } from '../rate/call.js';
import { packageInfo } from './package-info.js';

/** The @weft/core package version. */
export const version: string = packageInfo().version;

/** The native engine's version (loads the addon; equal to {@link version} once loaded). */
export function nativeVersion(): string {
  return nativeCall(() => loadNative().nativeVersion(), 'nativeVersion');
}
