import { authTables } from "@convex-dev/auth/server";
import { defineSchema, defineTable } from "convex/server";
import { omit } from "convex-helpers";
import { migrationsTable } from "convex-helpers/server/migrations";
import { v, type Infer, type Validator } from "convex/values";
import { BILLING_INTERVALS, PLAN_IDS } from "../src/plans";

// Shared validators: declared once, used by the tables below and by function
// `args`/`returns`, so the API and the stored shape cannot drift apart.
const literals = <T extends string>(values: readonly T[]) =>
  v.union(...values.map((value) => v.literal(value)));

export const planIdValidator = literals(PLAN_IDS);
export const billingIntervalValidator = literals(BILLING_INTERVALS);

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
export const subscriptionStatusValidator = literals(SUBSCRIPTION_STATUSES);
export type SubscriptionStatus = Infer<typeof subscriptionStatusValidator>;

/** Every kind of change to a credit balance; one ledger entry each. */
export const ledgerKindValidator = literals([
  "signup",
  "refill",
  "consume",
  "reserve",
  "release",
  "upgrade",
  "adjust",
  "refund",
] as const);
export type LedgerKind = Infer<typeof ledgerKindValidator>;

export const profileFields = {
  userId: v.id("users"),
  email: v.string(),
  fullName: v.optional(v.string()),
  avatarUrl: v.optional(v.string()),
  updatedAt: v.number(),
};

/** A Stripe price's recurring interval (prices outside the catalogue may use any of them). */
/** Stripe's recurring price intervals. */
export const PRICE_INTERVALS = ["day", "week", "month", "year"] as const;
export const priceIntervalValidator = literals(PRICE_INTERVALS);
export type PriceInterval = Infer<typeof priceIntervalValidator>;

/** What happened to a Stripe event in the webhook inbox. */
export const stripeEventStatusValidator = literals([
  "processed", // applied
  "ignored", // nothing to do: unhandled type, older than the stored state, not a renewal...
  "unmatched", // no user for its customer or subscription: kept for reconciliation
  "needs_attention", // applied as far as safe (unknown price, refund): a person should look
  "failed", // processing threw; rolled back; Stripe delivers it again
] as const);
export type StripeEventStatus = Infer<typeof stripeEventStatusValidator>;

export const subscriptionFields = {
  userId: v.id("users"),
  stripeCustomerId: v.string(),
  stripeSubscriptionId: v.string(),
  /** From the price's lookup key; "free" when the price is not in the catalogue. */
  planId: planIdValidator,
  priceId: v.string(),
  priceLookupKey: v.union(v.string(), v.null()),
  interval: priceIntervalValidator,
  status: subscriptionStatusValidator,
  currentPeriodStart: v.number(),
  currentPeriodEnd: v.number(),
  cancelAtPeriodEnd: v.boolean(),
  cancelAt: v.union(v.number(), v.null()),
  trialEnd: v.union(v.number(), v.null()),
  /** `created` (ms) of the last Stripe event applied to this row: older events change nothing. */
  lastEventAt: v.number(),
  updatedAt: v.number(),
};

/** Which Stripe customer belongs to which user (checkout creates it; webhooks find users by it). */
export const stripeCustomerFields = {
  userId: v.id("users"),
  stripeCustomerId: v.string(),
  updatedAt: v.number(),
};

/** The webhook inbox: one row per Stripe event id, so an event takes effect once. */
export const stripeEventFields = {
  eventId: v.string(),
  type: v.string(),
  status: stripeEventStatusValidator,
  /** Processing attempts, failed ones included (a failure is recorded after its rollback). */
  attempts: v.number(),
  lastError: v.union(v.string(), v.null()),
  /** First delivery. */
  receivedAt: v.number(),
  processedAt: v.union(v.number(), v.null()),
  /** The event's own `created`, in ms. */
  eventCreatedAt: v.number(),
  stripeCustomerId: v.union(v.string(), v.null()),
  userId: v.union(v.id("users"), v.null()),
  /** Why it was ignored, unmatched or needs attention. */
  note: v.union(v.string(), v.null()),
  /** The verified body as received, so the event can be replayed. */
  payload: v.string(),
  updatedAt: v.number(),
};

export const creditFields = {
  userId: v.id("users"),
  /** Integer, never negative; always the sum of the user's ledger deltas. */
  balance: v.number(),
  monthlyAllowance: v.number(),
  lastResetAt: v.number(),
  /** Monthly refills fall on this date's day of month (clamped to short months). */
  refillAnchorAt: v.number(),
  /** When the refill sweep next refills this account; indexed so the sweep reads only due rows. */
  nextRefillAt: v.number(),
  /**
   * How many refills this account has had: the number of its current period. A
   * reservation remembers it, so credits held across a refill are never counted
   * twice (see model/reservations.ts). Optional: rows older than it count as 0.
   */
  refillCount: v.optional(v.number()),
  updatedAt: v.number(),
};

/** What a client sees of its credits account. */
export const creditSummaryValidator = v.object({
  balance: v.number(),
  monthlyAllowance: v.number(),
  lastRefillAt: v.number(),
  nextRefillAt: v.number(),
});
export type CreditSummary = Infer<typeof creditSummaryValidator>;

/** The balance after a change. */
export const creditBalanceValidator = v.object({ balance: v.number() });

/** A reservation's life: held until committed, released by its owner, or expired by its timer. */
export const reservationStatusValidator = literals(["held", "committed", "released", "expired"] as const);
export type ReservationStatus = Infer<typeof reservationStatusValidator>;

export const creditReservationFields = {
  userId: v.id("users"),
  /** Credits taken from the balance when the reservation was made. */
  amount: v.number(),
  status: reservationStatusValidator,
  /** When the scheduled expiry releases it if still held. */
  expiresAt: v.number(),
  /** The account's `refillCount` when it was made: the period its credits came from. */
  period: v.number(),
  /** Credits finally charged (set on commit). */
  charged: v.optional(v.number()),
  updatedAt: v.number(),
};

export const reserveResultValidator = v.object({
  reservationId: v.id("creditReservations"),
  balance: v.number(),
});

/** How a reservation ended: what was charged, what came back to the balance. */
export const reservationOutcomeValidator = v.object({
  balance: v.number(),
  charged: v.number(),
  returned: v.number(),
});

export const ledgerEntryFields = {
  userId: v.id("users"),
  delta: v.number(),
  balanceAfter: v.number(),
  kind: ledgerKindValidator,
  reason: v.optional(v.string()),
  /** Makes the change happen once: an invoice id, a client key, a refill period. */
  idempotencyKey: v.optional(v.string()),
  updatedAt: v.number(),
};

export const noteFields = {
  userId: v.id("users"),
  title: v.string(),
  body: v.string(),
  updatedAt: v.number(),
};

/**
 * The app's own tables. Every one has `updatedAt`, kept by the database wrapper
 * in `lib/db.ts` (never by handlers), and is closed to users until `lib/rules.ts`
 * gives it a rule.
 */
export const appTables = {
  profiles: defineTable(profileFields).index("by_userId", ["userId"]),
  subscriptions: defineTable(subscriptionFields)
    .index("by_userId", ["userId"])
    .index("by_stripeCustomerId", ["stripeCustomerId"])
    .index("by_stripeSubscriptionId", ["stripeSubscriptionId"]),
  stripeCustomers: defineTable(stripeCustomerFields)
    .index("by_userId", ["userId"])
    .index("by_stripeCustomerId", ["stripeCustomerId"]),
  stripeEvents: defineTable(stripeEventFields)
    .index("by_eventId", ["eventId"])
    // Listing by status reads newest first through the index's _creationTime.
    .index("by_status", ["status"]),
  credits: defineTable(creditFields)
    .index("by_userId", ["userId"])
    .index("by_nextRefillAt", ["nextRefillAt"]),
  // Append-only; `_creationTime` orders a user's entries in time.
  creditLedger: defineTable(ledgerEntryFields)
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes -- history is read newest first by time
    .index("by_userId", ["userId"])
    .index("by_userId_and_idempotencyKey", ["userId", "idempotencyKey"]),
  // One row per reservation, kept after it ends so a late commit is a CONFLICT, not a NOT_FOUND.
  creditReservations: defineTable(creditReservationFields).index("by_userId", ["userId"]),
  // The worked example of a user-owned table (README: "Adding a table").
  notes: defineTable(noteFields).index("by_userId", ["userId"]),
};

/** A table's fields plus Convex's system fields: the validator for returning its rows. */
const docOf = <T extends string, F extends Record<string, Validator<any, any, any>>>(
  table: T,
  fields: F,
) => v.object({ _id: v.id(table), _creationTime: v.number(), ...fields });

export const profileDoc = docOf("profiles", profileFields);
export const subscriptionDoc = docOf("subscriptions", subscriptionFields);
export const creditsDoc = docOf("credits", creditFields);
/** An inbox row without its payload (for listings). */
export const stripeEventSummary = docOf("stripeEvents", omit(stripeEventFields, ["payload"]));
export const ledgerEntryDoc = docOf("creditLedger", ledgerEntryFields);
export const creditReservationDoc = docOf("creditReservations", creditReservationFields);
export const noteDoc = docOf("notes", noteFields);

export type AppTableName = keyof typeof appTables;
export const APP_TABLE_NAMES = Object.keys(appTables) as AppTableName[];

export default defineSchema({
  ...authTables,
  // State of data migrations (convex-helpers), see convex/migrations.ts.
  migrations: migrationsTable,
  ...appTables,
});
