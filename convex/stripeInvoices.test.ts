import { describe, expect, test } from "vitest";
import { api, internal } from "./_generated/api";
import { RENEWAL_GRACE_MS } from "./model/refills";
import { STRIPE_API_VERSION } from "./lib/stripe";
import {
  addMonths,
  APR_1,
  clockAt,
  creditsOf,
  DAY,
  deliver,
  event,
  expectConsole,
  HOUR,
  MAR_1,
  newBackend,
  SECRET_KEY,
  seedUser,
  sendEvent,
  snapshot,
  spend,
  stateWithoutInbox,
  stripeCustomer,
  stripeEnv,
  stripeError,
  stubStripe,
  subscription,
  type SubscriptionSpec,
  useStripeTestEnv,
} from "../testing";

// invoice.paid, invoice.payment_failed and charge.refunded: credits granted
// once per paid period, never for a failed or unknown one.

useStripeTestEnv();

const END2 = addMonths(MAR_1, 2);

async function story(plan: Partial<SubscriptionSpec> = {}) {
  const t = newBackend();
  const ada = await seedUser(t, "ada@example.com");
  const { subscription: sub, invoice: bill } = stripeCustomer(ada, { plan });
  const send = (type: string, object: object, at: number, id?: string) => sendEvent(t, type, object, at, { id });
  const credits = async () => (await creditsOf(t, ada.userId)).account!;
  const refills = async () => (await creditsOf(t, ada.userId)).ledger.filter((e) => e.kind === "refill");
  return { t, ada, sub, bill, send, credits, refills };
}

const state = stateWithoutInbox;

describe("invoice.paid", () => {
  test("a first invoice refills to the plan once; monthly plans wait for the next invoice, not the sweep", async () => {
    const { t, ada, sub, bill, send, credits, refills } = await story();
    await send("customer.subscription.created", sub(), MAR_1);
    await spend(t, ada.userId, 60);
    expect(await send("invoice.paid", bill(), MAR_1, "evt_paid")).toMatchObject({ http: 200, status: "processed" });
    expect(await credits()).toMatchObject({
      balance: 1000,
      monthlyAllowance: 1000,
      nextRefillAt: APR_1 + RENEWAL_GRACE_MS,
      refillAnchorAt: MAR_1,
    });
    expect(await refills()).toEqual([expect.objectContaining({ idempotencyKey: "invoice:in_1", delta: 960 })]);

    // The same event again, and the same invoice in another event: nothing more.
    const before = await snapshot(t);
    expect(await send("invoice.paid", bill(), MAR_1, "evt_paid")).toMatchObject({ http: 200, duplicate: true });
    expect(await snapshot(t)).toEqual(before);
    await spend(t, ada.userId, 10);
    const spent = await state(t);
    expect(await send("invoice.paid", bill(), MAR_1, "evt_paid_again")).toMatchObject({
      status: "processed",
      note: "Invoice in_1 already refilled",
    });
    expect(await state(t)).toEqual(spent);
  });

  test("a renewal refills once even when replayed, and moves the next refill past the new period", async () => {
    const { t, ada, sub, bill, send, credits, refills } = await story();
    await send("customer.subscription.created", sub(), MAR_1);
    await send("invoice.paid", bill(), MAR_1);
    await spend(t, ada.userId, 999);
    clockAt(APR_1);
    const renewal = bill({ id: "in_2", billingReason: "subscription_cycle", periodStart: APR_1, periodEnd: END2 });
    await send("customer.subscription.updated", sub({ periodStart: APR_1, periodEnd: END2 }), APR_1);
    await send("invoice.paid", renewal, APR_1, "evt_renewal");
    expect(await credits()).toMatchObject({
      balance: 1000,
      nextRefillAt: END2 + RENEWAL_GRACE_MS,
      refillAnchorAt: APR_1,
    });
    const before = await snapshot(t);
    expect(await send("invoice.paid", renewal, APR_1, "evt_renewal")).toMatchObject({ duplicate: true });
    expect(await snapshot(t)).toEqual(before);
    expect((await refills()).map((e) => e.idempotencyKey)).toEqual(["invoice:in_1", "invoice:in_2"]);
  });

  test("a yearly plan refills now and hands the other months to the sweep, anchored at the period start", async () => {
    const yearEnd = addMonths(MAR_1, 12);
    const { sub, bill, send, credits } = await story({
      lookupKey: "business_yearly",
      interval: "year",
      periodEnd: yearEnd,
    });
    await send("customer.subscription.created", sub(), MAR_1);
    await send("invoice.paid", bill({ periodEnd: yearEnd }), MAR_1);
    expect(await credits()).toMatchObject({
      balance: 10_000,
      monthlyAllowance: 10_000,
      nextRefillAt: addMonths(MAR_1, 1),
      refillAnchorAt: MAR_1,
    });
  });

  test("no paid credits for an unpaid period: the sweep grants the free allowance, the late renewal refills once", async () => {
    const { t, ada, sub, bill, send, credits, refills } = await story();
    await send("customer.subscription.created", sub(), MAR_1);
    await send("invoice.paid", bill(), MAR_1);
    expect(await credits()).toMatchObject({ balance: 1000, paidThrough: APR_1 });
    const renewal = bill({ id: "in_2", billingReason: "subscription_cycle", periodStart: APR_1, periodEnd: END2 });
    clockAt(APR_1 + HOUR);
    expect(await send("invoice.payment_failed", { ...renewal, status: "open" }, APR_1 + HOUR)).toMatchObject({
      status: "processed",
    });
    await spend(t, ada.userId, 300);
    // The grace runs out with the renewal still unpaid: the sweep grants the free 100, not Pro's 1,000.
    clockAt(APR_1 + RENEWAL_GRACE_MS);
    expect(await t.mutation(internal.credits.refillDue, {})).toEqual({ refilled: 1, more: false });
    expect(await credits()).toMatchObject({ balance: 100, monthlyAllowance: 1000, paidThrough: APR_1 });
    expect((await refills()).at(-1)).toMatchObject({ delta: -600, reason: expect.stringContaining("unpaid") });
    // Access to the plan stays while Stripe retries.
    expect(await ada.as.query(api.subscriptions.getSubscription, {})).toMatchObject({
      planId: "pro",
      status: "past_due",
    });
    // The payment is recovered: the renewal refills to the plan once, and the subscription is active again.
    clockAt(APR_1 + RENEWAL_GRACE_MS + DAY);
    expect(await send("invoice.paid", renewal, APR_1 + RENEWAL_GRACE_MS + DAY)).toMatchObject({ note: null });
    expect(await credits()).toMatchObject({
      balance: 1000,
      nextRefillAt: END2 + RENEWAL_GRACE_MS,
      refillAnchorAt: APR_1,
      paidThrough: END2,
    });
    expect(await ada.as.query(api.subscriptions.getSubscription, {})).toMatchObject({ status: "active" });
    const again = await send("invoice.paid", renewal, APR_1 + RENEWAL_GRACE_MS + DAY, "evt_again");
    expect(again).toMatchObject({ note: "Invoice in_2 already refilled" });
    expect(await credits()).toMatchObject({ balance: 1000 });
    expect(await refills()).toHaveLength(3);
  });

  test("an unpaid renewal then a cancellation leaves the free allowance: no paid month for free", async () => {
    const { t, sub, bill, send, credits } = await story();
    await send("customer.subscription.created", sub(), MAR_1);
    await send("invoice.paid", bill(), MAR_1);
    const renewal = bill({ id: "in_2", billingReason: "subscription_cycle", periodStart: APR_1, periodEnd: END2 });
    await send("invoice.payment_failed", { ...renewal, status: "open" }, APR_1 + HOUR);
    await send("customer.subscription.deleted", sub({ status: "canceled" }), APR_1 + 2 * HOUR);
    clockAt(APR_1 + RENEWAL_GRACE_MS);
    await t.mutation(internal.credits.refillDue, {});
    expect(await credits()).toMatchObject({ balance: 100, monthlyAllowance: 100 });
    // Resubscribing in the same period grants nothing until its invoice is paid.
    await send(
      "customer.subscription.created",
      sub({ id: "sub_again", status: "incomplete" }),
      APR_1 + RENEWAL_GRACE_MS,
    );
    expect(await credits()).toMatchObject({ balance: 100 });
  });

  test("an invoice for a period before one already paid (delivered out of order) grants nothing and moves nothing", async () => {
    const { t, ada, sub, bill, send, credits } = await story();
    await send("customer.subscription.created", sub(), MAR_1);
    const april = bill({ id: "in_2", billingReason: "subscription_cycle", periodStart: APR_1, periodEnd: END2 });
    await send("invoice.paid", april, MAR_1 + HOUR);
    await spend(t, ada.userId, 500);
    const before = await state(t);
    expect(await send("invoice.paid", bill(), MAR_1 + 2 * HOUR)).toMatchObject({
      status: "processed",
      note: "Invoice in_1 pays for a period before one already paid: no credits",
    });
    expect(await state(t)).toEqual(before);
    expect(await credits()).toMatchObject({ balance: 500, paidThrough: END2, nextRefillAt: END2 + RENEWAL_GRACE_MS });
  });

  test("a failed payment marks the subscription past due and grants nothing; the recovery refills once", async () => {
    const { t, ada, sub, bill, send, credits } = await story();
    await send("customer.subscription.created", sub(), MAR_1);
    await send("invoice.paid", bill(), MAR_1);
    await spend(t, ada.userId, 900);
    clockAt(APR_1);
    const renewal = bill({ id: "in_2", billingReason: "subscription_cycle", periodStart: APR_1, periodEnd: END2 });
    const creditsBefore = await creditsOf(t, ada.userId);
    expect(await send("invoice.payment_failed", { ...renewal, status: "open", amount_paid: 0 }, APR_1)).toMatchObject({
      status: "processed",
    });
    expect(await ada.as.query(api.subscriptions.getSubscription, {})).toMatchObject({
      status: "past_due",
      lastEventAt: APR_1,
    });
    expect(await creditsOf(t, ada.userId)).toEqual(creditsBefore);

    // A failure notice older than the last applied change does nothing.
    const before = await state(t);
    expect(await send("invoice.payment_failed", renewal, APR_1 - DAY)).toMatchObject({ status: "ignored" });
    expect(await state(t)).toEqual(before);

    clockAt(APR_1 + 2 * DAY);
    await send("invoice.paid", renewal, APR_1 + 2 * DAY);
    expect(await ada.as.query(api.subscriptions.getSubscription, {})).toMatchObject({ status: "active" });
    expect(await credits()).toMatchObject({ balance: 1000, nextRefillAt: END2 + RENEWAL_GRACE_MS });
  });

  test("invoices that start no period (plan-change prorations, manual) grant nothing", async () => {
    const { t, sub, bill, send } = await story();
    await send("customer.subscription.created", sub(), MAR_1);
    const before = await state(t);
    expect(await send("invoice.paid", bill({ id: "in_u", billingReason: "subscription_update" }), MAR_1)).toMatchObject(
      { status: "ignored" },
    );
    expect(
      await send("invoice.paid", bill({ id: "in_m", billingReason: "manual", subscription: null }), MAR_1),
    ).toMatchObject({ status: "ignored" });
    expect(await state(t)).toEqual(before);
  });

  test("an invoice for an unknown price or an ended subscription grants nothing", async () => {
    const { t, sub, bill, send } = await story();
    await send("customer.subscription.created", sub({ lookupKey: "legacy_plan" }), MAR_1);
    const before = await state(t);
    expect(await send("invoice.paid", bill(), MAR_1)).toMatchObject({ status: "needs_attention" });
    expect(await state(t)).toEqual(before);
    await send("customer.subscription.deleted", sub({ lookupKey: "pro_monthly", status: "canceled" }), MAR_1 + 1000);
    const ended = await state(t);
    expect(await send("invoice.paid", bill({ id: "in_2" }), MAR_1 + 2000)).toMatchObject({ status: "needs_attention" });
    expect(await state(t)).toEqual(ended);
  });

  test("an older API version's invoice (top-level subscription) is read the same", async () => {
    const { sub, bill, send, credits } = await story();
    await send("customer.subscription.created", sub(), MAR_1);
    await send("invoice.paid", bill({ legacy: true }), MAR_1);
    expect(await credits()).toMatchObject({ balance: 1000, nextRefillAt: APR_1 + RENEWAL_GRACE_MS });
  });
});

describe("invoice.paid for a subscription not stored yet", () => {
  test("fetches the subscription from Stripe, stores it, then refills", async () => {
    const { ada, sub, bill, send, credits } = await story();
    const requests = stubStripe({ "GET /v1/subscriptions/*": () => sub() });
    expect(await send("invoice.paid", bill(), MAR_1)).toMatchObject({ http: 200, status: "processed" });
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: "GET", path: "/v1/subscriptions/sub_ada" });
    expect(requests[0]!.headers.get("authorization")).toBe(`Bearer ${SECRET_KEY}`);
    expect(requests[0]!.headers.get("stripe-version")).toBe(STRIPE_API_VERSION);
    expect(await ada.as.query(api.subscriptions.getSubscription, {})).toMatchObject({
      planId: "pro",
      lastEventAt: MAR_1,
    });
    expect(await credits()).toMatchObject({ balance: 1000, monthlyAllowance: 1000 });
  });

  test("when Stripe cannot be asked, answers 500 with nothing applied; the next delivery applies", async () => {
    const { t, sub, bill, credits } = await story();
    const failed = [
      "Stripe event failed: CONFIGURATION: STRIPE_SECRET_KEY is not set on this deployment",
      "Stripe event failed: STRIPE_ERROR: Stripe refused to read a subscription",
    ];
    const errors = expectConsole("error", ...failed);
    const paid = event("invoice.paid", bill(), MAR_1);
    delete process.env.STRIPE_SECRET_KEY;
    const before = await state(t);
    expect((await deliver(t, paid)).status).toBe(500);
    stubStripe({
      "GET /v1/subscriptions/*": () =>
        stripeError(404, "invalid_request_error", "No such subscription", "resource_missing"),
    });
    stripeEnv();
    expect((await deliver(t, paid)).status).toBe(500);
    expect(await state(t)).toEqual(before);
    expect((await snapshot(t)).stripeEvents).toEqual([
      expect.objectContaining({ status: "failed", attempts: 2, lastError: expect.stringContaining("STRIPE_ERROR") }),
    ]);
    expect(errors.messages).toEqual(failed);

    stubStripe({ "GET /v1/subscriptions/*": () => sub() });
    expect((await deliver(t, paid)).status).toBe(200);
    expect(await credits()).toMatchObject({ balance: 1000 });
    expect((await snapshot(t)).stripeEvents).toEqual([expect.objectContaining({ status: "processed", attempts: 3 })]);
  });

  test("a fetched subscription that leads to no user is recorded as unmatched", async () => {
    const { t, bill, send } = await story();
    stubStripe({
      "GET /v1/subscriptions/*": () =>
        subscription({ id: "sub_ada", customer: "cus_ada", periodStart: MAR_1, periodEnd: APR_1 }),
    });
    const before = await state(t);
    expect(await send("invoice.paid", bill(), MAR_1)).toMatchObject({ http: 200, status: "unmatched" });
    expect(await state(t)).toEqual(before);
  });
});
