/**
 * The plan catalogue, shared by the backend (allowances, Stripe price mapping)
 * and clients (pricing page). Prices live in Stripe; a Stripe price maps to a
 * plan through its `lookup_key`.
 */
export const PLAN_IDS = ["free", "pro", "business"] as const;
export type PlanId = (typeof PLAN_IDS)[number];

export const BILLING_INTERVALS = ["month", "year"] as const;
export type BillingInterval = (typeof BILLING_INTERVALS)[number];

/**
 * What a plan unlocks, as keys code can check (`hasFeature` in ./entitlements,
 * `requireFeature` on the server); `Plan.features` is the marketing copy.
 * Add a key here and to the plans that grant it, then gate with it.
 */
export const FEATURES = ["emailSupport", "prioritySupport"] as const;
export type Feature = (typeof FEATURES)[number];

export type Plan = {
  id: PlanId;
  name: string;
  /** Credits granted each month (yearly plans too: they are refilled monthly). */
  monthlyCredits: number;
  /** Marketing copy for a pricing page. */
  features: readonly string[];
  /** The features the plan unlocks, machine-readable. */
  featureKeys: readonly Feature[];
  /** Stripe price lookup keys, by interval; the free plan has none. */
  lookupKeys: Partial<Record<BillingInterval, string>>;
  /**
   * Optional rollover: at most this many unused credits carry over into the
   * next month on top of the allowance. Absent (the default): none carry over,
   * a refill sets the balance to the allowance.
   */
  rolloverCap?: number;
};

export const PLANS: Record<PlanId, Plan> = {
  free: {
    id: "free",
    name: "Free",
    monthlyCredits: 100,
    features: ["100 credits a month", "Community support"],
    featureKeys: [],
    lookupKeys: {},
  },
  pro: {
    id: "pro",
    name: "Pro",
    monthlyCredits: 1_000,
    features: ["1,000 credits a month", "Email support", "Usage history"],
    featureKeys: ["emailSupport"],
    lookupKeys: { month: "pro_monthly", year: "pro_yearly" },
  },
  business: {
    id: "business",
    name: "Business",
    monthlyCredits: 10_000,
    features: ["10,000 credits a month", "Priority support", "Usage history"],
    featureKeys: ["emailSupport", "prioritySupport"],
    lookupKeys: { month: "business_monthly", year: "business_yearly" },
  },
};

export const FREE_PLAN = PLANS.free;

/** The plan and interval a Stripe price `lookup_key` stands for, or null if unknown. */
export function planForLookupKey(
  lookupKey: string | null | undefined,
): { planId: PlanId; interval: BillingInterval } | null {
  if (!lookupKey) return null;
  for (const plan of Object.values(PLANS)) {
    for (const interval of BILLING_INTERVALS) {
      if (plan.lookupKeys[interval] === lookupKey) return { planId: plan.id, interval };
    }
  }
  return null;
}

/**
 * The rollover cap for an account refilled to `allowance`: that of the plan with
 * this allowance, else 0. Looked up by allowance so a refill needs no extra read.
 */
export function rolloverCapFor(allowance: number): number {
  return Object.values(PLANS).find((plan) => plan.monthlyCredits === allowance)?.rolloverCap ?? 0;
}

/** True for a plan id in the catalogue (for input from outside). */
export function isPlanId(value: string): value is PlanId {
  return (PLAN_IDS as readonly string[]).includes(value);
}
