import { describe, expect, test } from "vitest";
import { internal } from "./_generated/api";
import { STRIPE_API_VERSION } from "./lib/stripe";
import { HANDLED_EVENT_TYPES } from "./model/stripeHandlers";
import {
  billingStory,
  cataloguePrices,
  clockAt,
  HOUR,
  DAY,
  MAR_1,
  newBackend,
  portalConfiguration,
  price,
  sendOk,
  snapshot,
  stripeAccount,
  stripeError,
  stubStripe,
  subscription,
  useStripeTestEnv,
  webhookEndpoint,
  webhookUrl,
  type AccountSpec,
} from "../testing";

// billing:doctor reads the deployment's env and the Stripe account (stubbed
// behind fetch) and says what to fix. It never writes.

useStripeTestEnv();

const run = async (spec: AccountSpec = {}, t = newBackend()) => {
  const requests = stubStripe(stripeAccount(spec));
  const before = await snapshot(t);
  const report = await t.action(internal.billing.doctor, {});
  expect(await snapshot(t)).toEqual(before);
  expect(requests.every((r) => r.method === "GET")).toBe(true);
  return { report, requests, failed: report.checks.filter((c) => !c.ok) };
};

test("a Stripe account set up as README says: every check ok, in 4 read-only requests", async () => {
  const { report, requests } = await run();
  expect(report.ok).toBe(true);
  expect(report.checks.map((c) => c.name)).toEqual([
    "environment",
    "price pro_monthly",
    "price pro_yearly",
    "price business_monthly",
    "price business_yearly",
    "prices outside the catalogue",
    "webhook endpoint",
    "webhook events",
    "webhook API version",
    "customer portal",
    "webhook inbox",
  ]);
  expect(report.checks[0]!.detail).toContain("test mode key");
  expect(report.checks.find((c) => c.name === "webhook inbox")!.detail).toBe(
    "0 failed, 0 unmatched, 0 needs_attention; no webhook event processed yet",
  );
  expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
    "GET /v1/prices",
    "GET /v1/prices",
    "GET /v1/webhook_endpoints",
    "GET /v1/billing_portal/configurations",
  ]);
});

describe("each misconfiguration fails its check, naming the fix", () => {
  test("a catalogue price without its lookup key", async () => {
    const prices = cataloguePrices().map((p) => (p.lookup_key === "pro_yearly" ? { ...p, lookup_key: null } : p));
    const { report, failed } = await run({ prices });
    expect(report.ok).toBe(false);
    expect(failed).toEqual([
      {
        name: "price pro_yearly",
        ok: false,
        detail: expect.stringContaining("No price has lookup key pro_yearly: give the yearly price its lookup key"),
      },
    ]);
  });

  test("an archived (inactive) price", async () => {
    const prices = cataloguePrices().map((p) => (p.lookup_key === "pro_monthly" ? { ...p, active: false } : p));
    const { failed } = await run({ prices });
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ name: "price pro_monthly" });
    expect(failed[0]!.detail).toMatch(/price_pro_monthly has lookup key pro_monthly but is archived: unarchive it/);
  });

  test("a key on a price with the wrong interval", async () => {
    const prices = cataloguePrices().map((p) =>
      p.lookup_key === "business_yearly" ? price({ id: p.id, lookupKey: "business_yearly", interval: "month" }) : p,
    );
    const { failed } = await run({ prices });
    expect(failed.map((c) => c.name)).toEqual(["price business_yearly"]);
    expect(failed[0]!.detail).toContain("bills every 1 month: the key must be on a recurring price billed every year");
  });

  test("an endpoint that does not send invoice.paid", async () => {
    const events = HANDLED_EVENT_TYPES.filter((type) => type !== "invoice.paid");
    const { failed } = await run({ endpoints: [webhookEndpoint({ events })] });
    expect(failed).toEqual([
      {
        name: "webhook events",
        ok: false,
        detail: expect.stringContaining("does not send invoice.paid: add it (Dashboard → Webhooks →"),
      },
    ]);
  });

  test("an endpoint on another API version", async () => {
    const { failed } = await run({ endpoints: [webhookEndpoint({ apiVersion: "2024-06-20" })] });
    expect(failed.map((c) => c.name)).toEqual(["webhook API version"]);
    expect(failed[0]!.detail).toContain(
      `sends events on 2024-06-20, not ${STRIPE_API_VERSION}: an endpoint's version cannot change, so add an endpoint`,
    );
  });

  test("no endpoint at this deployment, or one Stripe disabled", async () => {
    const elsewhere = await run({ endpoints: [webhookEndpoint({ url: "https://old.example.com/stripe/webhook" })] });
    expect(elsewhere.failed.map((c) => c.name)).toEqual(["webhook endpoint", "webhook events", "webhook API version"]);
    expect(elsewhere.failed[0]!.detail).toContain(`No webhook endpoint points at ${webhookUrl()}`);
    const disabled = await run({ endpoints: [webhookEndpoint({ status: "disabled" })] });
    expect(disabled.failed.map((c) => c.name)).toEqual(["webhook endpoint"]);
    expect(disabled.failed[0]!.detail).toContain("is disabled (Stripe disables an endpoint that keeps failing)");
  });

  test("a missing env var", async () => {
    delete process.env.STRIPE_WEBHOOK_SECRET;
    const { failed } = await run();
    expect(failed).toEqual([
      {
        name: "environment",
        ok: false,
        detail: "STRIPE_WEBHOOK_SECRET not set: npx convex env set STRIPE_WEBHOOK_SECRET ... (README, Billing → Setup)",
      },
    ]);
  });

  test("no secret key: Stripe is not read at all", async () => {
    delete process.env.STRIPE_SECRET_KEY;
    const { failed, requests } = await run();
    expect(requests).toEqual([]);
    expect(failed.map((c) => c.name)).toEqual(["environment", "stripe account"]);
  });

  test("a portal that offers a price outside the catalogue, or no plan switching", async () => {
    const ids = cataloguePrices().map((p) => p.id);
    const extra = await run({ portal: [portalConfiguration({ prices: [...ids, "price_legacy"] })] });
    expect(extra.failed.map((c) => c.name)).toEqual(["customer portal"]);
    expect(extra.failed[0]!.detail).toContain("offers price_legacy, not in the catalogue: remove it");
    const off = await run({ portal: [portalConfiguration({ prices: ids, switching: false })] });
    expect(off.failed[0]!.detail).toContain(
      'does not let customers switch plans: turn on "Customers can switch plans"',
    );
  });

  test("a key Stripe refuses fails the Stripe checks, saying so", async () => {
    const t = newBackend();
    stubStripe({ "GET /v1/*": () => stripeError(401, "invalid_request_error", "Invalid API Key provided") });
    const report = await t.action(internal.billing.doctor, {});
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.name === "webhook endpoint")!.detail).toMatch(
      /Could not list the webhook endpoints: .*check STRIPE_SECRET_KEY/,
    );
  });
});

test("prices with lookup keys the catalogue does not know are listed, not failed", async () => {
  const prices = [...cataloguePrices(), price({ id: "price_team", lookupKey: "team_monthly" })];
  const { report } = await run({ prices });
  expect(report.ok).toBe(true);
  expect(report.checks.find((c) => c.name === "prices outside the catalogue")!.detail).toMatch(
    /^price_team \(team_monthly\): not sold by checkout/,
  );
});

test("inbox health: failed events fail the check; counts stop at 100+; the last event's age", async () => {
  const t = newBackend();
  // An unknown customer's subscription: unmatched.
  await sendOk(
    t,
    "customer.subscription.created",
    subscription({ id: "sub_x", customer: "cus_x", periodStart: MAR_1, periodEnd: MAR_1 + 30 * DAY }),
    MAR_1,
  );
  await t.run(async (ctx) => {
    for (let i = 0; i < 101; i++) {
      await ctx.db.insert("stripeEvents", {
        eventId: `evt_failed_${i}`,
        type: "invoice.paid",
        status: "failed",
        attempts: 1,
        lastError: "boom",
        receivedAt: MAR_1,
        processedAt: null,
        eventCreatedAt: MAR_1,
        stripeCustomerId: null,
        userId: null,
        note: null,
        payload: "",
        updatedAt: MAR_1,
      });
    }
  });
  const { failed } = await run({}, t);
  expect(failed).toEqual([
    {
      name: "webhook inbox",
      ok: false,
      detail: expect.stringMatching(
        /^100\+ failed, 1 unmatched, 0 needs_attention; no webhook event processed yet: see/,
      ),
    },
  ]);
});

test("README's Setup lists exactly the event types the handlers use (and the doctor checks)", async () => {
  const { readFileSync } = await import("node:fs");
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const setup = readme.slice(readme.indexOf("enable these events:"), readme.indexOf("Any other event is recorded"));
  const listed = [...setup.matchAll(/`([a-z_.]+)`/g)].map((m) => m[1]);
  expect(listed.sort()).toEqual([...HANDLED_EVENT_TYPES].sort());
});

test("inbox health says how long ago the last webhook event was processed", async () => {
  const { t, stripe, send } = await billingStory();
  await send("customer.subscription.created", stripe.subscription(), MAR_1);
  clockAt(MAR_1 + 3 * HOUR);
  const { report } = await run({}, t);
  expect(report.checks.find((c) => c.name === "webhook inbox")!.detail).toBe(
    "0 failed, 0 unmatched, 0 needs_attention; last event processed 3 h ago",
  );
});
