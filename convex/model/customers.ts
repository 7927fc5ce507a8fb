// The owner of the `stripeCustomers` table: which Stripe customer is whose.
import type { Id } from "../_generated/dataModel";
import type { ReadCtx, WriteCtx } from "../lib/db";
import type { BillingState, LinkResult } from "../lib/validators";
import { completedCheckoutAt, openCheckout } from "./checkouts";
import { getProfile } from "./profiles";
import { currentSubscription, hasEnded } from "./subscriptions";

/** The link for a Stripe customer id, or null. */
export async function linkForCustomer(ctx: ReadCtx, stripeCustomerId: string) {
  return await ctx.db
    .query("stripeCustomers")
    .withIndex("by_stripeCustomerId", (q) => q.eq("stripeCustomerId", stripeCustomerId))
    .unique();
}

/** The user's Stripe customer id (the newest link if several), or null. */
export async function customerForUser(ctx: ReadCtx, userId: Id<"users">) {
  const link = await ctx.db
    .query("stripeCustomers")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .order("desc")
    .first();
  return link?.stripeCustomerId ?? null;
}

/**
 * Records that `stripeCustomerId` belongs to `userId`. Idempotent. Neither
 * side is ever re-pointed ("conflict"): a customer linked to another user
 * would hand one user's subscription to another, and a user who already has
 * a customer would have their portal and next checkout open someone else's.
 */
export async function linkCustomer(ctx: WriteCtx, userId: Id<"users">, stripeCustomerId: string): Promise<LinkResult> {
  const existing = await linkForCustomer(ctx, stripeCustomerId);
  if (existing !== null) return existing.userId === userId ? "already_linked" : "conflict";
  if ((await customerForUser(ctx, userId)) !== null) return "conflict";
  await ctx.db.insert("stripeCustomers", { userId, stripeCustomerId });
  return "linked";
}

/** What the billing actions need to know about a user before calling Stripe (`now`: the action's clock). */
export async function billingState(ctx: ReadCtx, userId: Id<"users">, now: number): Promise<BillingState> {
  const profile = await getProfile(ctx, userId);
  const sub = await currentSubscription(ctx, userId);
  const completedAt = await completedCheckoutAt(ctx, userId, now);
  return {
    stripeCustomerId: await customerForUser(ctx, userId),
    email: profile?.email || null,
    // Any paid subscription Stripe still holds, entitled or not (unpaid, paused,
    // incomplete): its fix is in the portal, and a second checkout would make a
    // second subscription that bills once the first recovers.
    subscribed: sub !== null && sub.planId !== "free" && !hasEnded(sub.status),
    openCheckout: await openCheckout(ctx, userId, now),
    // Paid, and no subscription stored since: it is on its way.
    checkoutPending: completedAt !== null && (sub === null || sub._creationTime < completedAt),
  };
}

/** Every Stripe customer linked to the user (a handful at most; bounded), newest first. */
export async function customersOfUser(ctx: ReadCtx, userId: Id<"users">): Promise<string[]> {
  const links = await ctx.db
    .query("stripeCustomers")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .order("desc")
    .take(20);
  return links.map((link) => link.stripeCustomerId);
}

/** Deletes up to `limit` of the user's customer links (account deletion); returns how many. */
export async function deleteCustomerLinks(ctx: WriteCtx, userId: Id<"users">, limit: number): Promise<number> {
  const links = await ctx.db
    .query("stripeCustomers")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .take(limit);
  for (const link of links) await ctx.db.delete("stripeCustomers", link._id);
  return links.length;
}
