import type { Id } from "../_generated/dataModel";
import type { AppDbReader, AppDbWriter, WriteValue } from "../lib/db";
import { FREE_PLAN } from "../../src/plans";

/** The user's credits row, or null. */
export async function getAccount(ctx: { db: AppDbReader }, userId: Id<"users">) {
  return await ctx.db
    .query("credits")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .unique();
}

/** Records one change of a balance. Every balance change goes through here. */
export async function appendLedger(
  ctx: { db: AppDbWriter },
  entry: WriteValue<"creditLedger">,
): Promise<Id<"creditLedger">> {
  return await ctx.db.insert("creditLedger", entry);
}

/**
 * Opens the user's credits account at the free plan's allowance, with its
 * `signup` ledger entry. Idempotent: an existing account is left unchanged.
 */
export async function openAccount(
  ctx: { db: AppDbWriter },
  userId: Id<"users">,
): Promise<void> {
  if ((await getAccount(ctx, userId)) !== null) return;
  const now = Date.now();
  const allowance = FREE_PLAN.monthlyCredits;
  await ctx.db.insert("credits", {
    userId,
    balance: allowance,
    monthlyAllowance: allowance,
    lastResetAt: now,
  });
  await appendLedger(ctx, {
    userId,
    delta: allowance,
    balanceAfter: allowance,
    kind: "signup",
    reason: "Free plan allowance",
    idempotencyKey: "signup",
  });
}
