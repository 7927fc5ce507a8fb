const DAY = 24 * 60 * 60 * 1000;

/**
 * `months` calendar months after `anchor` (UTC), keeping the anchor's day of
 * month and time of day, clamped to the target month's length: an anchor on
 * 31 January gives 28 (or 29) February, then 31 March.
 */
export function addMonths(anchor: number, months: number): number {
  const a = new Date(anchor);
  const year = a.getUTCFullYear();
  const month = a.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(a.getUTCDate(), lastDay);
  return Date.UTC(year, month, day, a.getUTCHours(), a.getUTCMinutes(), a.getUTCSeconds(), a.getUTCMilliseconds());
}

/** The first monthly anniversary of `anchor` strictly after `now`. */
export function nextAnniversary(anchor: number, now: number): number {
  const a = new Date(anchor);
  const n = new Date(now);
  let months = (n.getUTCFullYear() - a.getUTCFullYear()) * 12 + (n.getUTCMonth() - a.getUTCMonth());
  if (months < 1) months = 1;
  let next = addMonths(anchor, months);
  while (next <= now) next = addMonths(anchor, ++months);
  // Step back while the previous anniversary is still in the future.
  while (months > 1 && addMonths(anchor, months - 1) > now) next = addMonths(anchor, --months);
  return next;
}

/** A period key for idempotency: the anniversary's UTC date, e.g. "2026-02-28". */
export function periodKey(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

export const MS = { DAY };
