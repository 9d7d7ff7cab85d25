/**
 * How an error message shows a bad value: one helper for every INVALID_ARGUMENT message
 * (re-exported by option-checks.ts). A leaf module, so any module may use it.
 * @internal
 */

/** Longest description `describeValue` gives of an object or a string. */
const DESCRIBE_MAX = 60;

/**
 * A short, unambiguous description of a bad value for an error message: strings quoted
 * (`"8"`, never `8`), bigints as `8n`, plain objects and arrays as short JSON-like text
 * (`{"size":1}`), other objects by class (`a Map`), functions by name.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return clip(JSON.stringify(value));
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'function') return value.name === '' ? 'a function' : `function ${value.name}`;
  if (value === null || typeof value !== 'object') return String(value);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null && !Array.isArray(value)) {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    // 'an Int32Array', 'a Uint8Array', 'a URL': a leading U reads as "you".
    return typeof name === 'string' && name !== '' ? `${/^[AEIO]/.test(name) ? 'an' : 'a'} ${name}` : 'an object';
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : typeof v === 'function' ? '[function]' : typeof v === 'number' ? bareNumber(v) : v));
  } catch {
    text = undefined; // circular
  }
  return text === undefined ? (Array.isArray(value) ? 'an array' : 'an object') : clip(text.replace(BARE_NUMBER, '$1'));
}

/** Marks a number JSON would misspell (NaN and ±Infinity become `null`, -0 becomes `0`) so it is shown as JS writes it. */
const BARE = '\u0000';
const BARE_NUMBER = /"\\u0000([^"]*)\\u0000"/g;

function bareNumber(v: number): number | string {
  return Number.isFinite(v) && !Object.is(v, -0) ? v : `${BARE}${Object.is(v, -0) ? '-0' : String(v)}${BARE}`;
}

function clip(text: string): string {
  return text.length <= DESCRIBE_MAX ? text : `${text.slice(0, DESCRIBE_MAX - 3)}...`;
}
