import { describe, expect, test } from "vitest";
import { api } from "./_generated/api";
import { serviceDb } from "./lib/db";
import { getAccount, refill } from "./model/credits";
import { RENEWAL_GRACE_MS } from "./model/entitlements";
import { addMonths } from "./model/time";
import { event, invoice, refundedCharge, subscription, type InvoiceSpec, type SubscriptionSpec } from "./stripe.fixtures";
import { clockAt, creditsOf, DAY, deliver, END, SECRET_KEY, spend, stateWithoutInbox, stripeEnv, stripeError, stubStripe, T0, useStripeTestEnv } from "./stripe.setup";
import { newBackend, seedUser, snapshot } from "./test.setup";
import { expectConsole } from "../testing/console";
import { STRIPE_API_VERSION } from "./lib/stripe";

// invoice.paid, invoice.payment_failed and charge.refunded: credits granted
// once per paid period, never for a failed or unknown one.

useStripeTestEnv();

const END2 = addMonths(T0, 2);

async function story(plan: Partial<SubscriptionSpec> = {}) {
  const t = newBackend();
  const ada = await seedUser(t, "ada@example.com");
  const sub = (over: Partial<SubscriptionSpec> = {}) =>
    subscription({ id: "sub_ada", customer: "cus_ada", userId: ada.userId, periodStart: T0, periodEnd: END, ...plan, ...over });
  const bill = (over: Partial<InvoiceSpec> = {}) =>
    invoice({ id: "in_1", customer: "cus_ada", subscription: "sub_ada", billingReason: "subscription_create", periodStart: T0, periodEnd: END, ...over });
  const send = async (type: string, object: object, at: number, id?: string) => {
    const res = await deliver(t, event(type, object as Record<string, unknown>, at, id));
    return { http: res.status, ...((res.status === 200 ? await res.json() : {}) as { status?: string; duplicate?: boolean; note?: string | null }) };
  };
  const credits = async () => (await creditsOf(t, ada.userId)).account!;
  const refills = async () => (await creditsOf(t, ada.userId)).ledger.filter((e) => e.kind === "refill");
  return { t, ada, sub, bill, send, credits, refills };
}

const state = stateWithoutInbox;

describe("invoice.paid", () => {
  test("a first invoice refills to the plan once; monthly plans wait for the next invoice, not the sweep", async () => {
    const { t, ada, sub, bill, send, credits, refills } = await story();
    await send("customer.subscription.created", sub(), T0);
    await spend(t, ada.userId, 400);
    expect(await send("invoice.paid", bill(), T0, "evt_paid")).toMatchObject({ http: 200, status: "processed" });
    expect(await credits()).toMatchObject({
      balance: 1000,
      monthlyAllowance: 1000,
      nextRefillAt: END + RENEWAL_GRACE_MS,
      refillAnchorAt: T0,
    });
    expect(await refills()).toEqual([expect.objectContaining({ idempotencyKey: "invoice:in_1", delta: 400 })]);

    // The same event again, and the same invoice in another event: nothing more.
    const before = await snapshot(t);
    expect(await send("invoice.paid", bill(), T0, "evt_paid")).toMatchObject({ http: 200, duplicate: true });
    expect(await snapshot(t)).toEqual(before);
    await spend(t, ada.userId, 10);
    const spent = await state(t);
    expect(await send("invoice.paid", bill(), T0, "evt_paid_again")).toMatchObject({ status: "processed", note: "Invoice in_1 already refilled" });
    expect(await state(t)).toEqual(spent);
  });

  test("a renewal refills once even when replayed, and moves the next refill past the new period", async () => {
    const { t, ada, sub, bill, send, credits, refills } = await story();
    await send("customer.subscription.created", sub(), T0);
    await send("invoice.paid", bill(), T0);
    await spend(t, ada.userId, 999);
    clockAt(END);
    const renewal = bill({ id: "in_2", billingReason: "subscription_cycle", periodStart: END, periodEnd: END2 });
    await send("customer.subscription.updated", sub({ periodStart: END, periodEnd: END2 }), END);
    await send("invoice.paid", renewal, END, "evt_renewal");
    expect(await credits()).toMatchObject({ balance: 1000, nextRefillAt: END2 + RENEWAL_GRACE_MS, refillAnchorAt: END });
    const before = await snapshot(t);
    expect(await send("invoice.paid", renewal, END, "evt_renewal")).toMatchObject({ duplicate: true });
    expect(await snapshot(t)).toEqual(before);
    expect((await refills()).map((e) => e.idempotencyKey)).toEqual(["invoice:in_1", "invoice:in_2"]);
  });

  test("a yearly plan refills now and hands the other months to the sweep, anchored at the period start", async () => {
    const yearEnd = addMonths(T0, 12);
    const { sub, bill, send, credits } = await story({ lookupKey: "business_yearly", interval: "year", periodEnd: yearEnd });
    await send("customer.subscription.created", sub(), T0);
    await send("invoice.paid", bill({ periodEnd: yearEnd }), T0);
    expect(await credits()).toMatchObject({ balance: 10_000, monthlyAllowance: 10_000, nextRefillAt: addMonths(T0, 1), refillAnchorAt: T0 });
  });

  test("a renewal paid late, after the sweep already refilled that period, grants nothing twice", async () => {
    const { t, ada, sub, bill, send, credits, refills } = await story();
    await send("customer.subscription.created", sub(), T0);
    await send("invoice.paid", bill(), T0);
    // The sweep refills when the grace runs out (the renewal is still being retried).
    const sweepAt = END + RENEWAL_GRACE_MS;
    clockAt(sweepAt);
    await t.run(async (ctx) => {
      const db = serviceDb(ctx.db);
      const account = (await getAccount({ db }, ada.userId))!;
      await refill({ db }, account, { allowance: 1000, key: "period:test", reason: "sweep", nextRefillAt: addMonths(T0, 2), now: sweepAt });
    });
    await spend(t, ada.userId, 300);
    clockAt(sweepAt + DAY);
    const late = bill({ id: "in_2", billingReason: "subscription_cycle", periodStart: END, periodEnd: END2 });
    expect(await send("invoice.paid", late, sweepAt + DAY)).toMatchObject({ note: "This period was already refilled by the monthly sweep" });
    expect(await credits()).toMatchObject({ balance: 700, nextRefillAt: END2 + RENEWAL_GRACE_MS, refillAnchorAt: END });
    expect(await refills()).toHaveLength(2);
  });

  test("a failed payment marks the subscription past due and grants nothing; the recovery refills once", async () => {
    const { t, ada, sub, bill, send, credits } = await story();
    await send("customer.subscription.created", sub(), T0);
    await send("invoice.paid", bill(), T0);
    await spend(t, ada.userId, 900);
    clockAt(END);
    const renewal = bill({ id: "in_2", billingReason: "subscription_cycle", periodStart: END, periodEnd: END2 });
    const creditsBefore = await creditsOf(t, ada.userId);
    expect(await send("invoice.payment_failed", { ...renewal, status: "open", amount_paid: 0 }, END)).toMatchObject({ status: "processed" });
    expect(await ada.as.query(api.subscriptions.getSubscription, {})).toMatchObject({ status: "past_due", lastEventAt: END });
    expect(await creditsOf(t, ada.userId)).toEqual(creditsBefore);

    // A failure notice older than the last applied change does nothing.
    const before = await state(t);
    expect(await send("invoice.payment_failed", renewal, END - DAY)).toMatchObject({ status: "ignored" });
    expect(await state(t)).toEqual(before);

    clockAt(END + 2 * DAY);
    await send("invoice.paid", renewal, END + 2 * DAY);
    expect(await ada.as.query(api.subscriptions.getSubscription, {})).toMatchObject({ status: "active" });
    expect(await credits()).toMatchObject({ balance: 1000, nextRefillAt: END2 + RENEWAL_GRACE_MS });
  });

  test("invoices that start no period (plan-change prorations, manual) grant nothing", async () => {
    const { t, sub, bill, send } = await story();
    await send("customer.subscription.created", sub(), T0);
    const before = await state(t);
    expect(await send("invoice.paid", bill({ id: "in_u", billingReason: "subscription_update" }), T0)).toMatchObject({ status: "ignored" });
    expect(await send("invoice.paid", bill({ id: "in_m", billingReason: "manual", subscription: null }), T0)).toMatchObject({ status: "ignored" });
    expect(await state(t)).toEqual(before);
  });

  test("an invoice for an unknown price or an ended subscription grants nothing", async () => {
    const { t, sub, bill, send } = await story();
    await send("customer.subscription.created", sub({ lookupKey: "legacy_plan" }), T0);
    const before = await state(t);
    expect(await send("invoice.paid", bill(), T0)).toMatchObject({ status: "needs_attention" });
    expect(await state(t)).toEqual(before);
    await send("customer.subscription.deleted", sub({ lookupKey: "pro_monthly", status: "canceled" }), T0 + 1000);
    const ended = await state(t);
    expect(await send("invoice.paid", bill({ id: "in_2" }), T0 + 2000)).toMatchObject({ status: "ignored" });
    expect(await state(t)).toEqual(ended);
  });

  test("an older API version's invoice (top-level subscription) is read the same", async () => {
    const { sub, bill, send, credits } = await story();
    await send("customer.subscription.created", sub(), T0);
    await send("invoice.paid", bill({ legacy: true }), T0);
    expect(await credits()).toMatchObject({ balance: 1000, nextRefillAt: END + RENEWAL_GRACE_MS });
  });
});

describe("invoice.paid for a subscription not stored yet", () => {
  test("fetches the subscription from Stripe, stores it, then refills", async () => {
    const { ada, sub, bill, send, credits } = await story();
    const requests = stubStripe({ "GET /v1/subscriptions/*": () => sub() });
    expect(await send("invoice.paid", bill(), T0)).toMatchObject({ http: 200, status: "processed" });
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: "GET", path: "/v1/subscriptions/sub_ada" });
    expect(requests[0]!.headers.get("authorization")).toBe(`Bearer ${SECRET_KEY}`);
    expect(requests[0]!.headers.get("stripe-version")).toBe(STRIPE_API_VERSION);
    expect(await ada.as.query(api.subscriptions.getSubscription, {})).toMatchObject({ planId: "pro", lastEventAt: T0 });
    expect(await credits()).toMatchObject({ balance: 1000, monthlyAllowance: 1000 });
  });

  test("when Stripe cannot be asked, answers 500 with nothing applied; the next delivery applies", async () => {
    const { t, sub, bill, credits } = await story();
    const failed = [
      "Stripe event failed: CONFIGURATION: STRIPE_SECRET_KEY is not set on this deployment",
      "Stripe event failed: STRIPE_ERROR: Stripe refused to read a subscription",
    ];
    const errors = expectConsole("error", ...failed);
    const paid = event("invoice.paid", bill(), T0);
    delete process.env.STRIPE_SECRET_KEY;
    const before = await state(t);
    expect((await deliver(t, paid)).status).toBe(500);
    stubStripe({ "GET /v1/subscriptions/*": () => stripeError(404, "invalid_request_error", "No such subscription", "resource_missing") });
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
    stubStripe({ "GET /v1/subscriptions/*": () => subscription({ id: "sub_ada", customer: "cus_ada", periodStart: T0, periodEnd: END }) });
    const before = await state(t);
    expect(await send("invoice.paid", bill(), T0)).toMatchObject({ http: 200, status: "unmatched" });
    expect(await state(t)).toEqual(before);
  });
});

describe("charge.refunded", () => {
  test("is recorded for a person to decide; credits are not taken back", async () => {
    const { t, ada, sub, bill, send } = await story();
    await send("customer.subscription.created", sub(), T0);
    await send("invoice.paid", bill(), T0);
    await t.run(async (ctx) => {
      await serviceDb(ctx.db).insert("stripeCustomers", { userId: ada.userId, stripeCustomerId: "cus_ada" });
    });
    const before = await state(t);
    const result = await send("charge.refunded", refundedCharge({ id: "ch_1", customer: "cus_ada" }), T0 + DAY);
    expect(result).toMatchObject({ status: "needs_attention", note: expect.stringContaining("ch_1") });
    expect(await state(t)).toEqual(before);
    expect((await snapshot(t)).stripeEvents).toContainEqual(expect.objectContaining({ type: "charge.refunded", userId: ada.userId }));
  });

  test("for an unknown customer is unmatched", async () => {
    const { send } = await story();
    expect(await send("charge.refunded", refundedCharge({ id: "ch_2", customer: "cus_nobody" }), T0)).toMatchObject({ status: "unmatched" });
  });
});
