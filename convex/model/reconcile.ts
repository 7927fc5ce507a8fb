// Reconciliation: subscriptions as Stripe lists them, applied through the same
// path the webhook takes (syncSubscription), so every rule holds: ordering,
// canceled final, identity. Only what differs from the stored row is applied,
// and each change is recorded in the webhook inbox.
import type { Id } from "../_generated/dataModel";
import type { ReadCtx, WriteCtx } from "../lib/db";
import type { ReconcileItem, ReconcilePage } from "../lib/validators";
import { isDeletedCustomer } from "./accountDeletion";
import { linkCustomer, linkForCustomer } from "./customers";
import { recordReconciled, RECONCILE_EVENT_PREFIX } from "./stripeInbox";
import { scrubbedPayload } from "./stripeScrub";
import { subscriptionFacts, type SubscriptionFacts } from "./stripeObjects";
import * as Stats from "./stats";
import { syncSubscription } from "./subscriptionSync";
import * as Subscriptions from "./subscriptions";
import { userExists, userWithVerifiedEmail } from "./users";

/**
 * The place of a subscription listed at `fetchedAt` (ms) in event order. It is
 * newer than any event of an earlier second and older than any event of the
 * request's own second or later: Stripe's `created` has whole seconds, so an
 * event from the same second may describe a change made after the listing,
 * and the tie goes to the event.
 */
export function listedAt(fetchedAt: number): number {
  return Math.floor(fetchedAt / 1000) * 1000 - 999;
}

// The stored fields a listing can change (userId and lastEventAt are ours).
const COMPARED = [
  "stripeCustomerId",
  "planId",
  "priceId",
  "priceLookupKey",
  "interval",
  "status",
  "currentPeriodStart",
  "currentPeriodEnd",
  "cancelAtPeriodEnd",
  "cancelAt",
  "trialEnd",
] as const;

/** Where the stored row differs from Stripe's, as "field old → new" (a price not in the catalogue is stored as free). */
function differences(row: Subscriptions.Subscription, facts: SubscriptionFacts): string[] {
  const listed = { ...facts, planId: facts.planId ?? "free" };
  return COMPARED.filter((field) => row[field] !== listed[field]).map(
    (field) => `${field} ${String(row[field])} → ${String(listed[field])}`,
  );
}

/**
 * The user a Stripe customer with no link may be given to: the one its
 * `metadata.userId` names, else the one user with its e-mail, verified.
 */
async function adoptableUser(ctx: ReadCtx, item: ReconcileItem): Promise<{ userId: Id<"users"> } | { reason: string }> {
  if (item.customerUserId !== null) {
    const userId = ctx.db.normalizeId("users", item.customerUserId);
    if (userId !== null && (await userExists(ctx, userId))) return { userId };
    return { reason: `customer metadata.userId ${item.customerUserId} names no user` };
  }
  if (item.customerEmail === null) return { reason: "the customer has no metadata.userId and no e-mail" };
  return await userWithVerifiedEmail(ctx, item.customerEmail);
}

/**
 * Links the subscription's customer to a user when that is safe (see
 * `adoptableUser`) and the subscription's own `metadata.userId`, which our
 * checkout sets, does not name someone else. Returns how, or why not.
 */
async function adopt(ctx: WriteCtx, facts: SubscriptionFacts, item: ReconcileItem) {
  if ((await linkForCustomer(ctx, facts.stripeCustomerId)) !== null) return { linked: null, reason: null };
  const found = await adoptableUser(ctx, item);
  if ("reason" in found) return { linked: null, reason: found.reason };
  if (facts.metadataUserId !== null && facts.metadataUserId !== found.userId) {
    return { linked: null, reason: `the subscription's metadata.userId names another user than the customer's` };
  }
  const result = await linkCustomer(ctx, found.userId, facts.stripeCustomerId);
  if (result === "conflict") return { linked: null, reason: `user ${found.userId} already has another customer` };
  const how = item.customerUserId !== null ? "metadata.userId" : "verified e-mail";
  return { linked: `customer linked to user ${found.userId} by ${how}`, reason: null };
}

/**
 * Applies one page of listed subscriptions at `at` (see `listedAt`). A row
 * that already says what Stripe says is not written; a new row's allowance
 * takes effect from its next paid refill (no back-payment). Each change, and
 * each subscription no user could be found for, is recorded in the inbox.
 */
export async function reconcilePage(
  ctx: WriteCtx,
  items: readonly ReconcileItem[],
  at: number,
  now: number,
): Promise<ReconcilePage> {
  // A page changes many users' plans: their stats are written once, not per subscription.
  return await Stats.batched(ctx, () => applyPage(ctx, items, at, now));
}

async function applyPage(ctx: WriteCtx, items: readonly ReconcileItem[], at: number, now: number) {
  const page: ReconcilePage = { checked: 0, changed: 0, unmatched: [] };
  for (const item of items) {
    const facts = subscriptionFacts(JSON.parse(item.subscription) as Record<string, unknown>);
    page.checked++;
    const row = await Subscriptions.byStripeId(ctx, facts.stripeSubscriptionId);
    const changes = row === null ? ["stored (no webhook had announced it)"] : differences(row, facts);
    if (changes.length === 0) continue;
    if (row === null && (await isDeletedCustomer(ctx, facts.stripeCustomerId))) {
      await deletedCustomerSubscription(ctx, page, facts, item, at, now);
      continue;
    }
    const adopted = row === null ? await adopt(ctx, facts, item) : { linked: null, reason: null };
    const id = `${RECONCILE_EVENT_PREFIX}${facts.stripeSubscriptionId}`;
    // Stripe keeps a subscription active only while its invoices are paid: an
    // adopted active one is paid through its current period (a yearly plan's
    // monthly refills then keep its allowance), without paying out its past.
    const paidThrough = row === null && facts.status === "active" ? facts.currentPeriodEnd : undefined;
    const followPlan = row === null ? "from_next_refill" : true;
    const synced = await syncSubscription(ctx, facts, at, `${id}:${at}`, followPlan, paidThrough);
    const { status, note, userId } = synced.outcome;
    const { stripeCustomerId, stripeSubscriptionId } = facts;
    const record = { at, now, stripeCustomerId, stripeSubscriptionId, subscription: item.subscription };
    if (status === "unmatched") {
      const reason = [note, adopted.reason].filter((s) => s !== null).join(": ");
      page.unmatched.push({
        stripeCustomerId: facts.stripeCustomerId,
        stripeSubscriptionId: facts.stripeSubscriptionId,
        reason,
      });
      // One row per unmatched subscription, however many runs find it.
      await recordReconciled(ctx, { ...record, eventId: `${id}:unmatched`, status, note: reason, userId: null });
      continue;
    }
    // Older than the stored state, or canceled (final): the stored row stands.
    if (status === "ignored" && adopted.linked === null) continue;
    page.changed++;
    const noted = [adopted.linked, `reconciled: ${changes.join(", ")}`, note].filter((s) => s !== null).join("; ");
    await recordReconciled(ctx, { ...record, eventId: `${id}:${at}`, status, note: noted, userId: userId ?? null });
  }
  return page;
}

/**
 * A subscription of a deleted account's customer (Stripe keeps them, with
 * the old `metadata.userId` and e-mail): never adopted or stored, so nothing
 * of the account comes back, not even for a new account with the same
 * e-mail. An ended one is history; one still live (its cancellation failed,
 * or it was made in Stripe's dashboard) bills someone with no account, so it
 * is flagged for a person, without what named them.
 */
async function deletedCustomerSubscription(
  ctx: WriteCtx,
  page: ReconcilePage,
  facts: SubscriptionFacts,
  item: ReconcileItem,
  at: number,
  now: number,
) {
  if (Subscriptions.hasEnded(facts.status)) return;
  const { stripeCustomerId, stripeSubscriptionId } = facts;
  const reason = `The customer's account was deleted, but the subscription is ${facts.status} at Stripe: cancel it`;
  page.unmatched.push({ stripeCustomerId, stripeSubscriptionId, reason });
  const names = [facts.metadataUserId, item.customerUserId, item.customerEmail].filter((n) => n !== null);
  await recordReconciled(ctx, {
    eventId: `${RECONCILE_EVENT_PREFIX}${stripeSubscriptionId}:unmatched`,
    at,
    now,
    status: "unmatched",
    note: reason,
    userId: null,
    stripeCustomerId,
    stripeSubscriptionId,
    subscription: scrubbedPayload(item.subscription, names),
  });
}
