/**
 * What a subscription's status means, shared by the backend (allowances,
 * access, webhook handling) and clients (plan badges, upgrade buttons), so both
 * answer "is this user pro?" with the same rules. Pure functions: no server code.
 */
import { PLANS, type PlanId } from "./plans";

/** Stripe's subscription statuses. */
export const SUBSCRIPTION_STATUSES = [
  "incomplete",
  "incomplete_expired",
  "trialing",
  "active",
  "past_due",
  "canceled",
  "unpaid",
  "paused",
] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** Stripe's recurring price intervals (prices outside the catalogue may use any of them). */
export const PRICE_INTERVALS = ["day", "week", "month", "year"] as const;
export type PriceInterval = (typeof PRICE_INTERVALS)[number];

const has = (set: readonly SubscriptionStatus[]) => (status: SubscriptionStatus) => set.includes(status);

/**
 * Keeps the plan's paid allowance. `past_due` does too: Stripe is still
 * retrying the payment, and cutting credits during its retries would punish a
 * card that is about to be updated. Every other status means free.
 */
export const isEntitled = has(["active", "trialing", "past_due"]);

/** In good standing: the subscription to show as the user's current one. */
export const isInGoodStanding = has(["active", "trialing"]);

/** Never bills again: Stripe does not reactivate these. */
export const hasEnded = has(["canceled", "incomplete_expired"]);

/** Statuses a paid invoice brings back to `active` (Stripe does the same). */
export const isRecoveredByPayment = has(["past_due", "unpaid", "incomplete"]);

/** The plan a subscription entitles its user to now: its own while entitled, else free. */
export function entitledPlanId(sub: { status: SubscriptionStatus; planId: PlanId }): PlanId {
  return isEntitled(sub.status) ? sub.planId : "free";
}

/** The monthly credits a subscription entitles its user to now. */
export function entitledCredits(sub: { status: SubscriptionStatus; planId: PlanId }): number {
  return PLANS[entitledPlanId(sub)].monthlyCredits;
}
