import { expect, test } from "vitest";
import { api, internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import {
  addMonths,
  billingStory,
  clockAt,
  creditsOf,
  DAY,
  HOUR,
  MAR_1,
  spend,
  stripeCustomer,
  useStripeTestEnv,
  APR_1,
  MINUTE,
} from "../testing";

// Sequences an adversarial review used against the money rules (README,
// Billing → Guarantees), replayed through the signed webhook and the sweep.
// Each subscription carries how far its own invoices paid (`paidThrough`); the
// account counts as paid as far as its best entitled subscription is.

useStripeTestEnv();

/** Credits granted to the user other than the sign-up's. */
async function granted(t: Parameters<typeof creditsOf>[0], userId: Id<"users">) {
  const { ledger } = await creditsOf(t, userId);
  return ledger.filter((e) => e.delta > 0 && e.kind !== "signup").reduce((sum, e) => sum + e.delta, 0);
}
const spendAll = async (t: Parameters<typeof creditsOf>[0], userId: Id<"users">) =>
  spend(t, userId, (await creditsOf(t, userId)).balance);

/** Ada pays a pro month at MAR_1 and spends it; ten days later, business's Stripe objects (`sub_b` from then). */
async function proMonthSpentThenBusiness() {
  const story = await billingStory();
  const { t, ada, stripe, send } = story;
  await send("customer.subscription.created", stripe.subscription(), MAR_1);
  await send("invoice.paid", stripe.invoice(), MAR_1);
  await spendAll(t, ada.userId);
  const later = MAR_1 + 10 * DAY;
  clockAt(later);
  const business = stripeCustomer(ada, { periodStart: later, plan: { lookupKey: "business_monthly" } });
  return { ...story, later, business };
}

test("a second subscription's activation grants nothing before its own invoice: each month is paid once", async () => {
  const { t, ada, send, later, business } = await proMonthSpentThenBusiness();
  await send("customer.subscription.created", business.subscription({ id: "sub_b", status: "incomplete" }), later);
  await send("customer.subscription.updated", business.subscription({ id: "sub_b" }), later + 1000);
  expect((await creditsOf(t, ada.userId)).balance).toBe(0); // nothing before business is paid
  await send("invoice.paid", business.invoice({ id: "in_b", subscription: "sub_b" }), later + 2000);
  expect((await creditsOf(t, ada.userId)).balance).toBe(10_000);
  // Paid for: one pro month (1,000, of which 100 were the free credits' top-up) and one business month.
  expect(await granted(t, ada.userId)).toBeLessThanOrEqual(900 + 10_000);
});

test("cancel pro, then subscribe to business in the same period: the business month is granted once", async () => {
  const { t, ada, stripe, send, later, business } = await proMonthSpentThenBusiness();
  await send("customer.subscription.deleted", stripe.subscription({ status: "canceled" }), later);
  await send("customer.subscription.created", business.subscription({ id: "sub_b" }), later);
  expect((await creditsOf(t, ada.userId)).balance).toBe(0);
  await send("invoice.paid", business.invoice({ id: "in_b", subscription: "sub_b" }), later + 1000);
  expect(await granted(t, ada.userId)).toBeLessThanOrEqual(900 + 10_000);
});

/** Ada pays a pro year at MAR_1 (and spends it), cancels it 5 days later, and starts a monthly plan (`sub_b`). */
async function yearlyThenMonthly(lookupKey: "pro_monthly" | "business_monthly") {
  const { t, ada, send } = await billingStory();
  const yearly = stripeCustomer(ada, {
    plan: { lookupKey: "pro_yearly", interval: "year" },
    periodEnd: addMonths(MAR_1, 12),
  });
  await send("customer.subscription.created", yearly.subscription(), MAR_1);
  await send("invoice.paid", yearly.invoice(), MAR_1);
  await spendAll(t, ada.userId);
  const switchAt = MAR_1 + 5 * DAY;
  clockAt(switchAt);
  await send("customer.subscription.deleted", yearly.subscription({ status: "canceled" }), switchAt);
  const monthly = stripeCustomer(ada, { periodStart: switchAt, plan: { lookupKey } });
  await send("customer.subscription.created", monthly.subscription({ id: "sub_b" }), switchAt);
  return { t, ada, send, monthly, switchAt };
}

test("a canceled yearly plan's paid year does not make an unpaid monthly renewal paid for the sweep", async () => {
  const { t, ada, send, monthly, switchAt } = await yearlyThenMonthly("business_monthly");
  expect(
    await send("invoice.paid", monthly.invoice({ id: "in_b1", subscription: "sub_b" }), switchAt + 1000),
  ).toMatchObject({
    note: null, // its own first invoice, not "a period before one already paid"
  });
  expect((await creditsOf(t, ada.userId)).balance).toBe(10_000);
  // The business renewal fails; when its grace runs out the sweep grants the free allowance.
  const renewAt = addMonths(switchAt, 1);
  clockAt(renewAt + HOUR);
  const renewal = monthly.invoice({
    id: "in_b2",
    subscription: "sub_b",
    billingReason: "subscription_cycle",
    periodStart: renewAt,
    periodEnd: addMonths(renewAt, 1),
    paid: false,
  });
  await send("invoice.payment_failed", renewal, renewAt + HOUR);
  await spendAll(t, ada.userId);
  clockAt(renewAt + 4 * DAY);
  expect(await t.mutation(internal.credits.refillDue, {})).toEqual({ refilled: 1, more: false });
  expect((await creditsOf(t, ada.userId)).balance).toBe(100);
});

test("a new monthly plan after a canceled yearly one is credited: its invoices are its own, not 'older'", async () => {
  const { t, ada, send, monthly, switchAt } = await yearlyThenMonthly("pro_monthly");
  await send("invoice.paid", monthly.invoice({ id: "in_b1", subscription: "sub_b" }), switchAt + 1000);
  expect((await creditsOf(t, ada.userId)).balance).toBe(1000);
});

test("a failed attempt delivered after the same renewal was paid leaves the subscription active", async () => {
  const { t, ada, stripe, send } = await billingStory();
  await send("customer.subscription.created", stripe.subscription(), MAR_1);
  await send("invoice.paid", stripe.invoice(), MAR_1);
  const renewal = {
    id: "in_2",
    billingReason: "subscription_cycle" as const,
    periodStart: APR_1,
    periodEnd: addMonths(APR_1, 1),
  };
  clockAt(APR_1 + HOUR);
  await send("invoice.paid", stripe.invoice(renewal), APR_1 + HOUR);
  const failedEarlier = stripe.invoice({ ...renewal, paid: false });
  expect(await send("invoice.payment_failed", failedEarlier, APR_1 + HOUR / 2)).toMatchObject({ status: "ignored" });
  expect(await ada.as.query(api.subscriptions.getSubscription, {})).toMatchObject({ status: "active" });
  expect((await creditsOf(t, ada.userId)).balance).toBe(1000);
});

test("an invoice paid for a subscription already canceled grants nothing and is flagged for a person", async () => {
  const { t, ada, stripe, send } = await billingStory();
  await send("customer.subscription.created", stripe.subscription(), MAR_1);
  await send("customer.subscription.deleted", stripe.subscription({ status: "canceled" }), MAR_1 + 2 * MINUTE);
  expect(await send("invoice.paid", stripe.invoice(), MAR_1 + 5000)).toMatchObject({
    status: "needs_attention",
    note: expect.stringContaining("which is canceled"),
  });
  expect((await creditsOf(t, ada.userId)).balance).toBe(100);
});
