import type { Doc, Id } from "../_generated/dataModel";
import type { AppDbReader } from "../lib/db";
import type { SubscriptionStatus } from "../schema";

/** Statuses in which a subscription grants its plan's access. */
const GRANTING: readonly SubscriptionStatus[] = ["active", "trialing"];

// A user has a handful of subscriptions at most (one live, a few ended); the
// cap keeps the read bounded even so.
const MAX_PER_USER = 50;

/**
 * The subscription that decides the user's access: an active or trialing one
 * (the newest if several), else the most recent one, else null.
 */
export async function currentSubscription(
  ctx: { db: AppDbReader },
  userId: Id<"users">,
): Promise<Doc<"subscriptions"> | null> {
  const newestFirst = await ctx.db
    .query("subscriptions")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .order("desc")
    .take(MAX_PER_USER);
  return newestFirst.find((s) => GRANTING.includes(s.status)) ?? newestFirst[0] ?? null;
}
