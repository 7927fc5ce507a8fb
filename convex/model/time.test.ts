import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { addMonths, currentAnniversary, nextAnniversary, periodKey } from "./time";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
// Any instant from year 1 to 9999 (years 0..99 caught Date.UTC reading them as 19xx).
const instant = fc.integer({ min: at("0001-01-01T00:00:00Z"), max: at("9999-01-01T00:00:00Z") });

describe("addMonths", () => {
  test("an anchor on the 31st clamps to short months and comes back to the 31st", () => {
    const anchor = at("2024-01-31T10:30:00Z");
    expect([1, 2, 3, 13, 25].map((k) => iso(addMonths(anchor, k)))).toEqual([
      "2024-02-29T10:30:00.000Z", // leap year
      "2024-03-31T10:30:00.000Z",
      "2024-04-30T10:30:00.000Z",
      "2025-02-28T10:30:00.000Z",
      "2026-02-28T10:30:00.000Z",
    ]);
    expect(iso(addMonths(anchor, -2))).toBe("2023-11-30T10:30:00.000Z");
  });

  test("years before 100 stay where they are", () => {
    expect(iso(addMonths(at("0099-01-31T00:00:00Z"), 1))).toBe("0099-02-28T00:00:00.000Z");
  });

  test("property: same time of day, day clamped, month moved by exactly k", () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: -240, max: 240 }), (anchor, k) => {
        const a = new Date(anchor);
        const r = new Date(addMonths(anchor, k));
        const monthIndex = (d: Date) => d.getUTCFullYear() * 12 + d.getUTCMonth();
        expect(monthIndex(r) - monthIndex(a)).toBe(k);
        const msOfDay = (d: Date) => ((d.getTime() % 86_400_000) + 86_400_000) % 86_400_000;
        expect(msOfDay(r)).toBe(msOfDay(a));
        const monthEnd = new Date(r);
        monthEnd.setUTCMonth(r.getUTCMonth() + 1, 0);
        expect(r.getUTCDate()).toBe(Math.min(a.getUTCDate(), monthEnd.getUTCDate()));
      }),
    );
  });
});

describe("anniversaries", () => {
  test("the period a date falls in, and the next refill", () => {
    const anchor = at("2026-01-31T09:00:00Z");
    expect(iso(nextAnniversary(anchor, at("2026-02-01T00:00:00Z")))).toBe("2026-02-28T09:00:00.000Z");
    expect(iso(nextAnniversary(anchor, at("2026-02-28T09:00:00Z")))).toBe("2026-03-31T09:00:00.000Z");
    expect(iso(currentAnniversary(anchor, at("2026-02-28T09:00:00Z")))).toBe("2026-02-28T09:00:00.000Z");
    expect(iso(currentAnniversary(anchor, at("2026-02-28T08:59:59Z")))).toBe("2026-01-31T09:00:00.000Z");
    // A long gap (missed runs): the next one is the first in the future, not the first missed.
    expect(iso(nextAnniversary(anchor, at("2027-07-15T00:00:00Z")))).toBe("2027-07-31T09:00:00.000Z");
    expect(periodKey(currentAnniversary(anchor, at("2027-07-15T00:00:00Z")))).toBe("2027-06-30");
  });

  test("property: current <= now < next, consecutive anniversaries of the anchor", () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 200 * 365 * 86_400_000 }), (anchor, gap) => {
        const now = anchor + gap;
        const current = currentAnniversary(anchor, now);
        const next = nextAnniversary(anchor, now);
        expect(current).toBeLessThanOrEqual(now);
        expect(next).toBeGreaterThan(now);
        const k = Array.from({ length: 2402 }, (_, i) => i).find((i) => addMonths(anchor, i) === current);
        expect(k).toBeDefined();
        expect(addMonths(anchor, k! + 1)).toBe(next);
      }),
    );
  });
});
