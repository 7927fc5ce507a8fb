// The closed sets and the table fields that schema.ts defines tables with
// (re-exported by lib/validators.ts: import that, as `* as V`).
import { v, type Infer } from "convex/values";
import { BILLING_INTERVALS, PLAN_IDS } from "../../src/plans";
import { PRICE_INTERVALS, SUBSCRIPTION_STATUSES } from "../../src/subscriptions";

export const literals = <T extends string>(values: readonly T[]) => v.union(...values.map((value) => v.literal(value)));

// --- closed sets ---

export const planId = literals(PLAN_IDS);
export const billingInterval = literals(BILLING_INTERVALS);
export const subscriptionStatus = literals(SUBSCRIPTION_STATUSES);
export const priceInterval = literals(PRICE_INTERVALS);

/** Every kind of change to a credit balance; one ledger entry each. */
export const ledgerKind = literals([
  "signup",
  "refill",
  "consume",
  "reserve",
  "release",
  "upgrade",
  "adjust",
  "refund",
]);
export type LedgerKind = Infer<typeof ledgerKind>;

/** A reservation's life: held until committed, released by its owner, or expired by its timer. */
export const reservationStatus = literals(["held", "committed", "released", "expired"]);
export type ReservationStatus = Infer<typeof reservationStatus>;

/** What happened to a Stripe event in the webhook inbox. */
export const stripeEventStatus = literals([
  "processed", // applied
  "ignored", // nothing to do: unhandled type, older than the stored state, not a renewal...
  "unmatched", // no user for its customer or subscription: kept for reconciliation
  "needs_attention", // applied as far as safe (unknown price, refund): a person should look
  "failed", // processing threw; rolled back; Stripe delivers it again
]);
export type StripeEventStatus = Infer<typeof stripeEventStatus>;

// --- table fields ---

export const profileFields = {
  userId: v.id("users"),
  email: v.string(),
  fullName: v.optional(v.string()),
  avatarUrl: v.optional(v.string()),
  updatedAt: v.number(),
};

export const subscriptionFields = {
  userId: v.id("users"),
  stripeCustomerId: v.string(),
  stripeSubscriptionId: v.string(),
  /** From the price's lookup key; "free" when the price is not in the catalogue. */
  planId,
  priceId: v.string(),
  priceLookupKey: v.union(v.string(), v.null()),
  interval: priceInterval,
  status: subscriptionStatus,
  currentPeriodStart: v.number(),
  currentPeriodEnd: v.number(),
  cancelAtPeriodEnd: v.boolean(),
  cancelAt: v.union(v.number(), v.null()),
  trialEnd: v.union(v.number(), v.null()),
  /** `created` (ms) of the last Stripe event applied to this row: older events change nothing. */
  lastEventAt: v.number(),
  /** The end of the latest period a paid invoice of this subscription paid for (ms); absent: none seen yet. */
  paidThrough: v.optional(v.number()),
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
  /** The event id; `body-sha256:<hex>` for a signed body without one (recorded as failed). */
  eventId: v.string(),
  /** The event type; "unknown" for a signed body without one. */
  type: v.string(),
  status: stripeEventStatus,
  /** Processing attempts, failed ones included (a failure is recorded after its rollback). */
  attempts: v.number(),
  lastError: v.union(v.string(), v.null()),
  /** First delivery. */
  receivedAt: v.number(),
  processedAt: v.union(v.number(), v.null()),
  /** The event's own `created`, in ms; null for a signed body without one. */
  eventCreatedAt: v.union(v.number(), v.null()),
  /** The event's object (`data.object.id`), kept even when the payload is too large to keep. Absent on older rows. */
  objectId: v.optional(v.union(v.string(), v.null())),
  stripeCustomerId: v.union(v.string(), v.null()),
  userId: v.union(v.id("users"), v.null()),
  /** Why it was ignored, unmatched or needs attention. */
  note: v.union(v.string(), v.null()),
  /** The verified body as received, so the event can be replayed; "" when too large to keep (model/stripeInbox.ts). */
  payload: v.string(),
  /** When retention emptied `payload` (RETENTION.stripePayloads after processing); absent while it is kept. */
  payloadReducedAt: v.optional(v.number()),
  updatedAt: v.number(),
};

export const creditFields = {
  userId: v.id("users"),
  /** Integer, never negative; always the sum of the user's ledger deltas. */
  balance: v.number(),
  monthlyAllowance: v.number(),
  /** When the balance was last refilled (or the account opened). */
  lastRefillAt: v.number(),
  /** Monthly refills fall on this date's day of month (clamped to short months). */
  refillAnchorAt: v.number(),
  /** When the refill sweep next refills this account; indexed so the sweep reads only due rows. */
  nextRefillAt: v.number(),
  /** How many refills this account has had: the number of its current period. */
  refillCount: v.number(),
  /**
   * The highest allowance granted for in the current period (set by each
   * refill, raised by upgrades): an upgrade adds only what lies above it, so
   * switching plans back and forth grants nothing new. Absent on older rows:
   * `monthlyAllowance` stands in.
   */
  peakAllowance: v.optional(v.number()),
  /** The end of the latest paid period (ms): the sweep grants a paid allowance only before it. Absent: nothing paid. */
  paidThrough: v.optional(v.number()),
  updatedAt: v.number(),
};

export const creditReservationFields = {
  userId: v.id("users"),
  /** Credits taken from the balance when the reservation was made. */
  amount: v.number(),
  status: reservationStatus,
  /** When the scheduled expiry releases it if still held. */
  expiresAt: v.number(),
  /** The account's `refillCount` when it was made: the period its credits came from. */
  refillCountAtReserve: v.number(),
  /** Credits finally charged (set on commit). */
  charged: v.optional(v.number()),
  /** The scheduled expiry, cancelled by commit and release. Absent on rows made before it was recorded. */
  expiryJobId: v.optional(v.id("_scheduled_functions")),
  updatedAt: v.number(),
};

export const ledgerEntryFields = {
  userId: v.id("users"),
  delta: v.number(),
  balanceAfter: v.number(),
  kind: ledgerKind,
  reason: v.optional(v.string()),
  /** Makes the change happen once: an invoice id, a client key, a refill period. */
  idempotencyKey: v.optional(v.string()),
  /** Who made an operator's change (`adjust`, `refund`): the admin's user id (hashed once their account is deleted), or "cli" for `npx convex run`. */
  actor: v.optional(v.string()),
  updatedAt: v.number(),
};

/** A Stripe Checkout session our checkout opened, so a user has at most one open at a time. */
export const checkoutSessionFields = {
  userId: v.id("users"),
  stripeSessionId: v.string(),
  url: v.string(),
  /** The price's lookup key: a second checkout for the same price reuses the open session. */
  lookupKey: v.string(),
  /** When Stripe expires it if unpaid (ms). */
  expiresAt: v.number(),
  status: literals(["open", "complete", "expired"]),
  updatedAt: v.number(),
};

export const noteFields = {
  userId: v.id("users"),
  title: v.string(),
  body: v.string(),
  updatedAt: v.number(),
};

/** A Stripe subscription that account deletion cancels: waiting for its action, cancelled, or given up on. */
export const cancellationStatus = literals(["pending", "canceled", "failed"]);

/**
 * The one remnant of a deleted account, for the books (README, "Account
 * deletion"). It names nobody: the user id only as a salted hash.
 */
export const deletedAccountFields = {
  /** `sha256:<hex>` of a server-side salt and the user id (model/accountDeletion.ts, `hashUserId`). */
  hashedUserId: v.string(),
  deletedAt: v.number(),
  /** When the last batch finished; null while batches still run. */
  completedAt: v.union(v.number(), v.null()),
  /** Credits the account held: its balance plus what its held reservations held (added as batches delete them). */
  finalBalance: v.number(),
  /** The user's Stripe customer, kept for the books (refunds, disputes): later webhooks for it are recorded unlinked. */
  stripeCustomerId: v.union(v.string(), v.null()),
  /** True once a live subscription was cancelled through Stripe's API. */
  subscriptionCanceled: v.boolean(),
  cancellations: v.array(
    v.object({
      stripeSubscriptionId: v.string(),
      status: cancellationStatus,
      attempts: v.number(),
      error: v.union(v.string(), v.null()),
    }),
  ),
  /** What the batches still need (whose rows, what named them, where they are); removed with the last batch. */
  pending: v.optional(
    v.object({
      userId: v.id("users"),
      /** The e-mails and names to scrub from stored Stripe events. */
      names: v.array(v.string()),
      customers: v.array(v.string()),
      step: v.number(),
      cursor: v.union(v.string(), v.null()),
    }),
  ),
  updatedAt: v.number(),
};

/** How many notes a user keeps: the notes quota reads this row, not the notes. */
export const noteCountFields = {
  userId: v.id("users"),
  count: v.number(),
  updatedAt: v.number(),
};

/** A user's role. No row means "user": only admins have one (model/admins.ts). */
export const role = literals(["user", "admin"]);
export type Role = Infer<typeof role>;

export const roleFields = {
  userId: v.id("users"),
  role,
  updatedAt: v.number(),
};

/** Who makes an admin change: an admin's user id, or "cli" (`npx convex run`). */
export const actor = v.union(v.id("users"), v.literal("cli"));

/** What an audit row keeps of a call's arguments: flat values, never secrets. */
export const auditArgs = v.record(v.string(), v.union(v.string(), v.number(), v.boolean(), v.null()));
export type AuditArgs = Infer<typeof auditArgs>;

/** One admin (or operator) change, for the books (model/audit.ts). */
export const adminAuditFields = {
  /** The admin's user id, or "cli" for `npx convex run`; a hashed id once that admin's account is deleted. */
  actor: v.string(),
  /** The function, e.g. "adjustCredits", "grantAdmin", "replayEvent". */
  action: v.string(),
  /** The user the change is about (a user id; a hashed id once that account is deleted), or null. */
  target: v.union(v.string(), v.null()),
  args: auditArgs,
  /** When it was done (ms). */
  at: v.number(),
  updatedAt: v.number(),
};

/** One shard of the sharded counters `admin:stats` sums (model/stats.ts). */
export const statsShardFields = {
  shard: v.number(),
  users: v.number(),
  free: v.number(),
  pro: v.number(),
  business: v.number(),
  /** Subscriptions that are active or trialing. */
  activeSubscriptions: v.number(),
  updatedAt: v.number(),
};
