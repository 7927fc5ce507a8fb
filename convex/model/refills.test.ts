import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { measure } from "../../bench/report";
import { PLANS } from "../../src/plans";
import { api, internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { serviceDb } from "../lib/db";
import crons from "../crons";
import { changeAllowance } from "./entitlements";
import { getAccount, updateAccount } from "./ledger";
import { refillOnce, SWEEP_BATCH } from "./refills";
import {
  at,
  type Backend,
  creditsOf,
  JAN_31,
  newBackend,
  scheduledStates,
  seedDueUsers,
  seedUser,
} from "../../testing";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(JAN_31);
});
afterEach(() => {
  vi.useRealTimers();
});

const sweep = (t: Backend) => t.mutation(internal.credits.refillDue, {});
const credits = async (t: Backend, userId: Id<"users">) => (await creditsOf(t, userId)).account!;

/** Accounts still due at `now`, refill ledger entries, balances not at 100: read in small pages to fit any limits. */
/** Accounts still due, refill ledger entries, and accounts whose balance is not the refilled 100. */
async function sweepState(t: Backend, now: number, pageSize = 50) {
  const state = { due: 0, refills: 0, notRefilled: 0 };
  for (const table of ["credits", "creditLedger"] as const) {
    let cursor: string | null = null;
    do {
      const page = await t.run((ctx) => ctx.db.query(table).paginate({ numItems: pageSize, cursor }));
      for (const row of page.page) {
        if ("balance" in row) {
          if (row.nextRefillAt <= now) state.due++;
          if (row.balance !== 100) state.notRefilled++;
        } else if (row.kind === "refill") state.refills++;
      }
      cursor = page.isDone ? null : page.continueCursor;
    } while (cursor !== null);
  }
  return state;
}

/** A plan at 1,000 credits a month (as an upgrade grants it), paid for until `paidThrough`. */
async function upgradePaidThrough(t: Backend, userId: Id<"users">, paidThrough: number) {
  await t.run(async (ctx) => {
    const db = serviceDb(ctx.db);
    const paid = await updateAccount({ db }, (await getAccount({ db }, userId))!, { paidThrough });
    await changeAllowance({ db }, paid, 1000, "sub:yearly");
  });
}

describe("monthly refills on each user's own anniversary", () => {
  test("a refill SETS the balance to the allowance, on the anniversary and not before", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    await ada.as.mutation(api.credits.consumeCredits, { amount: 30 });
    vi.setSystemTime(at("2026-02-01T00:00:00Z")); // the first of the month means nothing
    expect(await sweep(t)).toEqual({ refilled: 0, more: false });
    vi.setSystemTime(at("2026-02-28T08:59:59Z"));
    expect(await sweep(t)).toEqual({ refilled: 0, more: false });
    vi.setSystemTime(at("2026-02-28T09:00:00Z")); // 31 January, clamped to February
    expect(await sweep(t)).toEqual({ refilled: 1, more: false });
    expect(await ada.as.query(api.credits.getCredits, {})).toEqual({
      balance: 100,
      monthlyAllowance: 100,
      lastRefillAt: at("2026-02-28T09:00:00Z"),
      nextRefillAt: at("2026-03-31T09:00:00Z"),
    });
    expect(await creditsOf(t, ada.userId)).toMatchObject({ balance: 100, ledgerSum: 100 });
  });

  test("a balance above the allowance is set down too (no rollover by default)", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    await t.mutation(internal.credits.adjustCredits, { userId: ada.userId, delta: 50, reason: "goodwill" });
    vi.setSystemTime(at("2026-02-28T09:00:00Z"));
    await sweep(t);
    expect(await creditsOf(t, ada.userId)).toMatchObject({ balance: 100, ledgerSum: 100 });
  });

  test("a leap year: an anchor on 31 January refills on 29 February", async () => {
    vi.setSystemTime(at("2028-01-31T12:00:00Z"));
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    expect((await credits(t, ada.userId)).nextRefillAt).toBe(at("2028-02-29T12:00:00Z"));
    vi.setSystemTime(at("2028-02-29T12:30:00Z"));
    expect((await sweep(t)).refilled).toBe(1);
    expect((await credits(t, ada.userId)).nextRefillAt).toBe(at("2028-03-31T12:00:00Z"));
  });

  test("a repeated or overlapping sweep grants nothing more", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    vi.setSystemTime(at("2026-02-28T09:00:00Z"));
    await sweep(t);
    await ada.as.mutation(api.credits.consumeCredits, { amount: 10 });
    expect(await sweep(t)).toEqual({ refilled: 0, more: false });
    // Even an account made due again in the same period is not refilled twice,
    // and leaves the due range.
    const account = await credits(t, ada.userId);
    await t.run((ctx) =>
      updateAccount({ db: serviceDb(ctx.db) }, account, { nextRefillAt: at("2026-02-28T09:00:00Z") }),
    );
    expect(await sweep(t)).toEqual({ refilled: 0, more: false });
    expect(await creditsOf(t, ada.userId)).toMatchObject({ balance: 90, ledgerSum: 90 });
    expect((await credits(t, ada.userId)).nextRefillAt).toBe(at("2026-03-31T09:00:00Z"));
  });

  test("missed runs refill once, and the next refill is the next future anniversary", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    vi.setSystemTime(at("2026-07-15T00:00:00Z")); // five anniversaries missed
    expect(await sweep(t)).toEqual({ refilled: 1, more: false });
    expect(await sweep(t)).toEqual({ refilled: 0, more: false });
    const state = await creditsOf(t, ada.userId);
    expect(state).toMatchObject({ balance: 100, ledgerSum: 100 });
    expect(state.ledger).toHaveLength(2);
    expect(state.account!.nextRefillAt).toBe(at("2026-07-31T09:00:00Z"));
  });

  test("an account paid up by billing (nextRefillAt in the future) is never refilled by the sweep", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    vi.setSystemTime(at("2026-02-10T00:00:00Z"));
    const paidUntil = at("2026-03-10T00:00:00Z");
    await t.run(async (ctx) => {
      const db = serviceDb(ctx.db);
      const account = (await getAccount({ db }, ada.userId))!;
      const now = Date.now();
      await refillOnce({ db }, account, {
        allowance: 1000,
        key: "invoice:in_1",
        reason: "Pro",
        nextRefillAt: paidUntil,
        now,
      });
    });
    vi.setSystemTime(at("2026-02-28T09:00:00Z")); // the sign-up anniversary passes
    expect(await sweep(t)).toEqual({ refilled: 0, more: false });
    expect((await credits(t, ada.userId)).balance).toBe(1000);
  });

  test("a yearly plan (upgraded allowance, the year paid) is refilled monthly by the sweep at its allowance", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    await upgradePaidThrough(t, ada.userId, at("2027-01-31T09:00:00Z"));
    expect((await credits(t, ada.userId)).balance).toBe(1000);
    await ada.as.mutation(api.credits.consumeCredits, { amount: 600 });
    for (const month of ["2026-02-28", "2026-03-31"]) {
      vi.setSystemTime(at(`${month}T09:00:00Z`));
      await sweep(t);
      expect((await credits(t, ada.userId)).balance).toBe(1000);
      await ada.as.mutation(api.credits.consumeCredits, { amount: 1 });
    }
    expect(await creditsOf(t, ada.userId)).toMatchObject({ balance: 999, ledgerSum: 999 });
  });

  test("once the paid period has run out unpaid, the sweep grants the free allowance, not the plan's", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    await upgradePaidThrough(t, ada.userId, at("2026-02-28T09:00:00Z"));
    vi.setSystemTime(at("2026-02-28T09:00:00Z")); // the paid period ends as the anniversary comes
    expect(await sweep(t)).toEqual({ refilled: 1, more: false });
    expect(await credits(t, ada.userId)).toMatchObject({ balance: 100, monthlyAllowance: 1000 });
    const { ledger } = await creditsOf(t, ada.userId);
    expect(ledger.at(-1)).toMatchObject({ kind: "refill", delta: -900, reason: expect.stringContaining("unpaid") });
  });

  test("rollover cap (a per-plan option): up to the cap of unused credits carries over", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    await ada.as.mutation(api.credits.consumeCredits, { amount: 30 });
    PLANS.free.rolloverCap = 50;
    try {
      vi.setSystemTime(at("2026-02-28T09:00:00Z"));
      await sweep(t);
      expect((await credits(t, ada.userId)).balance).toBe(150); // 100 + min(70, 50)
      await ada.as.mutation(api.credits.consumeCredits, { amount: 130 });
      vi.setSystemTime(at("2026-03-31T09:00:00Z"));
      await sweep(t);
      expect((await credits(t, ada.userId)).balance).toBe(120); // 100 + min(20, 50)
    } finally {
      delete PLANS.free.rolloverCap;
    }
    expect(await creditsOf(t, ada.userId)).toMatchObject({ balance: 120, ledgerSum: 120 });
  });
});

describe("the sweep at scale", () => {
  test("with nobody due it reads at most one document and writes none", async () => {
    const t = newBackend(true);
    await seedDueUsers(t, 2_000, at("2026-02-28T09:00:00Z"));
    const calls = await measure(() => sweep(t));
    expect(calls).toEqual([expect.objectContaining({ name: "credits:refillDue", documentsWritten: 0 })]);
    expect(calls[0]!.documentsRead).toBeLessThanOrEqual(1);
  });

  test("a refill writes 2 documents per user (the balance and its ledger entry)", async () => {
    const t = newBackend(true);
    await seedDueUsers(t, 200, JAN_31);
    const [call] = await measure(() => sweep(t));
    expect(call).toMatchObject({ documentsWritten: 400, documentsRead: 400 });
  });

  test("10,000 due users, real limits: self-scheduled batches, none over the limits", async () => {
    const t = newBackend(true);
    await seedDueUsers(t, 10_000, JAN_31);
    await seedDueUsers(t, 100, at("2026-02-28T09:00:00Z")); // not due: untouched
    expect(await sweep(t)).toEqual({ refilled: SWEEP_BATCH, more: true });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const states = await scheduledStates(t);
    expect(states.length).toBeGreaterThanOrEqual(10_000 / SWEEP_BATCH - 1);
    expect(states.every((s) => s.state === "success")).toBe(true);
    expect(await sweepState(t, JAN_31, 10_000)).toEqual({ due: 0, refills: 10_000, notRefilled: 100 }); // the 100 not due keep their balance
  }, 120_000);

  test("with scaled-down limits (200 reads, 200 writes) it still completes", async () => {
    const t = newBackend({ documentsRead: 200, documentsWritten: 200 });
    await seedDueUsers(t, 500, JAN_31, 60);
    await sweep(t);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const states = await scheduledStates(t);
    // 99 accounts fit each transaction: the first call, then five batches that scheduled each other.
    expect(states.length).toBe(5);
    expect(states.every((s) => s.state === "success")).toBe(true);
    expect(await sweepState(t, JAN_31)).toEqual({ due: 0, refills: 500, notRefilled: 0 });
  });
});

test("crons.ts runs the sweep hourly, with no arguments", () => {
  expect(crons.crons["refill due credits"]).toMatchObject({
    name: "credits:refillDue",
    args: [{}],
    schedule: { type: "interval", hours: 1 },
  });
});
