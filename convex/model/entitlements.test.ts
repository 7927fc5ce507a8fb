import { describe, expect, test } from "vitest";
import { api } from "../_generated/api";
import { serviceDb } from "../lib/db";
import { billingStory, expectCode, MAR_1, MINUTE, useStripeTestEnv } from "../../testing";
import { entitlementsOf } from "../../src/entitlements";
import { FEATURES } from "../../src/plans";
import { requireFeature } from "./entitlements";

useStripeTestEnv();

describe("requireFeature", () => {
  test("agrees with the client's entitlements for every subscription status and feature", async () => {
    const { t, ada, stripe, send } = await billingStory({ plan: { lookupKey: "business_monthly" } });
    const serverAllows = (feature: (typeof FEATURES)[number]) =>
      t
        .run((ctx) => requireFeature({ db: serviceDb(ctx.db), userId: ada.userId }, feature))
        .then(
          (planId) => ({ allowed: true as const, planId }),
          (error: { data?: { code?: string } }) => ({ allowed: false as const, code: error.data?.code }),
        );
    const seen: Record<string, string> = {};
    // A life Stripe could give a subscription (ended ones never come back, so they come last).
    const life = ["incomplete", "trialing", "active", "past_due", "unpaid", "paused", "canceled"] as const;
    for (const [i, status] of life.entries()) {
      await send("customer.subscription.updated", stripe.subscription({ status }), MAR_1 + i * MINUTE);
      const client = entitlementsOf(await ada.as.query(api.subscriptions.getSubscription, {}));
      for (const feature of FEATURES) {
        const server = await serverAllows(feature);
        expect(server.allowed, `${status} ${feature}`).toBe(client.has(feature));
        if (!server.allowed) expect(server.code).toBe("FORBIDDEN");
        else expect(server).toEqual({ allowed: true, planId: client.planId });
      }
      seen[status] = client.planId;
    }
    expect(seen).toEqual({
      incomplete: "free",
      trialing: "business",
      active: "business",
      past_due: "business",
      unpaid: "free",
      paused: "free",
      canceled: "free",
    });
  });

  test("refuses a free user with FORBIDDEN naming the feature and their plan", async () => {
    const { t, ada } = await billingStory();
    const data = await expectCode(
      t.run((ctx) => requireFeature({ db: serviceDb(ctx.db), userId: ada.userId }, "prioritySupport")),
      "FORBIDDEN",
    );
    expect(data).toMatchObject({ feature: "prioritySupport", planId: "free" });
  });
});
