import { describe, expect, test, vi } from "vitest";
import { measure } from "../bench/report";
import { RETENTION } from "../src/limits";
import { api, internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import crons from "./crons";
import { type Backend, creditsOf, DAY, JAN_31, newBackend, scheduledStates, seedUser, useClock } from "../testing";

useClock(JAN_31, { timers: true });

type Reservation = Omit<Doc<"creditReservations">, "_id" | "_creationTime">;
type StripeEventRow = Omit<Doc<"stripeEvents">, "_id" | "_creationTime">;

/** Inserts `n` reservations as the model leaves them (status, updatedAt), straight into the table. */
async function seedReservations(t: Backend, userId: Id<"users">, n: number, row: Partial<Reservation>) {
  await t.run(async (ctx) => {
    for (let i = 0; i < n; i++) {
      await ctx.db.insert("creditReservations", {
        userId,
        amount: 1,
        status: "committed",
        charged: 1,
        expiresAt: Date.now(),
        refillCountAtReserve: 0,
        updatedAt: Date.now(),
        ...row,
      });
    }
  });
}

const reservations = (t: Backend) => t.run((ctx) => ctx.db.query("creditReservations").collect());
const runAll = (t: Backend) => t.finishAllScheduledFunctions(vi.runAllTimers);

describe("ended reservations are deleted 30 days after they ended", () => {
  test("over several batches: old ended rows go; recent, held ones and the ledger stay", async () => {
    const t = newBackend(true);
    const ada = await seedUser(t, "ada@example.com");
    const old = Date.now() - RETENTION.endedReservations - 1;
    const recent = Date.now() - RETENTION.endedReservations + DAY;
    await seedReservations(t, ada.userId, 50, { status: "committed", updatedAt: old });
    await seedReservations(t, ada.userId, 40, { status: "released", charged: 0, updatedAt: old });
    await seedReservations(t, ada.userId, 30, { status: "expired", charged: 0, updatedAt: old });
    await seedReservations(t, ada.userId, 5, { status: "committed", updatedAt: recent });
    await seedReservations(t, ada.userId, 3, { status: "held", charged: undefined, updatedAt: old });
    const ledgerBefore = (await creditsOf(t, ada.userId)).ledger;

    const calls = await measure(async () => {
      await t.mutation(internal.retention.deleteEndedReservations, { batchSize: 50 });
      await runAll(t);
    });

    // 120 old ended rows in batches of 50: 50, 50, 20. Per row: the index read and
    // the read its delete counts (2), one write.
    expect(calls.map((c) => [c.name, c.documentsRead, c.documentsWritten])).toEqual([
      ["retention:deleteEndedReservations", 100, 50],
      ["retention:deleteEndedReservations", 100, 50],
      ["retention:deleteEndedReservations", 40, 20],
    ]);
    const left = await reservations(t);
    expect(left.map((r) => r.status).sort()).toEqual([...Array(5).fill("committed"), ...Array(3).fill("held")]);
    expect(left.filter((r) => r.status === "committed").every((r) => r.updatedAt === recent)).toBe(true);
    expect((await creditsOf(t, ada.userId)).ledger).toEqual(ledgerBefore);
    expect(await scheduledStates(t)).toEqual([
      { name: "retention:deleteEndedReservations", state: "success" },
      { name: "retention:deleteEndedReservations", state: "success" },
    ]);
  });

  test("a day with nothing to delete reads nothing and schedules nothing", async () => {
    const t = newBackend(true);
    const ada = await seedUser(t, "ada@example.com");
    await seedReservations(t, ada.userId, 10, { status: "released", updatedAt: Date.now() });
    const [call] = await measure(() => t.mutation(internal.retention.deleteEndedReservations, {}));
    expect(call).toMatchObject({ documentsRead: 0, documentsWritten: 0 });
    expect(await scheduledStates(t)).toEqual([]);
  });

  test("end to end: a released reservation is gone 30 days later; its ledger entries stay", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const { reservationId } = await ada.as.mutation(api.credits.reserveCredits, { amount: 10 });
    await ada.as.mutation(api.credits.releaseReservation, { reservationId });
    await runAll(t); // the cancelled expiry

    vi.advanceTimersByTime(RETENTION.endedReservations - DAY);
    await t.mutation(internal.retention.deleteEndedReservations, {});
    expect(await reservations(t)).toHaveLength(1);

    vi.advanceTimersByTime(2 * DAY);
    await t.mutation(internal.retention.deleteEndedReservations, {});
    expect(await reservations(t)).toEqual([]);
    const { ledger, balance, ledgerSum } = await creditsOf(t, ada.userId);
    expect(ledger.map((e) => e.kind)).toEqual(["signup", "reserve", "release"]);
    expect(balance).toBe(ledgerSum);
  });
});

/** A stored inbox row, as the inbox leaves one. */
function eventRow(i: number, over: Partial<StripeEventRow>): StripeEventRow {
  const payload = JSON.stringify({ id: `evt_${i}`, data: { object: { email: `customer${i}@example.com` } } });
  return {
    eventId: `evt_${i}`,
    type: "invoice.paid",
    status: "processed",
    attempts: 1,
    lastError: null,
    receivedAt: Date.now(),
    processedAt: Date.now(),
    eventCreatedAt: Date.now() - 1000,
    objectId: `in_${i}`,
    stripeCustomerId: "cus_1",
    userId: null,
    note: null,
    payload,
    updatedAt: Date.now(),
    ...over,
  };
}

async function seedEvents(t: Backend, rows: StripeEventRow[]) {
  await t.run(async (ctx) => {
    for (const row of rows) await ctx.db.insert("stripeEvents", row);
  });
}

const events = (t: Backend) => t.run((ctx) => ctx.db.query("stripeEvents").collect());

describe("Stripe payloads are reduced 30 days after processing", () => {
  test("over several batches; failed and needs_attention keep theirs until resolved", async () => {
    const t = newBackend(true);
    const old = Date.now() - RETENTION.stripePayloads - 1;
    const statuses = ["processed", "ignored", "unmatched"] as const;
    await seedEvents(t, [
      ...Array.from({ length: 45 }, (_, i) => eventRow(i, { status: statuses[i % 3], processedAt: old })),
      eventRow(100, { status: "processed", processedAt: Date.now() - DAY }), // recent
      eventRow(101, { status: "failed", processedAt: null, receivedAt: old, lastError: "boom" }),
      eventRow(102, { status: "needs_attention", processedAt: old, note: "unknown price" }),
    ]);

    const calls = await measure(async () => {
      await t.mutation(internal.retention.reduceStripePayloads, { batchSize: 20 });
      await runAll(t);
    });
    // 45 rows in batches of 20: one read (and the patch's read) and one write per row.
    expect(calls.map((c) => [c.documentsRead, c.documentsWritten])).toEqual([
      [40, 20],
      [40, 20],
      [10, 5],
    ]);

    const rows = await events(t);
    const reduced = rows.filter((r) => r.payload === "");
    expect(reduced).toHaveLength(45);
    // What stays: id, type, created, object id, status and outcome.
    expect(reduced[0]).toMatchObject({
      eventId: "evt_0",
      type: "invoice.paid",
      eventCreatedAt: expect.any(Number),
      objectId: "in_0",
      status: "processed",
      payloadReducedAt: Date.now(),
    });
    const kept = rows.filter((r) => r.payload !== "").map((r) => r.eventId);
    expect(kept.sort()).toEqual(["evt_100", "evt_101", "evt_102"]);

    // Resolved (replayed and processed), the needs_attention event is reduced 30 days later.
    await t.run(async (ctx) => {
      const row = rows.find((r) => r.eventId === "evt_102")!;
      await ctx.db.patch("stripeEvents", row._id, { status: "processed", processedAt: Date.now() });
    });
    await t.mutation(internal.retention.reduceStripePayloads, {});
    expect((await events(t)).find((r) => r.eventId === "evt_102")!.payload).not.toBe("");
    vi.advanceTimersByTime(RETENTION.stripePayloads + 1);
    await t.mutation(internal.retention.reduceStripePayloads, {});
    const after = await events(t);
    expect(after.find((r) => r.eventId === "evt_102")!.payload).toBe("");
    expect(after.find((r) => r.eventId === "evt_101")!.payload).not.toBe("");
  });

  test("large payloads: a batch stops within Convex's byte limits and the next goes on", async () => {
    const t = newBackend(true);
    const old = Date.now() - RETENTION.stripePayloads - 1;
    const big = "x".repeat(900_000);
    await seedEvents(
      t,
      Array.from({ length: 12 }, (_, i) => eventRow(i, { processedAt: old, payload: big })),
    );
    const calls = await measure(async () => {
      await t.mutation(internal.retention.reduceStripePayloads, {});
      await runAll(t);
    });
    // 900 KB each: 8 rows per batch (~14.4 MB read of the 16 MiB allowed), then 4.
    expect(calls.map((c) => c.documentsWritten)).toEqual([8, 4]);
    expect(calls.reduce((sum, c) => sum + c.documentsWritten, 0)).toBe(12);
    expect(Math.max(...calls.map((c) => c.bytesRead))).toBeLessThan(16 * 1024 * 1024);
    expect((await events(t)).every((r) => r.payload === "")).toBe(true);
  }, 60_000);
});

test("crons run both retention jobs daily", () => {
  const jobs = (crons as unknown as { crons: Record<string, { name: string; schedule: { type: string } }> }).crons;
  expect(jobs["delete ended reservations"]).toMatchObject({
    name: "retention:deleteEndedReservations",
    schedule: { type: "daily" },
  });
  expect(jobs["reduce old Stripe payloads"]).toMatchObject({
    name: "retention:reduceStripePayloads",
    schedule: { type: "daily" },
  });
});
