// Time in tests: named instants and a frozen clock. Convex fixes `Date.now()`
// for the length of a function, so freezing `Date` is how a test says "now".
import { afterEach, beforeEach, vi } from "vitest";
import { MS } from "../convex/model/time";

export { addMonths } from "../convex/model/time";
export { MS };
export const { MINUTE, HOUR, DAY } = MS;

/** An ISO date as milliseconds. */
export const at = (iso: string) => Date.parse(iso);

/** 31 January 2026, 09:00 UTC: credits stories start on the 31st, so short months show their clamping. */
export const JAN_31 = at("2026-01-31T09:00:00Z");

/** 1 March 2026, 00:00 UTC: billing stories start at the top of a month, as Stripe's examples do. */
export const MAR_1 = at("2026-03-01T00:00:00Z");

/** 1 April 2026: the end of the first monthly period that starts on MAR_1. */
export const APR_1 = at("2026-04-01T00:00:00Z");

/**
 * Freezes the clock at `time`. By default only `Date` is faked (actions and
 * `t.fetch` need real timers); `{ timers: true }` fakes timers too, for
 * scheduled functions driven with `vi.advanceTimersByTime` or `vi.runAllTimers`.
 */
export function clockAt(time: number, options: { timers?: boolean } = {}) {
  if (options.timers) vi.useFakeTimers();
  else vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(time);
}

/** For every test in the file: the clock frozen at `time` before each, real again after. */
export function useClock(time: number, options: { timers?: boolean } = {}) {
  beforeEach(() => clockAt(time, options));
  afterEach(() => {
    vi.useRealTimers();
  });
}
