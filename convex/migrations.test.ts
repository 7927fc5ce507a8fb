import { afterEach, expect, test, vi } from "vitest";
import { internal } from "./_generated/api";
import { expectConsole, newBackend } from "../testing";

afterEach(() => {
  vi.useRealTimers();
});

test("normalizeProfileEmails lower-cases old emails in batches and is resumable", async () => {
  vi.useFakeTimers();
  // convex-helpers reports each migration's end on console.debug.
  const debug = expectConsole(
    "debug",
    "Migration migrations:normalizeProfileEmails is done.",
    "Migration already done.",
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
  expect(debug.messages).toEqual(["Migration migrations:normalizeProfileEmails is done."]);

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
  expect(debug.messages.slice(1)).toEqual(["Migration already done."]);
});
