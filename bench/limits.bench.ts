import { expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { type AppDbWriter, serviceDb, userDb } from "../convex/lib/db";
import * as Notes from "../convex/model/notes";
import * as RateLimits from "../convex/model/rateLimits";
import * as Reservations from "../convex/model/reservations";
import { type Call, measureOne, writeSection } from "./report";
import { type Backend, JAN_31, newBackend, seedUser } from "../testing";
import { QUOTAS, RATE_LIMITS } from "../src/limits";

/**
 * What a refused call costs. The builders report only calls that succeed, so a
 * refusal is measured by running the same steps as its handler, as the same
 * user (row rules on), in one transaction, and reading Convex's counters when
 * it throws. Its writes are rolled back with it: "written" is what it tried.
 */
async function refused(t: Backend, userId: Id<"users">, steps: (ctx: { db: AppDbWriter }) => Promise<unknown>) {
  return await t.run(async (ctx) => {
    let code: unknown = null;
    try {
      await steps({ db: userDb(ctx.db, userId) });
    } catch (error) {
      code = (error as { data?: { code?: string } }).data?.code;
    }
    const m = await ctx.meta.getTransactionMetrics();
    return { code, documentsRead: m.documentsRead.used, documentsWritten: m.documentsWritten.used };
  });
}

test("limits: documents per allowed and refused call", async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(JAN_31);
  const t = newBackend(true);
  const { userId, as } = await seedUser(t, "bench@example.com");
  const note = (i: number) => as.mutation(api.notes.create, { title: `n${i}`, body: "b" });
  const reserve = () => as.mutation(api.credits.reserveCredits, { amount: 1 });
  const stripeCall = () => t.mutation(internal.billing.spendStripeCall, { userId });
  const allowed: [string, Call][] = [
    ["notes.create (first: bucket and counter created)", await measureOne(() => note(0))],
    ["notes.create (bucket and counter patched)", await measureOne(() => note(1))],
    ["credits.reserveCredits (first: bucket created)", await measureOne(reserve)],
    ["credits.reserveCredits (bucket patched, 1 held read)", await measureOne(reserve)],
    ["billing:spendStripeCall (first step of checkout and portal)", await measureOne(stripeCall)],
  ];
  // Use up the buckets, then measure the refusals.
  for (let i = 2; i < RATE_LIMITS.createRows.capacity; i++) await note(i);
  for (let i = 1; i < RATE_LIMITS.stripeSession.capacity; i++) await stripeCall();
  const rateLimited = [
    ["notes.create (RATE_LIMITED)", await refused(t, userId, (ctx) => RateLimits.spend(ctx, "createRows", userId))],
    [
      "billing:spendStripeCall (RATE_LIMITED)",
      await refused(t, userId, (ctx) => RateLimits.spend(ctx, "stripeSession", userId)),
    ],
  ] as const;
  for (let i = 2; i < QUOTAS.heldReservations; i++) await reserve();
  const quota = [
    [
      `credits.reserveCredits (LIMIT_REACHED: ${QUOTAS.heldReservations} held)`,
      await refused(t, userId, async (ctx) => {
        await RateLimits.spend(ctx, "reserveCredits", userId);
        await Reservations.reserve(ctx, userId, { amount: 1 });
      }),
    ],
  ] as const;
  const full = await seedUser(t, "full@example.com");
  await t.run(async (ctx) => {
    const db = serviceDb(ctx.db);
    for (let i = 0; i < QUOTAS.notes; i++) await Notes.createNote({ db }, full.userId, { title: `n${i}`, body: "" });
  });
  const notesFull = [
    [
      `notes.create (LIMIT_REACHED: ${QUOTAS.notes} notes)`,
      await refused(t, full.userId, async (ctx) => {
        await RateLimits.spend(ctx, "createRows", full.userId);
        await Notes.createNote(ctx, full.userId, { title: "t", body: "" });
      }),
    ],
  ] as const;
  vi.useRealTimers();

  for (const [, c] of rateLimited) expect(c).toEqual({ code: "RATE_LIMITED", documentsRead: 1, documentsWritten: 0 });
  for (const [, c] of [...quota, ...notesFull]) expect(c.code).toBe("LIMIT_REACHED");
  const rows = [
    ...allowed.map(([name, c]) => [name, c.documentsRead, c.documentsWritten]),
    ...[...rateLimited, ...quota, ...notesFull].map(([name, c]) => [name, c.documentsRead, c.documentsWritten]),
  ];
  writeSection(
    "25-limits",
    "Rate limits and quotas",
    [
      "Allowed calls are the registered functions. A bucket (convex-helpers' token bucket, one row per user and limit) adds three reads",
      "(the library looks the row up twice, and its patch counts one) and one write; the notes quota adds a counter row (two reads, one write),",
      "the reservations quota the user's held rows (at most 20 reads).",
      "Refused calls throw, so the builders do not report them: each is measured over the same steps, as the same user, in one",
      "transaction, and everything it wrote is rolled back. A rate-limited call reads its bucket and writes nothing.",
    ].join(" "),
    ["call", "documents read", "documents written"],
    rows,
  );
});
