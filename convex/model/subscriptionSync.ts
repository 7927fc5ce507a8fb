// Storing a Stripe subscription object: the one path every subscription event
// (and an invoice for a subscription not stored yet) takes.
import { omit } from "convex-helpers";
import type { ReadCtx, WriteCtx, WriteValue } from "../lib/db";
import { linkForCustomer } from "./customers";
import { allowanceOfAll, changeAllowance, setAllowanceFromNextRefill } from "./entitlements";
import { type Account, getAccount } from "./ledger";
import { handled, type Handled } from "./stripeOutcome";
import type { SubscriptionFacts } from "./stripeObjects";
import * as Subscriptions from "./subscriptions";

type Subscription = Subscriptions.Subscription;

/**
 * Finds the subscription's user and row, reading as little as possible: the
 * `metadata.userId` our checkout sets leads straight to the user's rows (the
 * row is among them); otherwise the stored row, then the customer link. A row
 * already stored keeps its user.
 */
async function locate(ctx: ReadCtx, facts: SubscriptionFacts) {
  let userId = facts.metadataUserId === null ? null : ctx.db.normalizeId("users", facts.metadataUserId);
  let subs: Subscription[] = userId === null ? [] : await Subscriptions.listForUser(ctx, userId);
  let row = subs.find((s) => s.stripeSubscriptionId === facts.stripeSubscriptionId) ?? null;
  if (row === null) {
    row = await Subscriptions.byStripeId(ctx, facts.stripeSubscriptionId);
    if (row !== null && row.userId !== userId) {
      userId = row.userId;
      subs = await Subscriptions.listForUser(ctx, userId);
    }
  }
  if (userId === null) {
    userId = (await linkForCustomer(ctx, facts.stripeCustomerId))?.userId ?? null;
    if (userId !== null) subs = await Subscriptions.listForUser(ctx, userId);
  }
  return { userId, row, subs };
}

/**
 * Upserts a subscription by its Stripe id from a subscription object (any of
 * created/updated/deleted: an `updated` that arrives before `created` still
 * creates the row). An event older than the last one applied to the row
 * changes nothing: Stripe does not deliver in order, and the stored state is
 * newer. Equal timestamps apply in arrival order. With `followPlan`, the
 * user's allowance then follows their best entitled subscription; with
 * "from_next_refill" it does too, but an upgrade grants nothing now (a
 * subscription adopted by reconciliation: its credits come with its next paid
 * refill, never as a back-payment).
 */
export async function syncSubscription(
  ctx: WriteCtx,
  facts: SubscriptionFacts,
  at: number,
  eventId: string,
  followPlan: boolean | "from_next_refill",
  /** How far a paid invoice that brought this subscription pays it (stored with it, saving a second write). */
  paidThrough?: number,
): Promise<{ outcome: Handled; row: Subscription | null; subs?: Subscription[]; account?: Account }> {
  const customer = facts.stripeCustomerId;
  const { userId, row, subs } = await locate(ctx, facts);
  if (userId === null) {
    return {
      outcome: handled("unmatched", `No user for customer ${customer}`, { stripeCustomerId: customer }),
      row: null,
    };
  }
  const who = { userId, stripeCustomerId: customer };
  // A new subscription whose metadata names one user while its customer is
  // linked to another is not ours to file: metadata can be set by whoever
  // builds a session, and storing it would put a stranger's subscription
  // (and its plan) on this user.
  if (row === null && facts.metadataUserId !== null) {
    const link = await linkForCustomer(ctx, customer);
    if (link !== null && link.userId !== userId) {
      const note = `Subscription ${facts.stripeSubscriptionId} names user ${userId} but customer ${customer} belongs to user ${link.userId}: not stored`;
      return { outcome: handled("needs_attention", note, who), row: null };
    }
  }
  // Stripe never reactivates a canceled subscription: whatever arrives after
  // (even a snapshot from the same second that says active) is history.
  if (row !== null && Subscriptions.hasEnded(row.status)) {
    return { outcome: handled("ignored", `Subscription is ${row.status}, which is final`, who), row };
  }
  if (row !== null && at < row.lastEventAt) {
    return { outcome: handled("ignored", "Older than the change already applied", who), row };
  }
  const account = await getAccount(ctx, userId);
  if (account === null) {
    return { outcome: handled("unmatched", `User ${userId} has no credits account`, who), row: null };
  }
  const planId = facts.planId;
  const fields: WriteValue<"subscriptions"> = {
    ...omit(facts, ["metadataUserId"]),
    userId,
    planId: planId ?? "free",
    lastEventAt: at,
    ...(paidThrough === undefined ? {} : { paidThrough: Math.max(paidThrough, row?.paidThrough ?? 0) }),
  };
  const saved = await Subscriptions.save(ctx, row, fields, subs);
  const all = [...subs.filter((s) => s._id !== saved._id), saved];
  const accountPaidThrough = Subscriptions.accountPaidThrough(all, account.paidThrough);
  if (followPlan === "from_next_refill") {
    await setAllowanceFromNextRefill(ctx, account, allowanceOfAll(all), accountPaidThrough);
  } else if (followPlan) {
    await changeAllowance(ctx, account, allowanceOfAll(all), `plan:${eventId}`, accountPaidThrough);
  }
  const problems: string[] = [];
  if (planId === null) {
    problems.push(
      `Price ${facts.priceId} (lookup key ${facts.priceLookupKey ?? "none"}) is not in the plan catalogue: free entitlements`,
    );
  }
  const live = Subscriptions.livePaid(all);
  if (live.length > 1) {
    const ids = live.map((s) => s.stripeSubscriptionId).join(", ");
    problems.push(`User has ${live.length} live paid subscriptions (${ids}): entitled to the best; refund the other`);
  }
  const outcome =
    problems.length > 0 ? handled("needs_attention", problems.join("; "), who) : handled("processed", null, who);
  // The user's subscriptions and account as they now stand, so a caller reads neither again.
  return { outcome, row: saved, subs: all, account };
}
