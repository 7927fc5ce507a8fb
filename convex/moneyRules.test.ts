import { describe, expect, test } from "vitest";
import { api, internal } from "./_generated/api";
import {
  addMonths,
  APR_1,
  billingStory,
  checkoutSession,
  creditsOf,
  MAR_1,
  MINUTE,
  seedUser,
  snapshot,
  stateWithoutInbox,
  stripeCustomer,
  useStripeTestEnv,
  DAY,
} from "../testing";

// README, Billing → Guarantees: the money rules that hold against adversarial
// and unlucky event streams, each replayed through the signed webhook. (Unpaid
// periods: stripeInvoices.test.ts; one open checkout: billing.test.ts; the
// inbox's own robustness: stripeInbox.test.ts.)

useStripeTestEnv();

async function story() {
  const { t, ada, stripe, send } = await billingStory();
  /** Balance, allowance, and every ledger entry's kind and delta: asserted after each step. */
  const credits = async () => {
    const { account, ledger, balance, ledgerSum } = await creditsOf(t, ada.userId);
    expect(ledgerSum).toBe(balance);
    return { balance, allowance: account!.monthlyAllowance, entries: ledger.map((e) => `${e.kind} ${e.delta}`) };
  };
  return { t, ada, stripe, send, credits };
}

describe("switching plans back and forth creates no credits", () => {
  test("pro → business → pro → business … in one paid month grants the difference once", async () => {
    const { stripe, send, credits } = await story();
    const pro = () => stripe.subscription();
    const business = () => stripe.subscription({ lookupKey: "business_monthly" });
    await send("customer.subscription.created", pro(), MAR_1);
    await send("invoice.paid", stripe.invoice(), MAR_1);
    expect(await credits()).toEqual({
      balance: 1000,
      allowance: 1000,
      entries: ["signup 100", "refill 900"],
    });
    await send("customer.subscription.updated", business(), MAR_1 + MINUTE);
    const upgraded = {
      balance: 10_000,
      allowance: 10_000,
      entries: ["signup 100", "refill 900", "upgrade 9000"],
    };
    expect(await credits()).toEqual(upgraded);
    for (let trip = 1; trip <= 3; trip++) {
      await send("customer.subscription.updated", pro(), MAR_1 + 2 * trip * MINUTE);
      expect(await credits()).toEqual({ ...upgraded, allowance: 1000 });
      await send("customer.subscription.updated", business(), MAR_1 + (2 * trip + 1) * MINUTE);
      expect(await credits()).toEqual(upgraded);
    }
  });

  test("a new paid period starts a new count: an upgrade in it grants the difference again", async () => {
    const { stripe, send, credits } = await story();
    const END2 = addMonths(MAR_1, 2);
    await send("customer.subscription.created", stripe.subscription({ lookupKey: "business_monthly" }), MAR_1);
    await send("invoice.paid", stripe.invoice(), MAR_1);
    await send("customer.subscription.updated", stripe.subscription(), MAR_1 + MINUTE); // down to pro
    const renewal = stripe.invoice({
      id: "in_2",
      billingReason: "subscription_cycle",
      periodStart: APR_1,
      periodEnd: END2,
    });
    await send("invoice.paid", renewal, APR_1);
    expect(await credits()).toMatchObject({ balance: 1000, allowance: 1000 });
    const upAgain = stripe.subscription({ lookupKey: "business_monthly", periodStart: APR_1, periodEnd: END2 });
    await send("customer.subscription.updated", upAgain, APR_1 + MINUTE);
    expect(await credits()).toMatchObject({ balance: 10_000, allowance: 10_000 });
    expect((await credits()).entries.at(-1)).toBe("upgrade 9000");
  });
});

describe("canceled is final", () => {
  test("an active snapshot in the same second as the deletion, or later, never reopens the subscription", async () => {
    const { t, ada, stripe, send, credits } = await story();
    await send("customer.subscription.created", stripe.subscription(), MAR_1);
    await send("invoice.paid", stripe.invoice(), MAR_1);
    const at = MAR_1 + 10 * MINUTE;
    await send("customer.subscription.deleted", stripe.subscription({ status: "canceled" }), at);
    const canceled = await stateWithoutInbox(t);
    expect(await send("customer.subscription.updated", stripe.subscription(), at)).toMatchObject({
      status: "ignored",
      note: "Subscription is canceled, which is final",
    });
    await send("customer.subscription.updated", stripe.subscription({ lookupKey: "business_monthly" }), at + MINUTE);
    expect(await stateWithoutInbox(t)).toEqual(canceled);
    expect(await ada.as.query(api.subscriptions.getSubscription, {})).toMatchObject({ status: "canceled" });
    expect(await credits()).toMatchObject({ allowance: 100 });
    // The user can subscribe again: checkout sees no live subscription.
    const state = await t.query(internal.billing.billingState, { userId: ada.userId, now: at + MINUTE });
    expect(state.subscribed).toBe(false);
  });
});

describe("a Checkout session cannot take over someone's billing identity", () => {
  test("client_reference_id without our metadata links nothing; a user's customer is never re-pointed", async () => {
    const { t, ada, stripe, send } = await story();
    const mallory = await seedUser(t, "mallory@example.com");
    const before = await stateWithoutInbox(t);
    // A session someone else built (a Payment Link, the pricing table) naming Ada.
    const foreign = checkoutSession({ id: "cs_foreign", customer: "cus_mallory", clientReferenceId: ada.userId });
    expect(await send("checkout.session.completed", foreign, MAR_1)).toMatchObject({
      status: "needs_attention",
      note: expect.stringMatching(new RegExp(`${ada.userId}.*cus_mallory`)),
    });
    // Our metadata says Mallory while client_reference_id says Ada: still no link.
    const mixed = checkoutSession({
      id: "cs_mixed",
      customer: "cus_mallory",
      clientReferenceId: ada.userId,
      userId: mallory.userId,
    });
    expect(await send("checkout.session.completed", mixed, MAR_1)).toMatchObject({ status: "needs_attention" });
    expect(await stateWithoutInbox(t)).toEqual(before);
    // Ada's own checkout links her customer; a later session, even with matching metadata, cannot move her.
    expect(await send("checkout.session.completed", stripe.checkout(), MAR_1)).toMatchObject({ status: "processed" });
    const linked = await stateWithoutInbox(t);
    const other = stripe.checkout({ id: "cs_other", customer: "cus_other" });
    expect(await send("checkout.session.completed", other, MAR_1 + MINUTE)).toMatchObject({
      status: "needs_attention",
    });
    expect(await stateWithoutInbox(t)).toEqual(linked);
    expect((await snapshot(t, ["stripeCustomers"])).stripeCustomers).toEqual([
      expect.objectContaining({ userId: ada.userId, stripeCustomerId: "cus_ada" }),
    ]);
    // A client_reference_id that names nobody stays unmatched.
    const nobody = checkoutSession({
      id: "cs_nobody",
      customer: "cus_x",
      clientReferenceId: "nobody",
      userId: "nobody",
    });
    expect(await send("checkout.session.completed", nobody, MAR_1)).toMatchObject({ status: "unmatched" });
  });
});

describe("one paid subscription per user, entitlements from the best", () => {
  test("a second live paid subscription needs attention; renewals of the lesser one refill to the best", async () => {
    const { ada, send, credits } = await story();
    const pro = stripeCustomer(ada, { name: "pro" });
    const business = stripeCustomer(ada, { name: "biz", plan: { lookupKey: "business_monthly" } });
    await send("customer.subscription.created", pro.subscription({ customer: "cus_ada" }), MAR_1);
    await send("invoice.paid", pro.invoice({ customer: "cus_ada" }), MAR_1);
    const second = await send(
      "customer.subscription.created",
      business.subscription({ customer: "cus_ada" }),
      MAR_1 + MINUTE,
    );
    expect(second).toMatchObject({ status: "needs_attention", note: expect.stringContaining("sub_pro, sub_biz") });
    await send("invoice.paid", business.invoice({ id: "in_biz", customer: "cus_ada" }), MAR_1 + MINUTE);
    expect(await credits()).toMatchObject({ balance: 10_000, allowance: 10_000 });
    expect(await ada.as.query(api.subscriptions.getSubscription, {})).toMatchObject({
      stripeSubscriptionId: "sub_biz",
    });
    // The pro subscription renews first: the refill still follows business.
    const renewal = pro.invoice({
      id: "in_pro_2",
      customer: "cus_ada",
      billingReason: "subscription_cycle",
      periodStart: APR_1,
      periodEnd: addMonths(MAR_1, 2),
    });
    await send("invoice.paid", renewal, APR_1);
    expect(await credits()).toMatchObject({ balance: 10_000, allowance: 10_000 });
    expect(await ada.as.query(api.subscriptions.getSubscription, {})).toMatchObject({
      stripeSubscriptionId: "sub_biz",
    });
  });
});

describe("found by an adversarial review", () => {
  test("a trial's $0 invoice grants no paid credits, and an upgrade during the trial grants none either", async () => {
    const { stripe, send, credits } = await story();
    const trialEnd = MAR_1 + 14 * DAY;
    await send("customer.subscription.created", stripe.subscription({ status: "trialing", trialEnd }), MAR_1);
    const trialInvoice = stripe.invoice({ amount: 0, periodEnd: trialEnd });
    expect(await send("invoice.paid", trialInvoice, MAR_1)).toMatchObject({
      status: "ignored",
      note: expect.stringContaining("paid nothing"),
    });
    const business = stripe.subscription({ status: "trialing", trialEnd, lookupKey: "business_monthly" });
    await send("customer.subscription.updated", business, MAR_1 + 2 * DAY);
    await send("customer.subscription.deleted", stripe.subscription({ status: "canceled" }), trialEnd);
    expect(await credits()).toEqual({ balance: 100, allowance: 100, entries: ["signup 100"] });
  });

  test("a subscription whose metadata names Bob but whose customer is Ada's is not filed under Bob", async () => {
    const { t, ada, stripe, send } = await story();
    const bob = await seedUser(t, "bob@example.com");
    await send("checkout.session.completed", stripe.checkout(), MAR_1);
    const before = await stateWithoutInbox(t);
    const planted = stripeCustomer(bob, { name: "evil" }).subscription({ customer: "cus_ada" });
    expect(await send("customer.subscription.created", planted, MAR_1 + MINUTE)).toMatchObject({
      status: "needs_attention",
      note: expect.stringContaining(`customer cus_ada belongs to user ${ada.userId}`),
    });
    expect(await stateWithoutInbox(t)).toEqual(before);
    expect(await bob.as.query(api.subscriptions.getSubscription, {})).toBeNull();
  });
});
