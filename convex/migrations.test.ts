import { afterEach, expect, test, vi } from "vitest";
import { internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { serviceDb } from "./lib/db";
import { getAccount, insertAccount } from "./model/ledger";
import { save } from "./model/subscriptions";
import { addMonths, APR_1, expectConsole, MAR_1, newBackend } from "../testing";

afterEach(() => {
  vi.useRealTimers();
});

test("normalizeProfileEmails lower-cases old emails in batches and is resumable", async () => {
  vi.useFakeTimers();
  // convex-helpers reports each migration's end on console.debug.
  const debug = expectConsole(
    "debug",
    "Migration migrations:normalizeProfileEmails is done.",
    "Migration migrations:backfillPaidThrough is done.",
    "Migrations already done.",
  );
  const t = newBackend();
  // 450 old profiles (more than two batches of 200), a third already normalized.
  await t.run(async (ctx) => {
    for (let i = 0; i < 450; i++) {
      const email = i % 3 === 0 ? `user${i}@example.com` : `User${i}@Example.COM`;
      const userId = await ctx.db.insert("users", { email });
      await ctx.db.insert("profiles", { userId, email, updatedAt: 1 });
    }
  });

  await t.mutation(internal.migrations.runAll, {});
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  expect(debug.messages).toEqual([
    "Migration migrations:normalizeProfileEmails is done. Next: migrations:backfillPaidThrough",
    "Migration migrations:backfillPaidThrough is done.",
  ]);

  const profiles = await t.run((ctx) => ctx.db.query("profiles").collect());
  expect(profiles.every((p) => p.email === p.email.toLowerCase())).toBe(true);
  // Rows that needed no change were not written (updatedAt untouched).
  expect(profiles.filter((p) => p.updatedAt === 1)).toHaveLength(150);
  const state = await t.run((ctx) => ctx.db.query("migrations").collect());
  expect(state).toContainEqual(
    expect.objectContaining({ name: "migrations:normalizeProfileEmails", isDone: true, processed: 450 }),
  );

  // Running it again is a no-op: it is recorded as done.
  await t.mutation(internal.migrations.runAll, {});
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  const again = await t.run((ctx) => ctx.db.query("migrations").collect());
  expect(again.find((m) => m.name === "migrations:normalizeProfileEmails")!.processed).toBe(450);
  expect(debug.messages.slice(2)).toEqual(["Migrations already done."]);
});

test("backfillPaidThrough fills paidThrough from live paid subscriptions on accounts stored before it", async () => {
  vi.useFakeTimers();
  expectConsole("debug", "is done.");
  const t = newBackend();
  const START = MAR_1;
  const sub = (userId: Id<"users">, status: "active" | "past_due" | "canceled", interval: "month" | "year") => ({
    userId,
    stripeCustomerId: `cus_${userId}`,
    stripeSubscriptionId: `sub_${userId}`,
    planId: "pro" as const,
    priceId: "price_pro",
    priceLookupKey: "pro_monthly",
    interval,
    status,
    currentPeriodStart: START,
    currentPeriodEnd: interval === "year" ? addMonths(START, 12) : APR_1,
    cancelAtPeriodEnd: false,
    cancelAt: null,
    trialEnd: null,
    lastEventAt: START,
  });
  const ids = await t.run(async (ctx) => {
    const db = serviceDb(ctx.db);
    const user = async (email: string) => {
      const userId = await db.insert("users", { email });
      await insertAccount({ db }, userId, { openedAt: START, balance: 100 }); // as stored before paidThrough existed
      return userId;
    };
    const [yearly, pastDue, canceled, free] = [
      await user("y@x.io"),
      await user("p@x.io"),
      await user("c@x.io"),
      await user("f@x.io"),
    ];
    await save({ db }, null, sub(yearly, "active", "year"));
    await save({ db }, null, sub(pastDue, "past_due", "month"));
    await save({ db }, null, sub(canceled, "canceled", "month"));
    return { yearly, pastDue, canceled, free };
  });
  await t.mutation(internal.migrations.runAll, {});
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  const paidThrough = async (userId: Id<"users">) =>
    (await t.run((ctx) => getAccount({ db: serviceDb(ctx.db) }, userId)))!.paidThrough;
  expect(await paidThrough(ids.yearly)).toBe(addMonths(START, 12));
  expect(await paidThrough(ids.pastDue)).toBe(START); // its renewal is unpaid
  expect(await paidThrough(ids.canceled)).toBeUndefined();
  expect(await paidThrough(ids.free)).toBeUndefined();
});
