import { describe, expect, test } from "vitest";
import { api, internal } from "./_generated/api";
import {
  CHECKOUT_URL,
  checkoutSession,
  clockAt,
  DAY,
  expectCode,
  fakeStripe,
  MAR_1,
  newBackend,
  seedUser,
  snapshot,
  stripeError,
  useStripeTestEnv,
  sendOk,
  stripeCustomer,
} from "../testing";

// One open Checkout session per user (README, Guarantees: "One paid
// subscription per user"): two sessions opened before either is paid can
// never both be paid.

useStripeTestEnv();

describe("createCheckoutSession keeps one open session per user", () => {
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

  test("recording a session when another was recorded meanwhile keeps the first and hands it back", async () => {
    // What a concurrent call finds (convex-test may run the two actions one after the other).
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const session = (id: string) => ({
      stripeSessionId: id,
      url: `https://checkout.stripe.com/c/pay/${id}`,
      lookupKey: "pro_monthly",
      expiresAt: MAR_1 + DAY,
    });
    const record = (id: string) =>
      t.mutation(internal.billing.recordCheckout, { userId: ada.userId, session: session(id), now: MAR_1 });
    expect(await record("cs_a")).toMatchObject({ stripeSessionId: "cs_a" });
    expect(await record("cs_b")).toMatchObject({ stripeSessionId: "cs_a", url: session("cs_a").url });
    const rows = (await snapshot(t, ["checkoutSessions"])).checkoutSessions as { stripeSessionId: string }[];
    expect(rows.map((r) => r.stripeSessionId)).toEqual(["cs_a"]);
  });

  test("after a session is paid, checkout answers CONFLICT until its subscription arrives", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    fakeStripe();
    await ada.as.action(api.billing.createCheckoutSession, { planId: "pro", interval: "month" });
    const { userId } = ada;
    const paid = checkoutSession({ id: "cs_1", customer: "cus_1", clientReferenceId: userId, userId });
    expect((await sendOk(t, "checkout.session.completed", paid, MAR_1)).status).toBe("processed");
    const again = () => ada.as.action(api.billing.createCheckoutSession, { planId: "business", interval: "month" });
    await expectCode(again(), "CONFLICT");
    // The subscription arrives, then is canceled: the user may check out again.
    const sub = stripeCustomer(ada, { name: "1" }).subscription({ customer: "cus_1" });
    await sendOk(t, "customer.subscription.created", sub, MAR_1 + 1000);
    await sendOk(t, "customer.subscription.deleted", { ...sub, status: "canceled" }, MAR_1 + 2000);
    expect((await again()).url).toMatch(/^https:\/\/checkout\.stripe\.com\//);
  });
});
