// The owner of the `stripeCustomers` table: which Stripe customer is whose.
import type { Id } from "../_generated/dataModel";
import type { ReadCtx, WriteCtx } from "../lib/db";
import type { BillingState, LinkResult } from "../lib/validators";
import { getProfile } from "./profiles";
import { currentSubscription, isEntitled } from "./subscriptions";

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
 * Records that `stripeCustomerId` belongs to `userId`. Idempotent. A customer
 * already linked to another user is never moved ("conflict"): that would hand
 * one user's subscription to another.
 */
export async function linkCustomer(ctx: WriteCtx, userId: Id<"users">, stripeCustomerId: string): Promise<LinkResult> {
  const existing = await linkForCustomer(ctx, stripeCustomerId);
  if (existing !== null) return existing.userId === userId ? "already_linked" : "conflict";
  await ctx.db.insert("stripeCustomers", { userId, stripeCustomerId });
  return "linked";
}

/** What the billing actions need to know about a user before calling Stripe. */
export async function billingState(ctx: ReadCtx, userId: Id<"users">): Promise<BillingState> {
  const profile = await getProfile(ctx, userId);
  const sub = await currentSubscription(ctx, userId);
  return {
    stripeCustomerId: await customerForUser(ctx, userId),
    email: profile?.email || null,
    subscribed: sub !== null && sub.planId !== "free" && isEntitled(sub.status),
  };
}
