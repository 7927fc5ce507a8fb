// The owner of the `subscriptions` table: every read and write of it, and the
// named status rules (shared with clients from src/subscriptions.ts).
import type { Doc, Id } from "../_generated/dataModel";
import type { ReadCtx, WriteCtx, WriteValue } from "../lib/db";
import { entitledCredits, hasEnded, isEntitled, isInGoodStanding } from "../../src/subscriptions";

export {
  entitledCredits,
  entitledPlanId,
  hasEnded,
  isEntitled,
  isInGoodStanding,
  isRecoveredByPayment,
} from "../../src/subscriptions";

export type Subscription = Doc<"subscriptions">;

// A user has a handful of subscriptions at most (one live, a few ended); the
// cap keeps the read bounded even so.
const MAX_PER_USER = 50;

/** The row for a Stripe subscription id, or null. */
export async function byStripeId(ctx: ReadCtx, stripeSubscriptionId: string) {
  return await ctx.db
    .query("subscriptions")
    .withIndex("by_stripeSubscriptionId", (q) => q.eq("stripeSubscriptionId", stripeSubscriptionId))
    .unique();
}

/** The user's subscriptions, newest first (at most 50). */
export async function listForUser(ctx: ReadCtx, userId: Id<"users">) {
  return await ctx.db
    .query("subscriptions")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .order("desc")
    .take(MAX_PER_USER);
}

// Entitled subscriptions rank by the credits their plan grants, then good
// standing (active, trialing) above past_due.
const rank = (sub: Subscription) => entitledCredits(sub) * 2 + (isInGoodStanding(sub.status) ? 1 : 0);

/**
 * The subscription that decides the user's plan: the best entitled one (the
 * newest among equals), whichever subscription an event was about; with none
 * entitled, the most recent; with none at all, null.
 */
export function pickCurrent(newestFirst: readonly Subscription[]): Subscription | null {
  let best: Subscription | null = null;
  for (const sub of newestFirst) {
    if (isEntitled(sub.status) && (best === null || rank(sub) > rank(best))) best = sub;
  }
  return best ?? newestFirst[0] ?? null;
}

/**
 * How far the user's subscriptions say they have paid: the end of the current
 * period of one in good standing, or the start of a `past_due` one's (its
 * renewal is unpaid). 0 with no live paid subscription. For rows stored before
 * `credits.paidThrough` existed; invoices keep it from then on.
 */
export function paidThroughOf(subs: readonly Subscription[]): number {
  return Math.max(
    0,
    ...livePaid(subs).map((s) => (isInGoodStanding(s.status) ? s.currentPeriodEnd : s.currentPeriodStart)),
  );
}

/**
 * How far the account counts as paid: as far as its best entitled
 * subscription's invoices paid (0 with none, or when that one has paid
 * nothing yet, even if another subscription has: its upgrade is not paid
 * for). Rows stored before subscriptions carried `paidThrough` keep the
 * account's own value (`legacy`).
 */
export function accountPaidThrough(subs: readonly Subscription[], legacy: number | undefined): number {
  const best = pickCurrent(subs);
  if (best === null || !isEntitled(best.status)) return 0;
  if (best.paidThrough !== undefined) return best.paidThrough;
  return subs.some((sub) => sub.paidThrough !== undefined) ? 0 : (legacy ?? 0);
}

/** The user's subscriptions that are paid for and still entitle them (more than one is a double charge). */
export function livePaid(subs: readonly Subscription[]): Subscription[] {
  return subs.filter((sub) => sub.planId !== "free" && isEntitled(sub.status));
}

/** The user's current subscription (see `pickCurrent`). */
export async function currentSubscription(ctx: ReadCtx, userId: Id<"users">) {
  return pickCurrent(await listForUser(ctx, userId));
}

/**
 * Stores `fields` as the subscription: inserts when `row` is null, patches
 * only when something changed. Returns the row as stored, without reading it
 * back (Convex fixes `Date.now()` for the whole mutation, so the time the
 * wrapper stamped is `Date.now()` here too).
 */
export async function save(ctx: WriteCtx, row: Subscription | null, fields: WriteValue<"subscriptions">) {
  if (row === null) {
    const id = await ctx.db.insert("subscriptions", fields);
    return { ...fields, _id: id, _creationTime: Date.now(), updatedAt: Date.now() } as Subscription;
  }
  const changed = (Object.keys(fields) as (keyof typeof fields)[]).some((k) => row[k] !== fields[k]);
  return changed ? await ctx.db.update("subscriptions", row, fields) : row;
}

/** Records an invoice paid through `paidThrough` and, when it recovered the subscription, its return to active at `recoveredAt`. One patch, or none. */
export async function markPaid(ctx: WriteCtx, row: Subscription, paid: { paidThrough?: number; recoveredAt?: number }) {
  const fields = {
    ...(paid.paidThrough === undefined || paid.paidThrough === row.paidThrough
      ? {}
      : { paidThrough: paid.paidThrough }),
    ...(paid.recoveredAt === undefined ? {} : { status: "active" as const, lastEventAt: paid.recoveredAt }),
  };
  return Object.keys(fields).length === 0 ? row : await ctx.db.update("subscriptions", row, fields);
}

/** Sets the status as of a Stripe event at `at` (ms). */
export async function setStatus(ctx: WriteCtx, row: Subscription, status: Subscription["status"], at: number) {
  return await ctx.db.update("subscriptions", row, { status, lastEventAt: at });
}

/**
 * Deletes up to `limit` of the user's subscription rows (account deletion).
 * Returns how many, and the Stripe ids of those that have not ended: Stripe
 * would still bill them (past_due and unpaid ones retry the card), so the
 * caller cancels each through Stripe's API.
 */
export async function deleteSubscriptions(ctx: WriteCtx, userId: Id<"users">, limit: number) {
  const rows = await ctx.db
    .query("subscriptions")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .take(limit);
  for (const row of rows) await ctx.db.delete("subscriptions", row._id);
  const live = rows.filter((row) => !hasEnded(row.status)).map((row) => row.stripeSubscriptionId);
  return { deleted: rows.length, live };
}
