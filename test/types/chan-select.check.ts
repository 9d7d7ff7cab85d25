// Type checks for channel results and select (compiled by chan-types.test.ts with
// tsc --strict --noEmit; every @ts-expect-error line must be needed).
import { Channel, after, select, selectSync, type RecvResult, type SelectResult } from '@weft/core';

declare function expectType<T>(value: T): void;

const nums = new Channel<number>(1);
const names = new Channel<string>(1);

export async function recvNarrows(): Promise<void> {
  const r: RecvResult<number> = await nums.recv();
  if (r.ok) {
    expectType<number>(r.value);
  } else {
    expectType<undefined>(r.value);
    // @ts-expect-error a closed result has no number
    expectType<number>(r.value);
  }
  // @ts-expect-error not narrowed: the value may be undefined
  expectType<number>(r.value);
}

export async function selectNarrowsByIndex(): Promise<void> {
  const r = await select([nums.recvCase(), names.sendCase('x'), names.recvCase(), after(10)]);
  switch (r.index) {
    case 0:
      if (r.ok) expectType<number>(r.value);
      // @ts-expect-error case 0 receives numbers, not strings
      if (r.ok) expectType<string>(r.value);
      break;
    case 1:
      expectType<true>(r.ok);
      expectType<undefined>(r.value);
      break;
    case 2:
      if (r.ok) expectType<string>(r.value);
      break;
    case 3:
      expectType<undefined>(r.value);
      break;
    // @ts-expect-error no case 4, and no default result without the default option
    case 4:
      break;
  }
  const withAsConst = await select([nums.recvCase(), after(1)] as const);
  if (withAsConst.index === 0 && withAsConst.ok) expectType<number>(withAsConst.value);
}

export async function selectDefault(): Promise<void> {
  const r = await select([nums.recvCase()], { default: true });
  if (r.index === -1) expectType<false>(r.ok);
  else if (r.ok) expectType<number>(r.value);
}

export function selectSyncNarrows(): void {
  const r = selectSync([names.recvCase(), after(5)]);
  if (r.index === 0 && r.ok) expectType<string>(r.value);
  // @ts-expect-error a send case's value must be the channel's element type
  nums.sendCase('not a number');
}

export async function plainArrays(cases: ReturnType<typeof nums.recvCase>[]): Promise<void> {
  const r: SelectResult = await select(cases);
  expectType<number>(r.index);
}
