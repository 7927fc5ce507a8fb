import { describe, expect, test } from "vitest";
import { api, internal } from "./_generated/api";
import {
  APR_1,
  type Backend,
  billingStory,
  checkoutSession,
  DAY,
  deliver,
  event,
  expectCode,
  expectConsole,
  invoice,
  MAR_1,
  MINUTE,
  sec,
  snapshot,
  stubStripe,
  subscription,
  useStripeTestEnv,
} from "../testing";

// The webhook inbox: signatures, exactly-once, failures and reconciliation.
// What each event does to subscriptions and credits: subscriptions.test.ts.

useStripeTestEnv();

async function setup() {
  const { t, ada, stripe } = await billingStory();
  return { t, ada, sub: stripe.subscription, bill: stripe.invoice };
}

const inbox = (t: Backend) => t.run((ctx) => ctx.db.query("stripeEvents").collect());

describe("signature", () => {
  test("a tampered body is refused with 400 and nothing is written", async () => {
    const { t, sub } = await setup();
    const before = await snapshot(t);
    const evt = event("customer.subscription.created", sub(), MAR_1);
    const res = await deliver(t, evt, { tamper: (body) => body.replace('"active"', '"trialing"') });
    expect(res.status).toBe(400);
    expect(await snapshot(t)).toEqual(before);
  });

  test("a stale timestamp (over 300 s old) is refused; 299 s old is accepted", async () => {
    const { t, sub } = await setup();
    const before = await snapshot(t);
    const stale = await deliver(t, event("customer.subscription.created", sub(), MAR_1), {
      timestamp: sec(MAR_1) - 301,
    });
    expect(stale.status).toBe(400);
    expect(await snapshot(t)).toEqual(before);
    const fresh = await deliver(t, event("customer.subscription.created", sub(), MAR_1), {
      timestamp: sec(MAR_1) - 299,
    });
    expect(fresh.status).toBe(200);
  });

  test("a missing signature, or one made with another secret, is refused", async () => {
    const { t, sub } = await setup();
    const before = await snapshot(t);
    const evt = event("customer.subscription.created", sub(), MAR_1);
    expect((await deliver(t, evt, { unsigned: true })).status).toBe(400);
    expect((await deliver(t, evt, { secret: "whsec_someone_else" })).status).toBe(400);
    expect(await snapshot(t)).toEqual(before);
  });

  test("without STRIPE_WEBHOOK_SECRET the endpoint answers 500 (Stripe retries) and writes nothing", async () => {
    const { t, sub } = await setup();
    delete process.env.STRIPE_WEBHOOK_SECRET;
    const errors = expectConsole("error", "STRIPE_WEBHOOK_SECRET is not set");
    const before = await snapshot(t);
    expect((await deliver(t, event("customer.subscription.created", sub(), MAR_1))).status).toBe(500);
    expect(await snapshot(t)).toEqual(before);
    expect(errors.messages).toEqual(["STRIPE_WEBHOOK_SECRET is not set; Stripe events are not being processed"]);
  });
});

describe("exactly once", () => {
  test("a duplicate delivery answers 200 and changes nothing", async () => {
    const { t, ada, sub, bill } = await setup();
    expect((await deliver(t, event("customer.subscription.created", sub(), MAR_1))).status).toBe(200);
    const evt = event("invoice.paid", bill(), MAR_1);
    const first = await deliver(t, evt);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ ok: true, status: "processed", duplicate: false });
    const after = await snapshot(t);
    expect(after.credits).toEqual([
      expect.objectContaining({ userId: ada.userId, balance: 1000, monthlyAllowance: 1000 }),
    ]);

    const again = await deliver(t, evt);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ ok: true, duplicate: true });
    expect(await snapshot(t)).toEqual(after);
  });

  test("two deliveries of the same event at the same moment apply it once", async () => {
    const { t, sub, bill } = await setup();
    expect((await deliver(t, event("customer.subscription.created", sub(), MAR_1))).status).toBe(200);
    const evt = event("invoice.paid", bill(), MAR_1);
    const [a, b] = await Promise.all([deliver(t, evt), deliver(t, evt)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const bodies = [await a.json(), await b.json()];
    expect(bodies.map((r) => r.duplicate).sort()).toEqual([false, true]);
    const state = await snapshot(t);
    expect(state.subscriptions).toHaveLength(1);
    expect(state.stripeEvents).toContainEqual(expect.objectContaining({ eventId: evt.id, attempts: 1 }));
    expect(state.stripeEvents).toHaveLength(2);
    // One refill for the paid month, not two.
    expect(state.creditLedger!.filter((e: any) => e.kind === "refill")).toHaveLength(1);
    expect(state.credits).toEqual([expect.objectContaining({ balance: 1000 })]);
  });

  test("every verified event is recorded: type, status, attempts, received time, payload", async () => {
    const { t, sub } = await setup();
    const evt = event("customer.subscription.created", sub(), MAR_1 - MINUTE);
    await deliver(t, evt);
    expect(await inbox(t)).toEqual([
      expect.objectContaining({
        eventId: evt.id,
        type: "customer.subscription.created",
        status: "processed",
        attempts: 1,
        lastError: null,
        receivedAt: MAR_1,
        processedAt: MAR_1,
        eventCreatedAt: MAR_1 - MINUTE,
        stripeCustomerId: "cus_ada",
        payload: JSON.stringify(evt, null, 2),
      }),
    ]);
  });
});

describe("failures", () => {
  test("a processing error answers 500, leaves no partial state, records the failure; the next delivery applies", async () => {
    const { t, sub } = await setup();
    const errors = expectConsole("error", "Stripe event failed: subscription sub_ada has unknown status mystery");
    const before = await snapshot(t);
    // A subscription whose status Stripe never sends: the handler throws.
    const broken = sub({ status: "mystery" });
    const evt = event("customer.subscription.created", broken, MAR_1);
    const res = await deliver(t, evt);
    expect(res.status).toBe(500);
    const after = await snapshot(t);
    expect(after.stripeEvents).toEqual([
      expect.objectContaining({
        eventId: evt.id,
        status: "failed",
        attempts: 1,
        lastError: expect.stringContaining("mystery"),
      }),
    ]);
    expect({ ...after, stripeEvents: [] }).toEqual({ ...before, stripeEvents: [] });

    // Stripe retries; the second failure is counted too.
    expect((await deliver(t, evt)).status).toBe(500);
    expect((await inbox(t))[0]).toMatchObject({ status: "failed", attempts: 2 });
    // Each failed delivery is logged once, for the deployment's logs.
    expect(errors.messages).toHaveLength(2);

    // Once the handler can read it (here: the same event id, fixed), it applies once.
    const fixed = { ...evt, data: { object: sub() } };
    expect((await deliver(t, fixed)).status).toBe(200);
    const state = await snapshot(t);
    expect(state.stripeEvents).toEqual([
      expect.objectContaining({ status: "processed", attempts: 3, lastError: null }),
    ]);
    expect(state.subscriptions).toHaveLength(1);
  });
});

describe("reconciliation", () => {
  test("an unhandled event type is recorded as ignored and answered 200", async () => {
    const { t } = await setup();
    const evt = event("customer.created", { id: "cus_x", object: "customer" }, MAR_1);
    const res = await deliver(t, evt);
    expect(res.status).toBe(200);
    expect(await inbox(t)).toEqual([
      expect.objectContaining({ status: "ignored", note: "customer.created is not handled" }),
    ]);
  });

  test("an unknown customer is recorded as unmatched, listed, and applied by a replay once linked", async () => {
    const { t, ada } = await setup();
    // Made in the Stripe dashboard: no metadata.userId, customer never linked.
    const foreign = subscription({ id: "sub_x", customer: "cus_unknown", periodStart: MAR_1, periodEnd: APR_1 });
    const evt = event("customer.subscription.created", foreign, MAR_1);
    const before = await snapshot(t);
    const res = await deliver(t, evt);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "unmatched" });
    const after = await snapshot(t);
    expect({ ...after, stripeEvents: [] }).toEqual({ ...before, stripeEvents: [] });

    const unmatched = await t.query(internal.stripeEvents.list, { status: "unmatched" });
    expect(unmatched).toEqual([
      expect.objectContaining({
        eventId: evt.id,
        stripeCustomerId: "cus_unknown",
        note: "No user for customer cus_unknown",
      }),
    ]);
    expect(unmatched[0]).not.toHaveProperty("payload");

    // An operator links the customer, then replays the stored event.
    await t.mutation(internal.billing.linkCustomer, { userId: ada.userId, stripeCustomerId: "cus_unknown" });
    const replayed = await t.action(internal.stripeEvents.replay, { eventId: evt.id });
    expect(replayed).toMatchObject({ ok: true, status: "processed" });
    expect(await ada.as.query(api.subscriptions.getSubscription, {})).toMatchObject({
      stripeSubscriptionId: "sub_x",
      planId: "pro",
    });
    expect(await t.query(internal.stripeEvents.list, { status: "unmatched" })).toEqual([]);
    expect((await inbox(t))[0]).toMatchObject({ status: "processed", attempts: 2 });
  });

  test("replaying an applied event grants nothing again", async () => {
    const { t, sub } = await setup();
    await deliver(t, event("customer.subscription.created", sub(), MAR_1));
    const paid = event(
      "invoice.paid",
      invoice({
        id: "in_1",
        customer: "cus_ada",
        subscription: "sub_ada",
        billingReason: "subscription_create",
        periodStart: MAR_1,
        periodEnd: APR_1,
      }),
      MAR_1,
    );
    await deliver(t, paid);
    const before = await snapshot(t, ["credits", "creditLedger", "subscriptions"]);
    expect(await t.action(internal.stripeEvents.replay, { eventId: paid.id })).toMatchObject({ ok: true });
    expect(await snapshot(t, ["credits", "creditLedger", "subscriptions"])).toEqual(before);
  });

  test("replay of an unknown event id is NOT_FOUND; list limits are checked", async () => {
    const { t } = await setup();
    await expectCode(t.action(internal.stripeEvents.replay, { eventId: "evt_nope" }), "NOT_FOUND");
    await expectCode(t.query(internal.stripeEvents.list, { status: "failed", limit: 0 }), "INVALID_ARGUMENT");
  });

  test("checkout.session.completed with a client_reference_id naming no user is unmatched", async () => {
    const { t } = await setup();
    const session = checkoutSession({ customer: "cus_z", clientReferenceId: "not-a-user-id" });
    const res = await deliver(t, event("checkout.session.completed", session, MAR_1));
    expect(await res.json()).toMatchObject({ ok: true, status: "unmatched" });
    expect((await snapshot(t)).stripeCustomers).toEqual([]);
  });

  test("list returns newest first and at most `limit`", async () => {
    const { t } = await setup();
    for (let i = 0; i < 3; i++) {
      await deliver(t, event("customer.created", { id: `cus_${i}` }, MAR_1 + i * DAY, `evt_list_${i}`));
    }
    const listed = await t.query(internal.stripeEvents.list, { status: "ignored", limit: 2 });
    expect(listed.map((e) => e.eventId)).toEqual(["evt_list_2", "evt_list_1"]);
  });
});

test("the Stripe API is not called for events that need nothing from it", async () => {
  const { t, sub } = await setup();
  const requests = stubStripe({});
  await deliver(t, event("customer.subscription.created", sub(), MAR_1));
  expect(requests).toEqual([]);
});
