// The owner of the `checkoutSessions` table: the Checkout sessions our
// checkout opened. A user has at most one open at a time, so two sessions
// opened before either is paid cannot both be paid (README, Guarantees).
import type { Id } from "../_generated/dataModel";
import type { ReadCtx, WriteCtx } from "../lib/db";
import { MS } from "./time";

/** How long a session counts as open at most: Stripe expires unpaid sessions after 24 hours by default. */
export const CHECKOUT_WINDOW_MS = MS.DAY;

/** The user's newest session if it was opened in the last 24 hours and is open or complete at `now`, else null. */
async function recentCheckout(ctx: ReadCtx, userId: Id<"users">, now: number) {
  const newest = await ctx.db
    .query("checkoutSessions")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .order("desc")
    .first();
  if (newest === null || newest._creationTime <= now - CHECKOUT_WINDOW_MS) return null;
  if (newest.status === "open" && newest.expiresAt > now) return newest;
  return newest.status === "complete" ? newest : null;
}

/** The user's session that may still be open at `now` (opened in the last 24 hours, not finished), else null. */
export async function openCheckout(ctx: ReadCtx, userId: Id<"users">, now: number) {
  const recent = await recentCheckout(ctx, userId, now);
  return recent?.status === "open"
    ? { stripeSessionId: recent.stripeSessionId, url: recent.url, lookupKey: recent.lookupKey }
    : null;
}

/**
 * When the user's last session was paid in the last 24 hours, when that was
 * (its subscription may not have arrived yet: a second checkout then would
 * charge twice); else null.
 */
export async function completedCheckoutAt(ctx: ReadCtx, userId: Id<"users">, now: number) {
  const recent = await recentCheckout(ctx, userId, now);
  return recent?.status === "complete" ? recent._creationTime : null;
}

export type NewCheckout = {
  userId: Id<"users">;
  stripeSessionId: string;
  url: string;
  lookupKey: string;
  expiresAt: number;
};

/** Records a session our checkout opened. Idempotent per Stripe session id. */
export async function recordCheckout(ctx: WriteCtx, session: NewCheckout) {
  if ((await bySessionId(ctx, session.stripeSessionId)) !== null) return;
  await ctx.db.insert("checkoutSessions", { ...session, status: "open" });
}

/** Marks a session finished (`complete` by its webhook, `expired` by Stripe or when replaced). Unknown ids are ignored. */
export async function finishCheckout(ctx: WriteCtx, stripeSessionId: string, status: "complete" | "expired") {
  const row = await bySessionId(ctx, stripeSessionId);
  if (row !== null && row.status === "open") await ctx.db.update("checkoutSessions", row, { status });
}

async function bySessionId(ctx: ReadCtx, stripeSessionId: string) {
  return await ctx.db
    .query("checkoutSessions")
    .withIndex("by_stripeSessionId", (q) => q.eq("stripeSessionId", stripeSessionId))
    .unique();
}

/** Deletes up to `limit` of the user's Checkout sessions (account deletion); returns how many. */
export async function deleteCheckouts(ctx: WriteCtx, userId: Id<"users">, limit: number) {
  const rows = await ctx.db
    .query("checkoutSessions")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .take(limit);
  for (const row of rows) await ctx.db.delete("checkoutSessions", row._id);
  // Sessions Stripe would still take payment on: the caller closes them at Stripe.
  const open = rows.filter((row) => row.status === "open" && row.expiresAt > Date.now());
  return { deleted: rows.length, open: open.map((row) => row.stripeSessionId) };
}
