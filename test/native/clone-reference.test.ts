// Values crossing threads and processes, judged against a reference rather than against
// the value sent: what arrives through a Channel (main thread <-> worker, every buffer
// kind), a Pool task's argument and result, and a ProcessPool task's argument and result
// must look exactly like the reference clone of the value: `structuredClone(x)` for the
// worker-thread paths (what `postMessage` gives), `v8.deserialize(v8.serialize(x))` for
// the process path (weft encodes with `v8.serialize`, then the IPC channel, forked with
// `serialization: 'advanced'`, carries those bytes). Many values are chosen because their
// clone differs from the original (class instances lose their prototype, getters become
// data, a null prototype becomes Object's, a custom error's name and code are dropped,
// RegExp lastIndex resets), so an implementation that hands back the input, or one that
// copies "too well", fails just as one that loses data does.
//
// A value's structure is compared through `describe` (test/fixtures/ref-values.mjs):
// prototypes, own properties with enumerability, holes, object identity (cycles and
// shared references), Error fields, Map/Set entries, typed array kinds and elements, -0,
// NaN and lone surrogates. Argument paths are described on the receiving side (in the
// worker or child, before anything crosses back); values received here are also compared
// with toStrictEqual and checked property by property.
//
// Where weft deliberately differs from structuredClone, a test named for the difference
// asserts it: Buffers stay Buffers, a typed array crosses with only its own bytes, views
// sharing one ArrayBuffer lose that aliasing, thrown errors keep name/code/properties,
// shared memory is refused by channels and process pools.
import v8 from 'node:v8';

import { afterAll, beforeAll, describe as suite, expect, it } from 'vitest';

import { Channel, Pool, ProcessPool, isWeftError } from '@weft/core';

import { NAMES, build, buildAliased, buildBuffer, buildWindow, describe as shape } from '../fixtures/ref-values.mjs';
import { settlesWithin } from '../fixtures/pool-helpers.js';

const TASKS = new URL('../fixtures/ref-tasks.mjs', import.meta.url);

/** The worker-thread reference. */
const threadRef = (x: unknown): unknown => structuredClone(x);
/** The process reference: weft's v8.serialize bytes, as the child decodes them. */
const processRef = (x: unknown): unknown => v8.deserialize(v8.serialize(x));

interface Received {
  ok: boolean;
  description: unknown;
}

let pool: Pool;
let processPool: ProcessPool;

beforeAll(() => {
  pool = new Pool({ filename: TASKS, size: 2 });
  processPool = new ProcessPool({ filename: TASKS, size: 1 });
});

afterAll(async () => {
  await settlesWithin(Promise.all([pool.close({ timeout: 2_000 }), processPool.close({ timeout: 2_000 })]), 10_000, 'closing the pools');
});

// Values whose reference clone is not the original: a path that returned its input
// untouched would fail these.
const CLONE_DIFFERS = ['classInstance', 'nestedClassInstances', 'nullPrototype', 'nonEnumerableAndSymbol', 'getter', 'errorCustom', 'errorOwnProperties', 'regexps', 'kitchenSink'];

suite('the references themselves', () => {
  it('differ from the original for the values chosen for it (else the comparison proves nothing)', () => {
    for (const name of CLONE_DIFFERS) {
      expect(shape(threadRef(build(name))), name).not.toStrictEqual(shape(build(name)));
      expect(shape(processRef(build(name))), name).not.toStrictEqual(shape(build(name)));
    }
  });

  it('agree with each other on every value of the set (Buffers and view geometry aside)', () => {
    for (const name of NAMES) expect(shape(processRef(build(name))), name).toStrictEqual(shape(threadRef(build(name))));
  });
});

/**
 * Property-by-property checks of a value received on this thread, for the values where a
 * structural mistake is most likely; `get(name)` sends the value called `name` through
 * the path under test and resolves with what arrived here.
 */
async function explicitChecks(get: (name: string) => Promise<unknown>): Promise<void> {
  const point = (await get('classInstance')) as Record<string, unknown>;
  expect(Object.getPrototypeOf(point)).toBe(Object.prototype); // the class is gone
  expect(point).toStrictEqual({ x: 3, y: 4 });
  expect('norm' in point).toBe(false);
  expect('scaled' in point).toBe(false);

  const getter = (await get('getter')) as object;
  expect(Object.getOwnPropertyDescriptor(getter, 'computed')).toStrictEqual({ value: 42, writable: true, enumerable: true, configurable: true });

  const nullProto = (await get('nullPrototype')) as object;
  expect(Object.getPrototypeOf(nullProto)).toBe(Object.prototype);

  const hidden = (await get('nonEnumerableAndSymbol')) as Record<string, unknown>;
  expect(Reflect.ownKeys(hidden)).toStrictEqual(['visible']);

  const sparse = (await get('sparseArray')) as unknown[];
  expect(sparse.length).toBe(5);
  expect([0, 1, 2, 3, 4].map((i) => i in sparse)).toStrictEqual([true, false, true, false, false]);
  const long = (await get('sparseLong')) as unknown[];
  expect(long.length).toBe(1001);
  expect(Object.keys(long)).toStrictEqual(['3', '1000']);
  const undefs = (await get('undefinedInArray')) as unknown[];
  expect([0, 1, 2, 3].map((i) => i in undefs)).toStrictEqual([true, true, true, true]); // undefined is not a hole
  expect(undefs).toStrictEqual([undefined, 1, undefined, null]);
  const withProp = (await get('arrayWithProperty')) as unknown[] & { extra?: string };
  expect(withProp.extra).toBe('x');
  const undefProp = (await get('undefinedProperty')) as object;
  expect(Object.keys(undefProp)).toStrictEqual(['a', 'b']);

  const cycle = (await get('cycle')) as { self: unknown; children: { parent: unknown }[] };
  expect(cycle.self).toBe(cycle);
  expect(cycle.children[0]!.parent).toBe(cycle);
  const cycleArray = (await get('cycleArray')) as unknown[];
  expect(cycleArray[1]).toBe(cycleArray);
  const shared = (await get('sharedReferences')) as { a: object; b: object; list: object[] };
  expect(shared.a).toBe(shared.b);
  expect(shared.list[0]).toBe(shared.a);
  expect(shared.list[1]).toBe(shared.a);

  const [typeErr, rangeErr, syntaxErr, refErr, evalErr, uriErr] = (await get('errorTypes')) as Error[];
  for (const [err, Ctor] of [
    [typeErr, TypeError],
    [rangeErr, RangeError],
    [syntaxErr, SyntaxError],
    [refErr, ReferenceError],
    [evalErr, EvalError],
    [uriErr, URIError],
  ] as const) {
    expect(err).toBeInstanceOf(Ctor);
    expect(Object.getPrototypeOf(err)).toBe(Ctor.prototype);
    expect(err!.name).toBe(Ctor.name);
  }
  const outer = (await get('errorWithCause')) as Error & { cause: Error & { cause: unknown } };
  expect(outer).toBeInstanceOf(TypeError);
  expect(outer.message).toBe('outer');
  expect(outer.stack).toBe('TypeError: outer\n    at fixed');
  expect(outer.cause).toBeInstanceOf(RangeError);
  expect(outer.cause.message).toBe('inner');
  expect(outer.cause.stack).toBe('RangeError: inner\n    at fixed');
  expect(outer.cause.cause).toBe('root cause');
  expect(Object.getOwnPropertyDescriptor(outer, 'cause')?.enumerable).toBe(false);
  const objectCause = (await get('errorObjectCause')) as Error;
  expect(objectCause.cause).toStrictEqual({ code: 7, list: [1, 2] });
  // structuredClone keeps only the standard fields: a custom name and own props are dropped.
  const custom = (await get('errorCustom')) as Error & { code?: unknown; detail?: unknown };
  expect(Object.getPrototypeOf(custom)).toBe(Error.prototype);
  expect(custom.name).toBe('Error');
  expect(custom.message).toBe('custom');
  expect(custom.stack).toBe('CustomError: custom\n    at fixed');
  expect(custom.code).toBeUndefined();
  expect(custom.detail).toBeUndefined();
  const props = (await get('errorOwnProperties')) as Error & { code?: unknown };
  expect(props.code).toBeUndefined();
  const noStack = (await get('errorNoStack')) as Error;
  expect(noStack.message).toBe('no stack');
  expect(noStack.stack).toBeUndefined();

  const map = (await get('mapObjectKeys')) as Map<unknown, unknown>;
  const keys = [...map.keys()];
  expect(keys[0]).toStrictEqual({ id: 1 });
  expect(map.get(keys[0])).toBe('object key');
  expect(map.get(keys[1])).toStrictEqual({ nested: true });
  expect(map.get(NaN)).toBe('nan');
  expect(map.get(0)).toBe('zero');
  const keyShared = (await get('mapKeySharedWithValue')) as { key: object; map: Map<object, object> };
  const [k, v] = [...keyShared.map][0]!;
  expect(k).toBe(keyShared.key); // one object, whether reached as a key, a value or a property
  expect(v).toBe(keyShared.key);

  const set = (await get('set')) as Set<unknown>;
  expect(set.size).toBe(6);
  expect(set.has(NaN)).toBe(true);
  expect(set.has(undefined)).toBe(true);
  expect([...set][2]).toStrictEqual({ x: 1 });

  const dates = (await get('dates')) as Date[];
  expect(dates.map((d) => d.getTime())).toStrictEqual([0, 8.64e15, -8.64e15, NaN, 1700000000123]);
  expect(dates.every((d) => d instanceof Date)).toBe(true);
  const regexps = (await get('regexps')) as RegExp[];
  expect(regexps.map((r) => [r.source, r.flags, r.lastIndex])).toStrictEqual([
    ['a+b?', 'gimsuy', 0],
    ['\\d{2,}', 'd', 0],
    ['x', 'g', 0], // lastIndex is not part of a clone
    ['[\\u{1F600}]', 'u', 0],
  ]);

  expect(await get('bigIntTop')).toBe(2n ** 70n);
  const bigs = (await get('bigInts')) as unknown[];
  expect(bigs.slice(0, 4)).toStrictEqual([0n, -1n, 2n ** 64n, -(2n ** 100n)]);
  expect(typeof bigs[4]).toBe('object');
  expect((bigs[4] as bigint).valueOf()).toBe(7n);

  expect(Object.is(await get('negZero'), -0)).toBe(true);
  expect(Number.isNaN(await get('nan'))).toBe(true);
  const numbers = (await get('numbers')) as number[];
  expect(Object.is(numbers[1], -0)).toBe(true);
  expect(Number.isNaN(numbers[2])).toBe(true);
  const boxed = (await get('boxed')) as [number, string, boolean];
  expect(Object.is(boxed[0].valueOf(), -0)).toBe(true);
  expect(boxed[1]).toBeInstanceOf(String);

  const typed = (await get('typedArraysNested')) as Record<string, ArrayBufferView>;
  for (const [key, view] of Object.entries(build('typedArraysNested') as Record<string, ArrayBufferView | ArrayBuffer>)) {
    const got = typed[key]!;
    expect(Object.getPrototypeOf(got), key).toBe(Object.getPrototypeOf(view));
    if (ArrayBuffer.isView(view)) {
      expect(new Uint8Array(got.buffer, got.byteOffset, got.byteLength), key).toStrictEqual(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    } else {
      expect(new Uint8Array(got as unknown as ArrayBuffer), key).toStrictEqual(new Uint8Array(view));
    }
  }
  const f64 = (await get('float64Top')) as Float64Array;
  expect(f64).toBeInstanceOf(Float64Array);
  expect(Object.is(f64[0], -0)).toBe(true);
  expect(Number.isNaN(f64[1])).toBe(true);

  expect(await get('loneSurrogates')).toBe('a\uD800b\uDFFFc');
  expect(await get('loneSurrogatesNested')).toStrictEqual({ s: '\uD83D', t: ['\uDE00x'] });
}

suite('Pool (worker threads): values arrive as structuredClone makes them', () => {
  it.each(NAMES)('a task argument: %s', async (name) => {
    const seen = await pool.run('describeArg', build(name));
    expect(seen).toStrictEqual(shape(threadRef(build(name))));
  });

  it.each(NAMES)('a task result: %s', async (name) => {
    const got = await pool.run('make', name);
    const ref = threadRef(build(name));
    expect(shape(got)).toStrictEqual(shape(ref));
    expect(got).toStrictEqual(ref);
  });

  it('a task result, property by property', async () => {
    await explicitChecks((name) => pool.run('make', name));
  });

  it('an error argument keeps its natural stack, message and cause', async () => {
    const err = new TypeError('natural', { cause: new Error('why') });
    const seen = await pool.run('describeArg', err);
    expect(seen).toStrictEqual(shape(threadRef(err)));
    expect((seen as { error: { stack: unknown } }).error.stack).toStrictEqual(shape(err.stack));
  });

  it('a string with lone surrogates arrives unchanged, as structuredClone keeps it (not as U+FFFD)', async () => {
    for (const s of ['a\uD800b\uDFFFc', '\uDC00', 'x'.repeat(5000) + '\uD83D']) {
      expect(structuredClone(s)).toBe(s);
      expect(await pool.run('describeArg', s)).toStrictEqual(shape(s));
    }
    expect(await pool.run('make', 'loneSurrogates')).toBe('a\uD800b\uDFFFc');
  });
});

suite('Channel between the main thread and a worker: values arrive as structuredClone makes them', () => {
  const capacities = [
    ['unbounded', Infinity],
    ['bounded (ring)', 8],
    ['unbuffered', 0],
  ] as const;

  it.each(capacities)('main -> worker, recv in the worker, %s channel', async (_label, capacity) => {
    const ch = new Channel(capacity);
    const seen = pool.run('recvDescribe', { ch, n: NAMES.length }) as Promise<Received[]>;
    for (const name of NAMES) await ch.send(build(name));
    const got = await settlesWithin(seen, 20_000, 'the worker receiving');
    NAMES.forEach((name, i) => {
      expect(got[i]!.ok, name).toBe(true);
      expect(got[i]!.description, name).toStrictEqual(shape(threadRef(build(name))));
    });
  });

  it('main -> worker, sendMany here and recvSync there', async () => {
    const ch = new Channel(Infinity);
    await ch.sendMany(NAMES.map(build));
    const got = (await pool.run('recvSyncDescribe', { ch, n: NAMES.length })) as Received[];
    NAMES.forEach((name, i) => expect(got[i]!.description, name).toStrictEqual(shape(threadRef(build(name)))));
  });

  it('worker -> main, recv here', async () => {
    const ch = new Channel(Infinity);
    await pool.run('sendMade', { ch, names: NAMES });
    for (const name of NAMES) {
      const { value, ok } = await ch.recv();
      expect(ok).toBe(true);
      const ref = threadRef(build(name));
      expect(shape(value), name).toStrictEqual(shape(ref));
      expect(value, name).toStrictEqual(ref);
    }
  });

  it('worker -> main, recvMany here', async () => {
    const ch = new Channel(Infinity);
    await pool.run('sendMade', { ch, names: NAMES });
    const values = await ch.recvMany(NAMES.length);
    expect(values.length).toBe(NAMES.length);
    NAMES.forEach((name, i) => expect(shape(values[i]), name).toStrictEqual(shape(threadRef(build(name)))));
  });

  it('worker -> main, property by property', async () => {
    const ch = new Channel(1);
    await explicitChecks(async (name) => {
      const [, { value }] = await Promise.all([pool.run('sendMade', { ch, names: [name] }), ch.recv()]);
      return value;
    });
  });
});

suite('ProcessPool: values arrive as v8.deserialize(v8.serialize(x)) makes them', () => {
  it.each(NAMES)('a task argument: %s', async (name) => {
    const seen = await processPool.run('describeArg', build(name));
    expect(seen).toStrictEqual(shape(processRef(build(name))));
  });

  it.each(NAMES)('a task result: %s', async (name) => {
    const got = await processPool.run('make', name);
    const ref = processRef(build(name));
    expect(shape(got)).toStrictEqual(shape(ref));
    expect(got).toStrictEqual(ref);
  });

  it('a task result, property by property', async () => {
    await explicitChecks((name) => processPool.run('make', name));
  });
});

// --- deliberate differences from structuredClone ------------------------------------------

suite('deliberate differences from structuredClone', () => {
  it('Buffers stay Buffers, top level and nested (structuredClone makes them plain Uint8Arrays)', async () => {
    for (const where of ['top', 'nested'] as const) {
      const original = buildBuffer(where);
      const clone = structuredClone(original);
      const cloneTop = (where === 'top' ? clone : (clone as { b: unknown }).b) as Uint8Array;
      expect(Buffer.isBuffer(cloneTop), 'structuredClone').toBe(false);
      expect(Object.getPrototypeOf(cloneTop)).toBe(Uint8Array.prototype);

      // As the original is, then: Buffer for Buffer, on every path.
      const expected = shape(original);
      expect(await pool.run('describeArg', original), `Pool argument (${where})`).toStrictEqual(expected);
      expect(shape(await pool.run('makeBuffer', where)), `Pool result (${where})`).toStrictEqual(expected);
      expect(await processPool.run('describeArg', original), `ProcessPool argument (${where})`).toStrictEqual(expected);
      expect(shape(await processPool.run('makeBuffer', where)), `ProcessPool result (${where})`).toStrictEqual(expected);

      const toWorker = new Channel(1);
      const seen = pool.run('recvDescribe', { ch: toWorker, n: 1 }) as Promise<Received[]>;
      await toWorker.send(original);
      expect((await seen)[0]!.description, `Channel main -> worker (${where})`).toStrictEqual(expected);
      const fromWorker = new Channel(1);
      const [, got] = await Promise.all([pool.run('sendBuffer', { ch: fromWorker, where }), fromWorker.recv()]);
      expect(shape(got.value), `Channel worker -> main (${where})`).toStrictEqual(expected);
    }
  });

  it('a typed array crosses with only its own bytes: it arrives at offset 0 over a buffer of its size (structuredClone copies the whole backing buffer)', async () => {
    const window = buildWindow(); // bytes 4..11 of a 16-byte buffer
    const clone = structuredClone(window);
    expect([clone.byteOffset, clone.buffer.byteLength]).toStrictEqual([4, 16]);

    const exact = { ctor: 'Uint8Array', isBuffer: false, byteOffset: 0, byteLength: 8, bufferByteLength: 8 };
    expect(await pool.run('geometryOf', window), 'Pool argument').toStrictEqual(exact);
    expect(await processPool.run('geometryOf', window), 'ProcessPool argument').toStrictEqual(exact);
    for (const [what, got] of [
      ['Pool result', await pool.run('makeWindow', null)],
      ['ProcessPool result', await processPool.run('makeWindow', null)],
    ] as const) {
      const view = got as Uint8Array;
      expect([view.byteOffset, view.byteLength, view.buffer.byteLength], what).toStrictEqual([0, 8, 8]);
      expect([...view], what).toStrictEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    }
    const ch = new Channel(1);
    await ch.send(window);
    const { value } = await ch.recv();
    expect([(value as Uint8Array).byteOffset, (value as Uint8Array).buffer.byteLength], 'Channel').toStrictEqual([0, 8]);
  });

  it('a typed array inside a larger value gets bytes of its own, not a view into the whole message', async () => {
    // Node's v8.deserialize makes such arrays views into the received message: one kept
    // from a large message would keep all of it alive and show its other bytes.
    const message = () => ({ small: new Float64Array([1, 2, 3]), bytes: Buffer.from('abc'), view: new DataView(new ArrayBuffer(4)), big: 'x'.repeat(100_000) });
    const own = (value: unknown, what: string) => {
      const got = value as ReturnType<typeof message>;
      for (const key of ['small', 'bytes', 'view'] as const) {
        const v = got[key];
        expect([v.byteOffset, v.buffer.byteLength], `${what}: ${key}`).toStrictEqual([0, v.byteLength]);
      }
      expect([...got.small], what).toStrictEqual([1, 2, 3]);
      expect(Buffer.isBuffer(got.bytes) && got.bytes.toString(), what).toBe('abc');
      expect(got.view, what).toBeInstanceOf(DataView);
    };
    own(await pool.run('echo', message()), 'Pool result');
    const ch = new Channel(1);
    await ch.send(message());
    own((await ch.recv()).value, 'Channel');
    const [received] = await Promise.all([ch.recv(), ch.send(message())]);
    own(received.value, 'Channel, handed to a waiting receiver');
  });

  it('views over one ArrayBuffer lose their aliasing: each arrives with a copy of its own bytes (structuredClone keeps one shared buffer)', async () => {
    // The reference: a write through one view shows in the ArrayBuffer, which both views share.
    const clone = structuredClone(buildAliased());
    expect(clone.a.buffer).toBe(clone.buf);
    expect(clone.b.buffer).toBe(clone.buf);
    clone.a[0] = 99;
    expect(new Uint8Array(clone.buf)[0]).toBe(99);

    const lost = { aWriteSeenInBuf: false, viewOverBuf: false };
    expect(await pool.run('geometryOf', buildAliased()), 'Pool argument').toMatchObject(lost);
    expect(await processPool.run('geometryOf', buildAliased()), 'ProcessPool argument').toMatchObject(lost);
    for (const [what, got] of [
      ['Pool result', await pool.run('makeAliased', null)],
      ['ProcessPool result', await processPool.run('makeAliased', null)],
    ] as const) {
      const value = got as ReturnType<typeof buildAliased>;
      expect(value.a.buffer, what).not.toBe(value.buf);
      value.a[0] = 99;
      expect(new Uint8Array(value.buf)[0], what).toBe(0);
      // The contents are all there all the same.
      expect(value.buf.byteLength, what).toBe(8);
      expect([...value.a, ...value.b], what).toStrictEqual([99, 0, 0, 0, 0, 0, 0, 0]);
    }
  });

  it('a thrown error keeps its name, code and own properties (structuredClone drops them; a returned error is cloned)', async () => {
    const reference = structuredClone(build('errorCustom')) as Error & { code?: unknown };
    expect(reference.name).toBe('Error');
    expect(reference.code).toBeUndefined();
    for (const [what, runner] of [
      ['Pool', pool],
      ['ProcessPool', processPool],
    ] as const) {
      let thrown: (Error & { code?: unknown; detail?: unknown }) | undefined;
      try {
        await runner.run('throwIt', 'errorCustom');
      } catch (err) {
        thrown = err as typeof thrown;
      }
      expect(thrown, what).toBeInstanceOf(Error);
      expect(thrown!.name, what).toBe('CustomError');
      expect(thrown!.message, what).toBe('custom');
      expect(thrown!.code, what).toBe('E_CUSTOM');
      expect(thrown!.detail, what).toStrictEqual({ attempt: 3 });
      expect(thrown!.stack, what).toBe('CustomError: custom\n    at fixed');
      // Returned rather than thrown, it is a value like any other.
      expect(await runner.run('make', 'errorCustom'), what).toStrictEqual(reference);
    }
  });

  it('shared memory is refused by a channel and a process pool (structuredClone shares or copies it)', async () => {
    const sab = new SharedArrayBuffer(8);
    expect(structuredClone(sab)).toBeInstanceOf(SharedArrayBuffer);
    const ch = new Channel(1);
    await expect(ch.send(sab)).rejects.toSatisfy((err: unknown) => isWeftError(err, 'UNSERIALIZABLE'));
    await expect(ch.send({ view: new Int32Array(sab) })).rejects.toSatisfy((err: unknown) => isWeftError(err, 'UNSERIALIZABLE'));
    await expect(processPool.run('describeArg', { sab })).rejects.toSatisfy((err: unknown) => isWeftError(err, 'UNSERIALIZABLE'));
  });

  it('what structuredClone refuses, weft refuses at the sender with UNSERIALIZABLE', async () => {
    const refused: [string, unknown][] = [
      ['a function', () => 1],
      ['a symbol', Symbol('s')],
      ['an object with a method', { f() {} }],
      ['a WeakMap', new WeakMap()],
      ['a Promise', Promise.resolve(1)],
    ];
    for (const [what, value] of refused) {
      expect(() => structuredClone(value), what).toThrow();
      await expect(pool.run('describeArg', value), `Pool: ${what}`).rejects.toSatisfy((err: unknown) => isWeftError(err, 'UNSERIALIZABLE'));
      await expect(processPool.run('describeArg', value), `ProcessPool: ${what}`).rejects.toSatisfy((err: unknown) => isWeftError(err, 'UNSERIALIZABLE'));
      const ch = new Channel(1);
      await expect(ch.send(value), `Channel: ${what}`).rejects.toSatisfy((err: unknown) => isWeftError(err, 'UNSERIALIZABLE'));
    }
  });
});
