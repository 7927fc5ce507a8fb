import { describe, expect, test } from "vitest";
import { canAfford, entitlementsOf, hasFeature, planOf } from "./entitlements";
import { FEATURES, PLAN_IDS, PLANS } from "./plans";
import { SUBSCRIPTION_STATUSES } from "./subscriptions";

describe("entitlement rules", () => {
  test("a subscription gives its plan while entitled (past_due included), free otherwise or without one", () => {
    const plans = SUBSCRIPTION_STATUSES.map((status) => [status, planOf({ status, planId: "pro" })]);
    expect(Object.fromEntries(plans)).toEqual({
      incomplete: "free",
      incomplete_expired: "free",
      trialing: "pro",
      active: "pro",
      past_due: "pro",
      canceled: "free",
      unpaid: "free",
      paused: "free",
    });
    expect(planOf(null)).toBe("free");
    expect(planOf(undefined)).toBe("free");
  });

  test("features come from the plan's machine-readable keys, every key granted by some plan", () => {
    expect(hasFeature("free", "emailSupport")).toBe(false);
    expect(hasFeature("pro", "emailSupport")).toBe(true);
    expect(hasFeature("pro", "prioritySupport")).toBe(false);
    expect(hasFeature("business", "prioritySupport")).toBe(true);
    for (const feature of FEATURES) expect(PLAN_IDS.some((id) => hasFeature(id, feature))).toBe(true);
  });

  test("canAfford takes a balance or a getCredits result, and is false while it is unknown", () => {
    expect(canAfford({ balance: 50 }, 50)).toBe(true);
    expect(canAfford({ balance: 50 }, 51)).toBe(false);
    expect(canAfford(10, 3)).toBe(true);
    expect(canAfford(10, -1)).toBe(false);
    expect(canAfford(10, Number.NaN)).toBe(false);
    expect(canAfford(null, 0)).toBe(false);
    expect(canAfford(undefined, 0)).toBe(false);
  });

  test("a canceled Pro subscription is the free plan; past_due keeps Pro and says the payment failed", () => {
    expect(entitlementsOf({ status: "canceled", planId: "pro" })).toMatchObject({
      planId: "free",
      plan: PLANS.free,
      status: "canceled",
      entitled: false,
      paymentFailed: false,
      features: [],
    });
    const pastDue = entitlementsOf({ status: "past_due", planId: "pro" });
    expect(pastDue).toMatchObject({ planId: "pro", entitled: true, paymentFailed: true });
    expect(pastDue.has("emailSupport")).toBe(true);
    expect(entitlementsOf(null)).toMatchObject({ planId: "free", status: null, entitled: false });
  });
});
