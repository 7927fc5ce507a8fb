// What registered functions return: documents with their system fields, and
// each function's result (re-exported by lib/validators.ts: import that, as
// `* as V`).
import { omit } from "convex-helpers";
import { v, type Infer, type Validator } from "convex/values";
import {
  adminAuditFields,
  ledgerEntryFields,
  literals,
  noteFields,
  planId,
  profileFields,
  stripeEventFields,
  stripeEventStatus,
  subscriptionFields,
  subscriptionStatus,
} from "./fields";

// --- documents, as functions return them ---

/** A table's fields plus Convex's system fields. */
const docOf = <T extends string, F extends Record<string, Validator<any, any, any>>>(table: T, fields: F) =>
  v.object({ _id: v.id(table), _creationTime: v.number(), ...fields });

export const profileDoc = docOf("profiles", profileFields);
export const subscriptionDoc = docOf("subscriptions", subscriptionFields);
export const ledgerEntryDoc = docOf("creditLedger", ledgerEntryFields);
export const noteDoc = docOf("notes", noteFields);
export const adminAuditDoc = docOf("adminAudit", adminAuditFields);
/** An inbox row without its payload (for listings). */
export const stripeEventSummary = docOf("stripeEvents", omit(stripeEventFields, ["payload"]));

// --- function results ---

/** What a client sees of its credits account. */
export const creditSummary = v.object({
  balance: v.number(),
  monthlyAllowance: v.number(),
  lastRefillAt: v.number(),
  nextRefillAt: v.number(),
});
export type CreditSummary = Infer<typeof creditSummary>;

/** The counts `admin:stats` returns. */
export const stats = v.object({
  users: v.number(),
  byPlan: v.object({ free: v.number(), pro: v.number(), business: v.number() }),
  /** Active or trialing. */
  activeSubscriptions: v.number(),
});
export type Stats = Infer<typeof stats>;

/** One user as `admin:listUsers` lists them. */
export const adminUserRow = v.object({
  userId: v.id("users"),
  email: v.string(),
  fullName: v.union(v.string(), v.null()),
  planId,
  /** The status of the subscription that decides the plan, or "none". */
  status: v.union(subscriptionStatus, v.literal("none")),
  balance: v.number(),
  createdAt: v.number(),
});

/** Everything `admin:getUser` shows about one user. */
export const adminUserDetail = v.object({
  profile: profileDoc,
  credits: v.union(creditSummary, v.null()),
  subscriptions: v.array(subscriptionDoc),
  ledger: v.array(ledgerEntryDoc),
  events: v.array(stripeEventSummary),
});

/** The balance after a change. */
export const creditBalance = v.object({ balance: v.number() });

export const reservation = v.object({ reservationId: v.id("creditReservations"), balance: v.number() });

/** How a reservation ended: what was charged, what came back to the balance. */
export const reservationOutcome = v.object({ balance: v.number(), charged: v.number(), returned: v.number() });

/** One sweep transaction: accounts refilled, and whether a full batch left more for the next. */
export const sweepResult = v.object({ refilled: v.number(), more: v.boolean() });

/** A page to send the user to (Stripe Checkout, the customer portal). */
export const redirect = v.object({ url: v.string() });

/** What the billing actions need to know about a user. */
export const billingState = v.object({
  stripeCustomerId: v.union(v.string(), v.null()),
  email: v.union(v.string(), v.null()),
  /** Has a paid subscription that still entitles them (a second checkout would double-bill). */
  subscribed: v.boolean(),
  /** The checkout session opened for them in the last 24 hours and not known to be finished, if any. */
  openCheckout: v.union(v.object({ stripeSessionId: v.string(), url: v.string(), lookupKey: v.string() }), v.null()),
  /** A checkout was paid in the last 24 hours and its subscription has not arrived yet. */
  checkoutPending: v.boolean(),
});
export type BillingState = Infer<typeof billingState>;

/** Recording a Stripe customer for a user: a customer linked to one user never moves to another. */
export const linkResult = literals(["linked", "already_linked", "conflict"]);
export type LinkResult = Infer<typeof linkResult>;

/** What the inbox mutation did with one delivery. */
export const ingestResult = v.union(
  v.object({ kind: v.literal("duplicate"), status: stripeEventStatus }),
  v.object({
    kind: v.literal("recorded"),
    status: stripeEventStatus,
    note: v.union(v.string(), v.null()),
    /** A live subscription of a deleted account's customer: the caller schedules its cancellation at Stripe. */
    cancel: v.optional(v.object({ deletionId: v.id("deletedAccounts"), stripeSubscriptionId: v.string() })),
  }),
  /** invoice.paid for a subscription never seen: the action fetches it from Stripe and calls again. */
  v.object({ kind: v.literal("needs_subscription"), stripeSubscriptionId: v.string() }),
  /** Not a snapshot event (not JSON, no data.object, a thin event): recorded as failed, never applicable. */
  v.object({ kind: v.literal("rejected"), error: v.string() }),
);
export type IngestResult = Infer<typeof ingestResult>;

/** What the webhook (or a replay) answers for one event. */
export const delivery = v.object({
  ok: v.boolean(),
  status: stripeEventStatus,
  /** True when the event was already recorded and nothing was done. */
  duplicate: v.boolean(),
  /** True when the body is not a snapshot event: recorded as failed, answered 400 (retrying cannot fix it). */
  rejected: v.boolean(),
  note: v.union(v.string(), v.null()),
});
export type Delivery = Infer<typeof delivery>;

// --- Stripe operations: the doctor and reconciliation (billing:doctor, billing:reconcile) ---

/** One finding of the doctor: what was checked, whether it holds, and what to fix when not. */
export const doctorCheck = v.object({ name: v.string(), ok: v.boolean(), detail: v.string() });
export type DoctorCheck = Infer<typeof doctorCheck>;

export const doctorReport = v.object({ ok: v.boolean(), checks: v.array(doctorCheck) });
export type DoctorReport = Infer<typeof doctorReport>;

/** Webhook inbox counts, each read up to a cap (a count above it means "cap+"), and the last webhook event processed. */
export const inboxHealth = v.object({
  failed: v.number(),
  unmatched: v.number(),
  needsAttention: v.number(),
  cap: v.number(),
  lastProcessedAt: v.union(v.number(), v.null()),
});
export type InboxHealth = Infer<typeof inboxHealth>;

/** A subscription from Stripe's list, as the reconcile mutation takes it: the object (JSON) and its expanded customer. */
export const reconcileItem = v.object({
  subscription: v.string(),
  customerEmail: v.union(v.string(), v.null()),
  customerUserId: v.union(v.string(), v.null()),
});
export type ReconcileItem = Infer<typeof reconcileItem>;

/** A subscription reconciliation could not give to a user, for a person to link (`billing:linkCustomer`). */
export const unmatchedSubscription = v.object({
  stripeCustomerId: v.string(),
  stripeSubscriptionId: v.string(),
  reason: v.string(),
});

/** What one page of reconciliation did. */
export const reconcilePage = v.object({
  checked: v.number(),
  changed: v.number(),
  unmatched: v.array(unmatchedSubscription),
});
export type ReconcilePage = Infer<typeof reconcilePage>;

/** A whole run's counts so far, carried from page to page. */
export const reconcileTotals = v.object({ checked: v.number(), changed: v.number(), unmatched: v.number() });
export type ReconcileTotals = Infer<typeof reconcileTotals>;

/** One reconcile call: its page, the run's totals including it, and the cursor of the page scheduled next (null: done). */
export const reconcileResult = v.object({
  ...reconcilePage.fields,
  totals: reconcileTotals,
  nextCursor: v.union(v.string(), v.null()),
});
export type ReconcileResult = Infer<typeof reconcileResult>;

/** One batch of a retention job: how many rows it deleted or reduced, and whether it scheduled the next. */
export const retentionBatch = v.object({ done: v.number(), more: v.boolean() });

// --- account deletion ---

/** What one deletion transaction did: rows removed or scrubbed, and whether a next batch was scheduled. */
export const deletionBatch = v.object({ deleted: v.number(), more: v.boolean() });
export type DeletionBatch = Infer<typeof deletionBatch>;
