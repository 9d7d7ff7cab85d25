import { describe, expect, it } from 'vitest';

import { TaskTable } from '../dist/esm/pool/task-table.js';

describe('TaskTable', () => {
  it('stores, finds and removes entries by id, each with its number', () => {
    const table = new TaskTable<{ id: number; v: string }>();
    const a = { id: table.takeId(), v: 'a' };
    table.add(a.id, a, 1.5);
    const b = { id: table.takeId(), v: 'b' };
    table.add(b.id, b);
    expect(a.id).not.toBe(b.id);
    expect(table.get(a.id)).toBe(a);
    expect(table.stampOf(a.id)).toBe(1.5);
    expect(table.stampOf(b.id)).toBe(0);
    expect(table.size).toBe(2);
    expect(table.delete(a.id)).toBe(true);
    expect(table.delete(a.id)).toBe(false);
    expect(table.get(a.id)).toBeUndefined();
    expect(table.stampOf(a.id)).toBeNaN();
    expect(table.has(b.id)).toBe(true);
    expect(table.values()).toEqual([b]);
    expect(table.ids()).toEqual([b.id]);
  });

  it('entries need no id of their own: functions and numbers work', () => {
    const table = new TaskTable<(() => string) | number>();
    const f = (): string => 'f';
    const x = table.takeId();
    table.add(x, f, 7);
    const y = table.takeId();
    table.add(y, 42);
    expect(table.get(x)).toBe(f);
    expect(table.get(y)).toBe(42);
    expect(table.get(y + 1024)).toBeUndefined(); // same slot, other id
  });

  it('never hands out an id whose slot is taken, and keeps every entry while growing', () => {
    const table = new TaskTable<{ id: number }>();
    const longLived = { id: table.takeId() };
    table.add(longLived.id, longLived, longLived.id);
    const live = new Map<number, { id: number }>();
    for (let i = 0; i < 50_000; i++) {
      const e = { id: table.takeId() };
      expect(table.get(e.id)).toBeUndefined();
      table.add(e.id, e, e.id);
      live.set(e.id, e);
      // Retire most entries so ids wrap around the table many times around `longLived`.
      if (i % 10 !== 0) {
        expect(table.delete(e.id)).toBe(true);
        live.delete(e.id);
      }
    }
    expect(table.get(longLived.id)).toBe(longLived);
    expect(table.stampOf(longLived.id)).toBe(longLived.id);
    expect(table.size).toBe(live.size + 1);
    for (const [id, e] of live) {
      expect(table.get(id)).toBe(e);
      expect(table.stampOf(id)).toBe(id); // numbers move with their entries when the table grows
    }
  });
});
