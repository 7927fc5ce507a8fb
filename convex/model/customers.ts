import type { Id } from "../_generated/dataModel";
import type { AppDbReader, AppDbWriter } from "../lib/db";

/** The link for a Stripe customer id, or null. */
export async function linkForCustomer(ctx: { db: AppDbReader }, stripeCustomerId: string) {
  return await ctx.db
    .query("stripeCustomers")
    .withIndex("by_stripeCustomerId", (q) => q.eq("stripeCustomerId", stripeCustomerId))
    .unique();
}

/** The user's Stripe customer id (the newest link if several), or null. */
export async function customerForUser(ctx: { db: AppDbReader }, userId: Id<"users">) {
  const link = await ctx.db
    .query("stripeCustomers")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .order("desc")
    .first();
  return link?.stripeCustomerId ?? null;
}

export type LinkResult = "linked" | "already_linked" | "conflict";

/**
 * Records that `stripeCustomerId` belongs to `userId`. Idempotent. A customer
 * already linked to another user is never moved ("conflict"): that would hand
 * one user's subscription to another.
 */
export async function linkCustomer(
  ctx: { db: AppDbWriter },
  userId: Id<"users">,
  stripeCustomerId: string,
): Promise<LinkResult> {
  const existing = await linkForCustomer(ctx, stripeCustomerId);
  if (existing !== null) return existing.userId === userId ? "already_linked" : "conflict";
  await ctx.db.insert("stripeCustomers", { userId, stripeCustomerId });
  return "linked";
}
