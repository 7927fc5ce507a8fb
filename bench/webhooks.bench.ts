import { expect, test, vi } from "vitest";
import { serviceDb } from "../convex/lib/db";
import { linkCustomer } from "../convex/model/customers";
import { measure, writeSection, type Call } from "./report";
import {
  addMonths,
  APR_1,
  clockAt,
  DAY,
  deliverBody,
  event,
  expectConsole,
  fillStatsShards,
  MAR_1,
  MINUTE,
  newBackend,
  refundedCharge,
  seedUser,
  stripeCustomer,
  stripeEnv,
  stubStripe,
  subscription,
  thinEvent,
} from "../testing";

// Documents read and written by the one internal mutation that records and
// applies each Stripe event (`stripeEvents:ingest`), in a realistic sequence
// for one user. Target: at most 4 of each per event.

test("webhooks: documents per event", async () => {
  stripeEnv();
  clockAt(MAR_1);
  const t = newBackend(true);
  const ada = await seedUser(t, "bench@example.com");
  await fillStatsShards(t);
  const END2 = addMonths(MAR_1, 2);
  const { subscription: sub, invoice: bill, checkout } = stripeCustomer(ada, { name: "b" });

  const rows: [string, Call[]][] = [];
  const runBody = async (label: string, body: string, status = 200) => {
    const calls = await measure(async () => {
      const res = await deliverBody(t, body);
      expect(res.status).toBe(status);
    });
    rows.push([label, calls.filter((c) => c.name === "stripeEvents:ingest")]);
  };
  const run = (label: string, type: string, object: Record<string, unknown>, at: number, id?: string) =>
    runBody(label, JSON.stringify(event(type, object, at, id), null, 2));

  await run("checkout.session.completed (links the customer)", "checkout.session.completed", checkout(), MAR_1);
  await run(
    "customer.subscription.created (first: allowance only, credits come with its invoice)",
    "customer.subscription.created",
    sub(),
    MAR_1,
  );
  await run("invoice.paid, subscription_create (refill)", "invoice.paid", bill(), MAR_1, "evt_first_paid");
  await run("invoice.paid, same event again (duplicate)", "invoice.paid", bill(), MAR_1, "evt_first_paid");
  await run(
    "customer.subscription.updated (upgrade pro → business)",
    "customer.subscription.updated",
    sub({ lookupKey: "business_monthly" }),
    MAR_1 + MINUTE,
  );
  await run(
    "customer.subscription.updated (downgrade business → pro)",
    "customer.subscription.updated",
    sub(),
    MAR_1 + 2 * MINUTE,
  );
  await run(
    "customer.subscription.updated (back to business in the same period: no grant)",
    "customer.subscription.updated",
    sub({ lookupKey: "business_monthly" }),
    MAR_1 + 3 * MINUTE,
  );
  await run(
    "customer.subscription.updated (down to pro again)",
    "customer.subscription.updated",
    sub(),
    MAR_1 + 4 * MINUTE,
  );
  await run(
    "customer.subscription.updated (older: ignored)",
    "customer.subscription.updated",
    sub({ status: "unpaid" }),
    MAR_1 + MINUTE,
  );
  clockAt(APR_1);
  await run(
    "invoice.payment_failed (past due)",
    "invoice.payment_failed",
    bill({ id: "in_2", billingReason: "subscription_cycle", periodStart: APR_1, periodEnd: END2, paid: false }),
    APR_1,
  );
  await run(
    "invoice.paid, subscription_cycle (recovery: refill + active)",
    "invoice.paid",
    bill({ id: "in_2", billingReason: "subscription_cycle", periodStart: APR_1, periodEnd: END2 }),
    APR_1 + DAY,
  );
  await run(
    "customer.subscription.updated (portal cancel: cancel_at set)",
    "customer.subscription.updated",
    sub({ periodStart: APR_1, periodEnd: END2, cancelAt: END2 }),
    APR_1 + DAY + MINUTE,
  );
  await run(
    "charge.refunded (recorded for review)",
    "charge.refunded",
    refundedCharge({ id: "ch_b", customer: "cus_b" }),
    APR_1 + DAY,
  );
  await run(
    "customer.subscription.deleted (back to free)",
    "customer.subscription.deleted",
    sub({ status: "canceled", periodStart: APR_1, periodEnd: END2 }),
    END2,
  );
  await run(
    "customer.subscription.updated (active, same second as the deletion: canceled is final)",
    "customer.subscription.updated",
    sub({ periodStart: APR_1, periodEnd: END2 }),
    END2,
  );
  await run("customer.created (unhandled type)", "customer.created", { id: "cus_b", object: "customer" }, END2);
  await run(
    "customer.subscription.created (unknown customer: unmatched)",
    "customer.subscription.created",
    subscription({ id: "sub_x", customer: "cus_x", periodStart: MAR_1, periodEnd: APR_1 }),
    END2,
  );

  // A second user whose first invoice arrives before any subscription event.
  const bob = await seedUser(t, "bob@example.com");
  const bobStripe = stripeCustomer(bob, { name: "c", periodStart: END2 });
  await t.run((ctx) => linkCustomer({ db: serviceDb(ctx.db) }, bob.userId, bobStripe.customer));
  stubStripe({ "GET /v1/subscriptions/*": () => bobStripe.subscription() });
  await run(
    "invoice.paid for a subscription not stored yet (asks, fetches, applies)",
    "invoice.paid",
    bobStripe.invoice({ id: "in_c" }),
    END2,
  );
  vi.unstubAllGlobals();

  // Signed bodies the inbox records as failed and answers 400 (README: "The inbox never trips over one event").
  expectConsole("error", "Stripe webhook body rejected");
  await runBody("not a Stripe event ({}: recorded as failed, 400)", "{}", 400);
  await runBody(
    "thin event (v2.core.event: recorded as failed, 400)",
    JSON.stringify(thinEvent({ createdMs: END2 })),
    400,
  );
  await run(
    "customer.updated over 1 MB (unhandled: ignored, recorded without its body)",
    "customer.updated",
    { id: "cus_b", object: "customer", name: "€".repeat(400_000) },
    END2,
  );
  vi.useRealTimers();

  const table = rows.map(([label, calls]) => [
    label,
    calls.map((c) => c.documentsRead).join(" + "),
    calls.map((c) => c.documentsWritten).join(" + "),
  ]);
  // Every call of every event stays within the target: 4 of each, plus one
  // stats shard (model/stats.ts: its lookup and its patch read it, the patch
  // writes it) when the event moves a count.
  for (const [label, calls] of rows) {
    expect(calls.length, label).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.documentsRead, label).toBeLessThanOrEqual(6);
      expect(call.documentsWritten, label).toBeLessThanOrEqual(5);
    }
  }
  writeSection(
    "30-webhooks",
    "Stripe webhooks",
    "Documents read and written by `stripeEvents:ingest`, the one internal mutation that records a verified event in the inbox and applies it. " +
      "One user's story in order (refill, upgrade and recovery rows include their ledger entries; a patch counts a read). The last row is two calls: " +
      "the first finds the subscription missing and reads nothing more, the http action fetches it from Stripe, the second applies it. Target: at most 4 of each per event, plus one stats shard (2 reads, 1 write) when the event moves a count of `admin:stats`.",
    ["event", "documents read", "documents written"],
    table,
  );
});
