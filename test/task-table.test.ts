import { describe, expect, it } from 'vitest';

import { TaskTable } from '../dist/esm/pool/task-table.js';

describe('TaskTable', () => {
  it('stores, finds and removes entries by id', () => {
    const table = new TaskTable<{ id: number; v: string }>();
    const a = { id: table.takeId(), v: 'a' };
    table.add(a);
    const b = { id: table.takeId(), v: 'b' };
    table.add(b);
    expect(a.id).not.toBe(b.id);
    expect(table.get(a.id)).toBe(a);
    expect(table.size).toBe(2);
    expect(table.delete(a.id)).toBe(true);
    expect(table.delete(a.id)).toBe(false);
    expect(table.get(a.id)).toBeUndefined();
    expect(table.has(b.id)).toBe(true);
    expect(table.values()).toEqual([b]);
  });

  it('never hands out an id whose slot is taken, and keeps every entry while growing', () => {
    const table = new TaskTable<{ id: number }>();
    const longLived = { id: table.takeId() };
    table.add(longLived);
    const live = new Map<number, { id: number }>();
    for (let i = 0; i < 50_000; i++) {
      const e = { id: table.takeId() };
      expect(table.get(e.id)).toBeUndefined();
      table.add(e);
      live.set(e.id, e);
      // Retire most entries so ids wrap around the table many times around `longLived`.
      if (i % 10 !== 0) {
        expect(table.delete(e.id)).toBe(true);
        live.delete(e.id);
      }
    }
    expect(table.get(longLived.id)).toBe(longLived);
    expect(table.size).toBe(live.size + 1);
    for (const [id, e] of live) expect(table.get(id)).toBe(e);
  });
});
