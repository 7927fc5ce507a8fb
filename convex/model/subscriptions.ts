// The owner of the `subscriptions` table: every read and write of it, and the
// named status rules (shared with clients from src/subscriptions.ts).
import type { Doc, Id } from "../_generated/dataModel";
import type { ReadCtx, WriteCtx, WriteValue } from "../lib/db";
import type { PlanId } from "../../src/plans";
import { entitledCredits, entitledPlanId, isEntitled, isInGoodStanding } from "../../src/subscriptions";
import * as Stats from "./stats";

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

/** The plan a user's subscriptions put them on: their current one's while it entitles them, else free. */
export function planOf(subs: readonly Subscription[]): PlanId {
  const current = pickCurrent(subs);
  return current === null ? "free" : entitledPlanId(current);
}

/**
 * Keeps the `admin:stats` counters in step with one subscription write (every
 * write of this table comes through here). Its active count moves with the
 * row alone; the user's plan can only move when the row's own entitled plan
 * does, and only then are the user's other subscriptions needed (`userSubs`
 * when the caller holds them, else read).
 */
async function count(
  ctx: WriteCtx,
  before: Subscription | null,
  after: Subscription,
  userSubs?: readonly Subscription[],
) {
  const good = (sub: Subscription | null) => (sub !== null && isInGoodStanding(sub.status) ? 1 : 0);
  const activeDelta = good(after) - good(before);
  const rowPlan = (sub: Subscription | null) => (sub === null ? "free" : entitledPlanId(sub));
  if (rowPlan(before) === rowPlan(after)) {
    await Stats.onSubscriptionChange(ctx, { planBefore: "free", planAfter: "free", activeDelta });
    return;
  }
  const others = (userSubs ?? (await listForUser(ctx, after.userId))).filter((sub) => sub._id !== after._id);
  await Stats.onSubscriptionChange(ctx, {
    planBefore: planOf(before === null ? others : [...others, before]),
    planAfter: planOf([...others, after]),
    activeDelta,
  });
}

/**
 * Stores `fields` as the subscription: inserts when `row` is null, patches
 * only when something changed. Returns the row as stored, without reading it
 * back (Convex fixes `Date.now()` for the whole mutation, so the time the
 * wrapper stamped is `Date.now()` here too). `userSubs`: the user's
 * subscriptions, when the caller holds them (saves a read for the stats).
 */
export async function save(
  ctx: WriteCtx,
  row: Subscription | null,
  fields: WriteValue<"subscriptions">,
  userSubs?: readonly Subscription[],
) {
  if (row === null) {
    const id = await ctx.db.insert("subscriptions", fields);
    const saved = { ...fields, _id: id, _creationTime: Date.now(), updatedAt: Date.now() } as Subscription;
    await count(ctx, null, saved, userSubs);
    return saved;
  }
  const changed = (Object.keys(fields) as (keyof typeof fields)[]).some((k) => row[k] !== fields[k]);
  if (!changed) return row;
  const saved = await ctx.db.update("subscriptions", row, fields);
  await count(ctx, row, saved, userSubs);
  return saved;
}

/** Records an invoice paid through `paidThrough` and, when it recovered the subscription, its return to active at `recoveredAt`. One patch, or none. */
export async function markPaid(
  ctx: WriteCtx,
  row: Subscription,
  paid: { paidThrough?: number; recoveredAt?: number },
  userSubs?: readonly Subscription[],
) {
  const fields = {
    ...(paid.paidThrough === undefined || paid.paidThrough === row.paidThrough
      ? {}
      : { paidThrough: paid.paidThrough }),
    ...(paid.recoveredAt === undefined ? {} : { status: "active" as const, lastEventAt: paid.recoveredAt }),
  };
  if (Object.keys(fields).length === 0) return row;
  const saved = await ctx.db.update("subscriptions", row, fields);
  await count(ctx, row, saved, userSubs);
  return saved;
}

/** Sets the status as of a Stripe event at `at` (ms). */
export async function setStatus(ctx: WriteCtx, row: Subscription, status: Subscription["status"], at: number) {
  const saved = await ctx.db.update("subscriptions", row, { status, lastEventAt: at });
  await count(ctx, row, saved);
  return saved;
}

/** What a user's subscriptions count for in the stats: their plan and how many are active or trialing (for account deletion). */
export function countedAs(subs: readonly Subscription[]): { planId: PlanId; active: number } {
  return { planId: planOf(subs), active: subs.filter((sub) => isInGoodStanding(sub.status)).length };
}
