/**
 * What a user may do, with one rule set for client and server: the React hooks
 * (`usePlan`, `useEntitlements`) and the server's `requireFeature`
 * (convex/model/entitlements.ts) both answer through these functions, over the
 * subscription `getSubscription` returns, so they cannot disagree.
 */
import { PLANS, type Feature, type Plan, type PlanId } from "./plans";
import { entitledPlanId, isEntitled, isInGoodStanding, type SubscriptionStatus } from "./subscriptions";

// isEntitled(status) lives with the other status rules (./subscriptions) and is exported from there.

/** The part of a subscription the rules read (a `getSubscription` result fits). */
export type SubscriptionLike = { status: SubscriptionStatus; planId: PlanId };

/** The plan a subscription gives its user now: its own while entitled (past_due too), else free; free with none. */
export function planOf(subscription: SubscriptionLike | null | undefined): PlanId {
  return subscription ? entitledPlanId(subscription) : "free";
}

/** True when `planId` unlocks `feature`. */
export function hasFeature(planId: PlanId, feature: Feature): boolean {
  return PLANS[planId].featureKeys.includes(feature);
}

/** True when a balance (or a `getCredits` result) covers spending `n` credits; false while unknown. */
export function canAfford(credits: { balance: number } | number | null | undefined, n: number): boolean {
  const balance = typeof credits === "number" ? credits : credits?.balance;
  return balance !== undefined && Number.isFinite(n) && n >= 0 && balance >= n;
}

/** Everything a client shows about a user's plan, from their current subscription (null: none). */
export type Entitlements = {
  planId: PlanId;
  plan: Plan;
  /** The subscription's status, null without one. */
  status: SubscriptionStatus | null;
  /** A paid plan's allowance applies (active, trialing or past_due). */
  entitled: boolean;
  /** Paid, but the last payment failed and Stripe is retrying: show "update your card". */
  paymentFailed: boolean;
  features: readonly Feature[];
  has(feature: Feature): boolean;
};

/** The entitlements a subscription (as `getSubscription` returns it) gives. */
export function entitlementsOf(subscription: SubscriptionLike | null | undefined): Entitlements {
  const planId = planOf(subscription);
  const status = subscription?.status ?? null;
  return {
    planId,
    plan: PLANS[planId],
    status,
    entitled: status !== null && isEntitled(status),
    paymentFailed: status !== null && isEntitled(status) && !isInGoodStanding(status),
    features: PLANS[planId].featureKeys,
    has: (feature) => hasFeature(planId, feature),
  };
}
