// README, "Testing your own functions": the test kit as an app uses it. Copy
// this file next to your own functions; import from "convex-saas-backend/testing"
// (or "../testing" in a clone of this package).
import { describe, expect, test } from "vitest";
import { api, internal } from "./_generated/api";
import {
  creditsOf,
  expectCode,
  MAR_1,
  newBackend,
  seedUser,
  sendOk,
  snapshot,
  stripeCustomer,
  useStripeTestEnv,
} from "../testing";

// Stripe's env vars for this file, and the clock frozen at 1 March 2026 in each test.
useStripeTestEnv();

describe("a feature that costs 500 credits", () => {
  test("a free user (100 credits) is refused, and nothing changes", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com"); // as sign-up leaves her: profile, 100 credits
    const before = await snapshot(t);
    const refused = await expectCode(
      ada.as.mutation(api.credits.consumeCredits, { amount: 500 }),
      "INSUFFICIENT_CREDITS",
    );
    expect(refused).toMatchObject({ balance: 100, required: 500 });
    expect(await snapshot(t)).toEqual(before);
  });

  test("once Stripe reports a paid Pro month, the user can afford it", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    // Ada's Stripe customer, Pro subscription and first invoice, delivered as signed webhooks.
    const stripe = stripeCustomer(ada, { plan: { lookupKey: "pro_monthly" } });
    await sendOk(t, "customer.subscription.created", stripe.subscription(), MAR_1);
    await sendOk(t, "invoice.paid", stripe.invoice(), MAR_1);

    expect(await ada.as.query(api.subscriptions.getSubscription, {})).toMatchObject({
      planId: "pro",
      status: "active",
    });
    expect(await ada.as.mutation(api.credits.consumeCredits, { amount: 500, idempotencyKey: "job-1" })).toEqual({
      balance: 500,
    });
    // The ledger explains the balance: sign-up, the paid month's refill, the spend.
    const { ledger, balance, ledgerSum } = await creditsOf(t, ada.userId);
    expect(ledger.map((entry) => entry.kind)).toEqual(["signup", "refill", "consume"]);
    expect(ledgerSum).toBe(balance);
  });

  test("an operator's refund adjustment is applied once per key", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const adjust = { userId: ada.userId, delta: 50, reason: "Goodwill", idempotencyKey: "ticket-42" };
    expect(await t.mutation(internal.credits.adjustCredits, adjust)).toEqual({ balance: 150 });
    expect(await t.mutation(internal.credits.adjustCredits, adjust)).toEqual({ balance: 150 });
  });
});
