const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Milliseconds since the epoch of a UTC date; unlike `Date.UTC`, years 0..99 are not read as 19xx. */
function utc(year: number, month: number, day: number, msOfDay: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  return d.getTime() + msOfDay;
}

/** Days in `month` (0-based, may overflow into other years) of `year`. */
function daysIn(year: number, month: number): number {
  return new Date(utc(year, month + 1, 0, 0)).getUTCDate();
}

/**
 * `months` calendar months after `anchor` (UTC), keeping the anchor's day of
 * month and time of day, clamped to the target month's length: an anchor on
 * 31 January gives 28 (or 29) February, then 31 March. Always counted from the
 * anchor, never from the previous (clamped) date, so the 31st comes back.
 */
export function addMonths(anchor: number, months: number): number {
  const a = new Date(anchor);
  const year = a.getUTCFullYear();
  const month = a.getUTCMonth() + months;
  const day = Math.min(a.getUTCDate(), daysIn(year, month));
  const msOfDay = ((anchor % DAY) + DAY) % DAY;
  return utc(year, month, day, msOfDay);
}

/** Whole calendar months from `anchor` to `now`, a lower bound for the anniversary search. */
function monthsBetween(anchor: number, now: number): number {
  const a = new Date(anchor);
  const n = new Date(now);
  return (n.getUTCFullYear() - a.getUTCFullYear()) * 12 + (n.getUTCMonth() - a.getUTCMonth());
}

/** The first monthly anniversary of `anchor` strictly after `now` (at least one month after the anchor). */
export function nextAnniversary(anchor: number, now: number): number {
  return addMonths(anchor, anniversaryIndex(anchor, now) + 1);
}

/**
 * The latest monthly anniversary of `anchor` at or before `now` (the anchor
 * itself counts as the 0th), or the anchor when `now` is before it. The start
 * of the refill period `now` falls in.
 */
export function currentAnniversary(anchor: number, now: number): number {
  return addMonths(anchor, anniversaryIndex(anchor, now));
}

/** k such that anniversary k <= now < anniversary k+1 (0 when now is before the anchor). */
function anniversaryIndex(anchor: number, now: number): number {
  if (now < anchor) return 0;
  // The calendar difference is exact or one too many (the day or time of day
  // not reached yet this month); clamping never moves a date across a month.
  let k = Math.max(0, monthsBetween(anchor, now));
  while (k > 0 && addMonths(anchor, k) > now) k--;
  while (addMonths(anchor, k + 1) <= now) k++;
  return k;
}

/** A period key for idempotency: the anniversary's UTC date, e.g. "2026-02-28". */
export function periodKey(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** Durations in milliseconds. */
export const MS = { MINUTE, HOUR, DAY };
