import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import { STRIPE_API_VERSION } from "./lib/stripe";
import {
  addMonths,
  checkoutSession,
  clockAt,
  customer,
  DAY,
  deliver,
  event,
  expectCode,
  MAR_1,
  newBackend,
  portalSession,
  price,
  SECRET_KEY,
  seedUser,
  snapshot,
  stripeEnv,
  stripeError,
  type StripeRoutes,
  stubStripe,
  subscription,
} from "../testing";

// The Stripe API calls: Checkout and the customer portal. `fetch` is stubbed
// with a fake Stripe that records what the actions send.

const SITE = process.env.SITE_URL!;
const CHECKOUT_URL = "https://checkout.stripe.com/c/pay/cs_test_a1b2c3";

beforeEach(() => {
  stripeEnv();
  clockAt(MAR_1);
});
afterEach(() => {
  process.env.SITE_URL = SITE;
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/**
 * A fake Stripe where customers.create answers the same customer for the same
 * idempotency key, and Checkout sessions are open for 24 hours until expired.
 */
function fakeStripe(over: StripeRoutes = {}) {
  const customers = new Map<string, string>();
  const sessions = new Map<string, ReturnType<typeof checkoutSession>>();
  const sessionId = (path: string) => path.split("/")[4]!;
  return stubStripe({
    "POST /v1/customers": (req) => {
      const key = req.headers.get("idempotency-key")!;
      if (!customers.has(key)) customers.set(key, `cus_${customers.size + 1}`);
      return customer({ id: customers.get(key)!, email: req.form.get("email") });
    },
    "GET /v1/prices": (req) => {
      const key = req.query.get("lookup_keys[0]");
      return {
        object: "list",
        data: [price({ lookupKey: key, id: `price_${key}` })],
        has_more: false,
        url: "/v1/prices",
      };
    },
    "POST /v1/checkout/sessions": (req) => {
      const n = sessions.size + 1;
      const session = checkoutSession({
        id: `cs_${n}`,
        customer: req.form.get("customer"),
        clientReferenceId: req.form.get("client_reference_id"),
        userId: req.form.get("metadata[userId]"),
        url: n === 1 ? CHECKOUT_URL : `https://checkout.stripe.com/c/pay/cs_${n}`,
        status: "open",
        expiresAt: Math.floor(Date.now() / 1000) + 24 * 3600,
      });
      sessions.set(session.id, session);
      return session;
    },
    "GET /v1/checkout/sessions/*": (req) => sessions.get(sessionId(req.path)),
    "POST /v1/checkout/sessions/*": (req) => {
      const session = sessions.get(sessionId(req.path))!;
      if (session.status !== "open") return stripeError(400, "invalid_request_error", "Only open sessions expire");
      session.status = "expired";
      return session;
    },
    "POST /v1/billing_portal/sessions": (req) =>
      portalSession({
        customer: req.form.get("customer")!,
        returnUrl: req.form.get("return_url")!,
        url: "https://billing.stripe.com/p/session/test_1",
      }),
    ...over,
  });
}

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

  test("one open Checkout session per user: the same plan again returns it, another plan replaces it", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const requests = fakeStripe();
    const checkout = (planId: "pro" | "business") =>
      ada.as.action(api.billing.createCheckoutSession, { planId, interval: "month" });
    const first = await checkout("pro");
    requests.length = 0;
    // Asked again (a second tab, a back button): the same page, no new session.
    expect(await checkout("pro")).toEqual(first);
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v1/checkout/sessions/cs_1"]);
    // Another plan: the open session is expired at Stripe first, so it can no longer be paid.
    const second = await checkout("business");
    expect(second.url).not.toBe(first.url);
    const sessions = (await snapshot(t, ["checkoutSessions"])).checkoutSessions as { status: string }[];
    expect(sessions.map((s) => s.status)).toEqual(["expired", "open"]);
    // 24 hours later the recorded session no longer counts as open: a new one is made without asking Stripe.
    clockAt(MAR_1 + DAY + 1);
    requests.length = 0;
    await checkout("business");
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v1/prices", "POST /v1/checkout/sessions"]);
  });

  test("a recorded session Stripe no longer knows does not block checkout", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    fakeStripe();
    await ada.as.action(api.billing.createCheckoutSession, { planId: "pro", interval: "month" });
    const requests = fakeStripe({
      "GET /v1/checkout/sessions/*": () =>
        stripeError(404, "invalid_request_error", "No such session", "resource_missing"),
    });
    const { url } = await ada.as.action(api.billing.createCheckoutSession, { planId: "pro", interval: "month" });
    expect(url).toBe(CHECKOUT_URL);
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /v1/checkout/sessions/cs_1",
      "GET /v1/prices",
      "POST /v1/checkout/sessions",
    ]);
  });

  test("a session that was just paid (its webhook not here yet) is a CONFLICT, not a second checkout", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const requests = fakeStripe();
    await ada.as.action(api.billing.createCheckoutSession, { planId: "pro", interval: "month" });
    const paid = requests.find((r) => r.path === "/v1/checkout/sessions")!;
    expect(paid).toBeDefined();
    fakeStripe({
      "GET /v1/checkout/sessions/*": () =>
        checkoutSession({ id: "cs_1", customer: "cus_1", clientReferenceId: ada.userId, status: "complete" }),
    });
    const before = await snapshot(t);
    await expectCode(
      ada.as.action(api.billing.createCheckoutSession, { planId: "business", interval: "month" }),
      "CONFLICT",
    );
    expect(await snapshot(t)).toEqual(before);
  });

  test("two concurrent checkouts leave one open session: the later one is expired and answers the first's URL", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const requests = fakeStripe();
    const [a, b] = await Promise.all([
      ada.as.action(api.billing.createCheckoutSession, { planId: "pro", interval: "month" }),
      ada.as.action(api.billing.createCheckoutSession, { planId: "pro", interval: "month" }),
    ]);
    expect(a).toEqual(b);
    const created = requests.filter((r) => r.method === "POST" && r.path === "/v1/checkout/sessions").length;
    const expired = requests.filter((r) => r.path.endsWith("/expire")).length;
    const open = ((await snapshot(t, ["checkoutSessions"])).checkoutSessions as { status: string }[]).filter(
      (s) => s.status === "open",
    );
    expect(open).toHaveLength(1);
    expect(created - expired).toBe(1);
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
