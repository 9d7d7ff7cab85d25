import { describe, expect, it } from 'vitest';

import { TaskTable } from '../../dist/esm/pool/task-table.js';

describe('TaskTable', () => {
  it('stores, finds and removes entries by id', () => {
    const table = new TaskTable<{ id: number; v: string }>();
    const a = { id: table.takeId(), v: 'a' };
    table.add(a.id, a);
    const b = { id: table.takeId(), v: 'b' };
    table.add(b.id, b);
    expect(a.id).not.toBe(b.id);
    expect(table.get(a.id)).toBe(a);
    expect(table.size).toBe(2);
    expect(table.delete(a.id)).toBe(true);
    expect(table.delete(a.id)).toBe(false);
    expect(table.get(a.id)).toBeUndefined();
    expect(table.stampOf(a.id)).toBeNaN();
    expect(table.has(a.id)).toBe(false);
    expect(table.has(b.id)).toBe(true);
    expect(table.values()).toEqual([b]);
    expect(table.ids()).toEqual([b.id]);
  });

  it('gives the entries of one block its submission time, and a sealed block hands on to a fresh one', () => {
    let clock = 10;
    const table = new TaskTable<string>(() => clock);
    const first = table.takeId();
    table.add(first, 'first');
    clock = 20; // read only when a block opens
    const second = table.takeId();
    table.add(second, 'second');
    expect(table.stampOf(first)).toBe(10);
    expect(table.stampOf(second)).toBe(10);
    table.seal();
    const third = table.takeId();
    table.add(third, 'third');
    expect(table.stampOf(third)).toBe(20);
    expect(new Set([first, second, third]).size).toBe(3);
    // A block of 1,024 ids is full: the next id opens another, even without seal().
    clock = 30;
    for (let i = 1; i < 1024; i++) table.add(table.takeId(), `x${i}`);
    const next = table.takeId();
    table.add(next, 'next');
    expect(table.stampOf(next)).toBe(30);
    expect(table.size).toBe(1027);
  });

  it('hands an id out again until it is added, and refuses any other id', () => {
    const table = new TaskTable<number>();
    const id = table.takeId();
    expect(table.takeId()).toBe(id); // refused tasks never enter: the id is reused
    expect(() => table.add(id + 1, 1)).toThrow(/not the id takeId\(\) returned/);
    table.add(id, 0); // falsy entries are entries
    expect(table.has(id)).toBe(true);
    expect(table.get(id)).toBe(0);
    expect(table.get(id + 1024)).toBeUndefined(); // the same index in another block
  });

  it('wraps its ids below 2^32 and skips the block of a task still in flight', () => {
    const table = new TaskTable<string>();
    const first = table.takeId();
    table.add(first, 'long-lived');
    table.seal();
    let last = first;
    let wrapped: number | undefined;
    // One task per tick: a block per id, so block numbers run out after ~4 million ticks.
    for (let i = 0; i < 5_000_000 && wrapped === undefined; i++) {
      const id = table.takeId();
      table.add(id, 'short');
      table.seal();
      table.delete(id);
      if (id < last) wrapped = id;
      else last = id;
    }
    expect(last).toBeLessThan(2 ** 32);
    expect(wrapped).toBeDefined();
    expect(Math.floor(wrapped! / 1024)).not.toBe(Math.floor(first / 1024)); // its block is still live
    expect(wrapped).toBeGreaterThan(first);
    expect(table.get(first)).toBe('long-lived');
    expect(table.size).toBe(1);
  });

  it('keeps every entry, and never reuses a live id, while the ring of blocks wraps around long-lived ones', () => {
    let clock = 0;
    const table = new TaskTable<{ id: number; stamp: number }>(() => clock);
    const longLived = { id: table.takeId(), stamp: clock };
    table.add(longLived.id, longLived);
    table.seal();
    const live = new Map<number, { id: number; stamp: number }>();
    for (let i = 0; i < 100_000; i++) {
      if (i % 7 === 0) {
        clock++;
        table.seal();
      }
      const e = { id: table.takeId(), stamp: clock };
      expect(table.get(e.id)).toBeUndefined();
      table.add(e.id, e);
      live.set(e.id, e);
      // Retire most entries, so blocks come and go many times around the long-lived ones.
      if (i % 100 !== 0) {
        expect(table.delete(e.id)).toBe(true);
        live.delete(e.id);
      }
    }
    expect(table.get(longLived.id)).toBe(longLived);
    expect(table.size).toBe(live.size + 1);
    for (const [id, e] of live) {
      expect(table.get(id)).toBe(e);
      expect(table.stampOf(id)).toBe(e.stamp); // the ring grew: blocks kept their times
    }
    expect(new Set(table.ids())).toEqual(new Set([longLived.id, ...live.keys()]));
  });
});
