import { afterEach, expect, test, vi } from "vitest";
import { api, internal } from "./_generated/api";
import { newBackend } from "./test.setup";

afterEach(() => {
  vi.useRealTimers();
});

test("normalizeProfileEmails lower-cases old emails in batches and is resumable", async () => {
  vi.useFakeTimers();
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
});

test("renameCreditRefillFields and renameReservationRefillCount move old rows to the new names", async () => {
  vi.useFakeTimers();
  const t = newBackend();
  // 250 accounts as older versions stored them (more than one batch), and one already new.
  const { oldUser, newUser } = await t.run(async (ctx) => {
    let oldUser = null;
    for (let i = 0; i < 250; i++) {
      const userId = await ctx.db.insert("users", { email: `old${i}@example.com` });
      oldUser ??= userId;
      await ctx.db.insert("credits", {
        userId, balance: 5, monthlyAllowance: 100, lastResetAt: 1_000 + i, refillAnchorAt: 1, nextRefillAt: 2, updatedAt: 1,
      });
      await ctx.db.insert("creditReservations", {
        userId, amount: 3, status: "held", expiresAt: 9, period: i % 2, updatedAt: 1,
      });
    }
    const newUser = await ctx.db.insert("users", { email: "new@example.com" });
    await ctx.db.insert("credits", {
      userId: newUser, balance: 5, monthlyAllowance: 100, lastRefillAt: 7, refillCount: 2, refillAnchorAt: 1, nextRefillAt: 2, updatedAt: 1,
    });
    return { oldUser: oldUser!, newUser };
  });
  // Before the migration, clients already read the old rows under the new name.
  const oldAs = t.withIdentity({ subject: `${oldUser}|s` });
  expect(await oldAs.query(api.credits.getCredits, {})).toMatchObject({ lastRefillAt: 1_000 });

  await t.mutation(internal.migrations.runAll, {});
  await t.finishAllScheduledFunctions(vi.runAllTimers);

  const accounts = await t.run((ctx) => ctx.db.query("credits").collect());
  expect(accounts).toHaveLength(251);
  for (const account of accounts) {
    expect(account.lastResetAt).toBeUndefined();
    expect(typeof account.lastRefillAt).toBe("number");
    expect(typeof account.refillCount).toBe("number");
  }
  expect(accounts.find((a) => a.userId === oldUser)).toMatchObject({ lastRefillAt: 1_000, refillCount: 0 });
  // A row already in the new shape is not written.
  expect(accounts.find((a) => a.userId === newUser)).toMatchObject({ lastRefillAt: 7, refillCount: 2, updatedAt: 1 });
  const reservations = await t.run((ctx) => ctx.db.query("creditReservations").collect());
  expect(reservations.every((r) => r.period === undefined && r.refillCountAtReserve !== undefined)).toBe(true);
  expect(reservations.filter((r) => r.refillCountAtReserve === 1)).toHaveLength(125);
  const state = await t.run((ctx) => ctx.db.query("migrations").collect());
  expect(state).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ name: "migrations:renameCreditRefillFields", isDone: true, processed: 251 }),
      expect.objectContaining({ name: "migrations:renameReservationRefillCount", isDone: true, processed: 250 }),
    ]),
  );
});
