import { expect, test, vi } from "vitest";
import { RETENTION } from "../src/limits";
import { internal } from "../convex/_generated/api";
import { measure, writeSection } from "./report";
import { type Backend, JAN_31, newBackend, seedUser } from "../testing";

/** Rows straight into a table (as the model leaves them), in chunks that fit a transaction. */
async function insertMany(
  t: Backend,
  n: number,
  insert: (ctx: Parameters<Parameters<Backend["run"]>[0]>[0], i: number) => Promise<unknown>,
) {
  for (let start = 0; start < n; start += 200) {
    await t.run(async (ctx) => {
      for (let i = start; i < Math.min(n, start + 200); i++) await insert(ctx, i);
    });
  }
}

async function drain(t: Backend, run: () => Promise<unknown>) {
  return await measure(async () => {
    await run();
    await t.finishAllScheduledFunctions(vi.runAllTimers);
  });
}

test("retention: documents per batch", async () => {
  vi.useFakeTimers();
  vi.setSystemTime(JAN_31);
  const t = newBackend(true);
  const { userId } = await seedUser(t, "bench@example.com");
  const old = Date.now() - RETENTION.endedReservations - 1;

  const nothing = await drain(t, () => t.mutation(internal.retention.deleteEndedReservations, {}));
  await insertMany(t, 1_200, (ctx) =>
    ctx.db.insert("creditReservations", {
      userId,
      amount: 1,
      status: "released",
      charged: 0,
      expiresAt: old,
      refillCountAtReserve: 0,
      updatedAt: old,
    }),
  );
  const reservations = await drain(t, () => t.mutation(internal.retention.deleteEndedReservations, {}));

  const event = (i: number, payload: string) => ({
    eventId: `evt_${i}`,
    type: "customer.updated",
    status: "processed" as const,
    attempts: 1,
    lastError: null,
    receivedAt: old,
    processedAt: old,
    eventCreatedAt: old,
    objectId: `cus_${i}`,
    stripeCustomerId: `cus_${i}`,
    userId: null,
    note: null,
    payload,
    updatedAt: old,
  });
  const small = JSON.stringify({ object: { email: "someone@example.com", address: "x".repeat(2_000) } });
  await insertMany(t, 450, (ctx, i) => ctx.db.insert("stripeEvents", event(i, small)));
  const payloads = await drain(t, () => t.mutation(internal.retention.reduceStripePayloads, {}));
  await insertMany(t, 12, (ctx, i) => ctx.db.insert("stripeEvents", event(1_000 + i, "x".repeat(900_000))));
  const large = await drain(t, () => t.mutation(internal.retention.reduceStripePayloads, {}));
  vi.useRealTimers();

  expect(reservations.map((c) => c.documentsWritten)).toEqual([500, 500, 200]);
  expect(payloads.map((c) => c.documentsWritten)).toEqual([200, 200, 50]);
  expect(large.map((c) => c.documentsWritten)).toEqual([8, 4]);
  const rows = (label: string, calls: Awaited<ReturnType<typeof measure>>) =>
    calls.map((c, i) => [`${label}, batch ${i + 1}`, c.documentsRead, c.documentsWritten, c.bytesRead]);
  writeSection(
    "60-retention",
    "Retention jobs",
    "The daily retention crons (`convex/retention.ts`) with their default batch sizes and the real limits: each full batch schedules the next. A day with nothing to do reads nothing.",
    ["job", "documents read", "documents written", "bytes read"],
    [
      ...rows("deleteEndedReservations, nothing to delete", nothing),
      ...rows("deleteEndedReservations, 1,200 ended", reservations),
      ...rows("reduceStripePayloads, 450 payloads of ~2 KB", payloads),
      ...rows("reduceStripePayloads, 12 payloads of 900 KB", large),
    ],
  );
});
