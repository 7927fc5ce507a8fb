import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "./_generated/api";
import { STRIPE_API_VERSION } from "./lib/stripe";
import {
  addMonths,
  CHECKOUT_URL,
  clockAt,
  deliver,
  event,
  expectCode,
  fakeStripe,
  MAR_1,
  MINUTE,
  newBackend,
  SECRET_KEY,
  seedUser,
  snapshot,
  stripeEnv,
  stripeError,
  subscription,
} from "../testing";

// The Stripe API calls: Checkout and the customer portal. `fetch` is stubbed
// with a fake Stripe that records what the actions send.

const SITE = process.env.SITE_URL!;

beforeEach(() => {
  stripeEnv();
  clockAt(MAR_1);
});
afterEach(() => {
  process.env.SITE_URL = SITE;
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("createCheckoutSession", () => {
  test("creates the customer once, links it, and sends the user id and site URLs to Stripe", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const requests = fakeStripe();
    expect(await ada.as.action(api.billing.createCheckoutSession, { planId: "pro", interval: "year" })).toEqual({
      url: CHECKOUT_URL,
    });

    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1/customers",
      "GET /v1/prices",
      "POST /v1/checkout/sessions",
    ]);
    const [create, prices, session] = requests as [any, any, any];
    for (const r of requests) {
      expect(r.headers.get("authorization")).toBe(`Bearer ${SECRET_KEY}`);
      expect(r.headers.get("stripe-version")).toBe(STRIPE_API_VERSION);
    }
    expect(create.headers.get("idempotency-key")).toBe(`customer-for-user:${ada.userId}`);
    expect(create.form.get("email")).toBe("ada@example.com");
    expect(create.form.get("metadata[userId]")).toBe(ada.userId);
    expect(prices.query.get("lookup_keys[0]")).toBe("pro_yearly");
    expect(prices.query.get("active")).toBe("true");
    expect(Object.fromEntries(session.form)).toMatchObject({
      mode: "subscription",
      customer: "cus_1",
      client_reference_id: ada.userId,
      "line_items[0][price]": "price_pro_yearly",
      "line_items[0][quantity]": "1",
      "subscription_data[metadata][userId]": ada.userId,
      "metadata[userId]": ada.userId,
      success_url: `${SITE}/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${SITE}/billing?checkout=canceled`,
    });
    expect((await snapshot(t)).stripeCustomers).toEqual([
      expect.objectContaining({ userId: ada.userId, stripeCustomerId: "cus_1" }),
    ]);

    // A second checkout, for another plan, closes the open one and reuses the linked customer.
    requests.length = 0;
    await ada.as.action(api.billing.createCheckoutSession, { planId: "business", interval: "month" });
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /v1/checkout/sessions/cs_1",
      "POST /v1/checkout/sessions/cs_1/expire",
      "GET /v1/prices",
      "POST /v1/checkout/sessions",
    ]);
    expect(requests[3]!.form.get("customer")).toBe("cus_1");
  });

  test("two concurrent checkouts create one customer and one link", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const requests = fakeStripe();
    await Promise.all([
      ada.as.action(api.billing.createCheckoutSession, { planId: "pro", interval: "month" }),
      ada.as.action(api.billing.createCheckoutSession, { planId: "pro", interval: "month" }),
    ]);
    const keys = requests.filter((r) => r.path === "/v1/customers").map((r) => r.headers.get("idempotency-key"));
    expect(new Set(keys)).toEqual(new Set([`customer-for-user:${ada.userId}`]));
    expect((await snapshot(t)).stripeCustomers).toHaveLength(1);
  });

  test("is refused without sign-in, for the free plan, without configuration, and when already subscribed", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const requests = fakeStripe();
    const before = await snapshot(t);
    await expectCode(
      t.action(api.billing.createCheckoutSession, { planId: "pro", interval: "month" }),
      "UNAUTHENTICATED",
    );
    await expectCode(
      ada.as.action(api.billing.createCheckoutSession, { planId: "free", interval: "month" }),
      "INVALID_ARGUMENT",
    );
    delete process.env.STRIPE_SECRET_KEY;
    const missing = await expectCode(
      ada.as.action(api.billing.createCheckoutSession, { planId: "pro", interval: "month" }),
      "CONFIGURATION",
    );
    expect(missing.variable).toBe("STRIPE_SECRET_KEY");
    stripeEnv();
    delete process.env.SITE_URL;
    await expectCode(
      ada.as.action(api.billing.createCheckoutSession, { planId: "pro", interval: "month" }),
      "CONFIGURATION",
    );
    expect(requests).toEqual([]);
    expect(await snapshot(t)).toEqual(before);

    process.env.SITE_URL = SITE;
    const sub = subscription({
      id: "sub_1",
      customer: "cus_1",
      userId: ada.userId,
      periodStart: MAR_1,
      periodEnd: addMonths(MAR_1, 1),
    });
    await deliver(t, event("customer.subscription.created", sub, MAR_1));
    await expectCode(
      ada.as.action(api.billing.createCheckoutSession, { planId: "business", interval: "month" }),
      "CONFLICT",
    );
    expect(requests).toEqual([]);
  });

  test("a subscription Stripe still holds (unpaid, paused, incomplete) is fixed in the portal, not by a second checkout", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const requests = fakeStripe();
    const periodEnd = addMonths(MAR_1, 1);
    const live = { id: "sub_1", customer: "cus_1", userId: ada.userId, periodStart: MAR_1, periodEnd };
    await deliver(t, event("customer.subscription.created", subscription(live), MAR_1));
    let at = MAR_1;
    for (const status of ["unpaid", "paused", "incomplete"] as const) {
      at += MINUTE;
      await deliver(t, event("customer.subscription.updated", subscription({ ...live, status }), at));
      expect(await ada.as.query(api.subscriptions.getSubscription, {})).toMatchObject({ status });
      const before = await snapshot(t);
      await expectCode(
        ada.as.action(api.billing.createCheckoutSession, { planId: "business", interval: "month" }),
        "CONFLICT",
      );
      // Refused before any Stripe request, nothing changed (but the call's rate-limit token).
      expect(requests).toEqual([]);
      expect(await snapshot(t)).toEqual(before);
    }
    // Once it has ended, the user may subscribe again.
    at += MINUTE;
    await deliver(t, event("customer.subscription.deleted", subscription({ ...live, status: "canceled" }), at));
    expect((await t.query(internal.billing.billingState, { userId: ada.userId, now: at })).subscribed).toBe(false);
  });

  test("a price missing in Stripe is CONFIGURATION, a Stripe refusal STRIPE_ERROR; the new customer stays linked", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    fakeStripe({ "GET /v1/prices": () => ({ object: "list", data: [], has_more: false, url: "/v1/prices" }) });
    const data = await expectCode(
      ada.as.action(api.billing.createCheckoutSession, { planId: "pro", interval: "month" }),
      "CONFIGURATION",
    );
    expect(data.lookupKey).toBe("pro_monthly");
    expect((await snapshot(t)).stripeCustomers).toHaveLength(1);

    fakeStripe({
      "POST /v1/checkout/sessions": () =>
        stripeError(400, "invalid_request_error", "No such price", "resource_missing"),
    });
    const refused = await expectCode(
      ada.as.action(api.billing.createCheckoutSession, { planId: "pro", interval: "month" }),
      "STRIPE_ERROR",
    );
    expect(refused).toMatchObject({
      stripeType: "StripeInvalidRequestError",
      stripeCode: "resource_missing",
      status: 400,
    });
  });
});

describe("createPortalSession", () => {
  test("is CONFLICT before any checkout, then opens the portal for the user's customer", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const requests = fakeStripe();
    await expectCode(t.action(api.billing.createPortalSession, {}), "UNAUTHENTICATED");
    await expectCode(ada.as.action(api.billing.createPortalSession, {}), "CONFLICT");
    expect(requests).toEqual([]);

    await ada.as.action(api.billing.createCheckoutSession, { planId: "pro", interval: "month" });
    requests.length = 0;
    expect(await ada.as.action(api.billing.createPortalSession, {})).toEqual({
      url: "https://billing.stripe.com/p/session/test_1",
    });
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: "POST", path: "/v1/billing_portal/sessions" });
    expect(Object.fromEntries(requests[0]!.form)).toEqual({ customer: "cus_1", return_url: `${SITE}/billing` });
  });
});
