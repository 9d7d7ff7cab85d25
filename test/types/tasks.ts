// The task module test/types/typed-pool.ts types its pool by (checked by tsc only, never run).
import type { TaskContext } from '@weft/core';

export default function increment(n: number): number {
  return n + 1;
}

export async function greet(name: string, { signal }: TaskContext): Promise<string> {
  signal.throwIfAborted();
  return `hello ${name}`;
}

export function now(): number {
  return Date.now();
}

export const version = '1.0'; // not a function: not a task
