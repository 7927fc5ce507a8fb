import { expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import { measure, writeSection } from "./report";
import { clockAt, fakeStripe, MAR_1, newBackend, sendOk, seedUser, stripeCustomer, stripeEnv } from "../testing";
import { ACCOUNT_DELETION } from "../src/limits";

// Documents read and written by account deletion: the first transaction
// (`users:deleteAccount`, which runs `users:deleteUser` inside it) and each
// batch it schedules, for a user with an active subscription, a few notes, a
// held reservation, Stripe events and 2,500 ledger entries.

const LEDGER = 2_500;

test("deletion: documents per batch", async () => {
  stripeEnv();
  clockAt(MAR_1);
  const t = newBackend(true);
  const ada = await seedUser(t, "bench@example.com");
  const stripe = stripeCustomer(ada);
  await t.mutation(internal.billing.linkCustomer, { userId: ada.userId, stripeCustomerId: stripe.customer });
  await sendOk(t, "customer.subscription.created", stripe.subscription(), MAR_1);
  await sendOk(t, "invoice.paid", stripe.invoice(), MAR_1);
  for (let i = 0; i < 3; i++) await ada.as.mutation(api.notes.create, { title: `n${i}`, body: "b" });
  await ada.as.mutation(api.credits.reserveCredits, { amount: 5 });
  await t.run(async (ctx) => {
    for (let i = 0; i < LEDGER; i++) {
      await ctx.db.insert("creditLedger", {
        userId: ada.userId,
        delta: 0,
        balanceAfter: 0,
        kind: "adjust",
        reason: `entry ${i}`,
        updatedAt: MAR_1,
      });
    }
  });
  fakeStripe({ "DELETE /v1/subscriptions/*": () => stripe.subscription({ status: "canceled" }) });

  clockAt(MAR_1 + 1000, { timers: true });
  const calls = await measure(async () => {
    await ada.as.mutation(api.users.deleteAccount, {});
    await t.finishAllScheduledFunctions(vi.runAllTimers);
  });
  vi.useRealTimers();

  const first = calls.find((c) => c.name === "users:deleteAccount")!;
  const batches = calls.filter((c) => c.name === "users:continueDeletion");
  const cancel = calls.filter((c) => c.name === "users:recordCancellation");
  expect(batches.length).toBeGreaterThanOrEqual(Math.floor(LEDGER / ACCOUNT_DELETION.batchSize));
  for (const call of [first, ...batches]) {
    expect(call.documentsWritten).toBeLessThanOrEqual(ACCOUNT_DELETION.batchSize + 10);
    expect(call.documentsRead).toBeLessThanOrEqual(2 * ACCOUNT_DELETION.batchSize + 20);
  }
  // A user as sign-up leaves them: the whole deletion is one transaction.
  const bob = await seedUser(t, "bob@example.com");
  const fresh = (await measure(() => bob.as.mutation(api.users.deleteAccount, {}))).find(
    (c) => c.name === "users:deleteAccount",
  )!;
  const rows = [
    ["users.deleteAccount, a user fresh from sign-up (all of it)", fresh],
    ["users.deleteAccount, the large user's first transaction", first],
    ...batches.map((call, i) => [`users:continueDeletion, batch ${i + 1}`, call] as const),
    ...cancel.map((call) => ["users:recordCancellation (after Stripe's answer)", call] as const),
  ] as const;
  writeSection(
    "50-deletion",
    "Account deletion: per transaction",
    `A user fresh from sign-up, then one with an active subscription, 3 notes, a held reservation, 2 Stripe events and ${LEDGER + 3} ledger entries; ` +
      `batches of ${ACCOUNT_DELETION.batchSize} rows (a delete counts one read for its query and one for the delete).`,
    ["transaction", "documents read", "documents written"],
    rows.map(([name, c]) => [name, c.documentsRead, c.documentsWritten]),
  );
});
