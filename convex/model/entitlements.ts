// What a user's subscriptions entitle them to: features (requireFeature), and
// how a plan change moves the credits allowance. The status and feature rules
// are in src/ (shared with clients); balances only change through model/ledger.ts.
import type { Doc, Id } from "../_generated/dataModel";
import type { ReadCtx, WriteCtx } from "../lib/db";
import { fail } from "../lib/errors";
import { hasFeature, planOf } from "../../src/entitlements";
import { FREE_PLAN, PLANS, type Feature, type PlanId } from "../../src/plans";
import { entitledCredits } from "../../src/subscriptions";
import { type Account, changeBalance, entryWithKey, updateAccount } from "./ledger";
import { currentSubscription } from "./subscriptions";

/** The user's allowance: the best of their subscriptions, free with none. */
export function allowanceOfAll(subs: readonly Pick<Doc<"subscriptions">, "status" | "planId">[]): number {
  return Math.max(FREE_PLAN.monthlyCredits, ...subs.map(entitledCredits));
}

/**
 * Moves the account's allowance to `allowance` after a plan change. A
 * downgrade only lowers the allowance, which the next refill applies, so
 * nobody loses credits mid-period. An upgrade within a paid period adds the
 * difference at once, but only above the highest allowance already granted
 * for in this period (`peakAllowance`, reset by each refill): pro → business
 * → pro → business grants the difference once, so switching back and forth
 * creates nothing. Outside a paid period (a first subscription, a renewal not
 * paid) the allowance changes and the invoice's refill grants it: granting
 * here too would pay the first month twice. Once per `key` too, for replays.
 */
export async function changeAllowance(
  ctx: WriteCtx,
  account: Account,
  allowance: number,
  key: string,
  /** How far the subscription that now decides the plan is paid (`accountPaidThrough`); written with the change. */
  paidThrough: number = account.paidThrough ?? 0,
) {
  const moved = paidThrough !== (account.paidThrough ?? 0) ? { paidThrough } : {};
  const unchanged = allowance === account.monthlyAllowance;
  if (unchanged || allowance < account.monthlyAllowance) {
    if (unchanged && Object.keys(moved).length === 0) return account;
    return await updateAccount(ctx, account, { monthlyAllowance: allowance, ...moved });
  }
  const granted = Math.max(account.peakAllowance ?? account.monthlyAllowance, account.monthlyAllowance);
  const paidPeriod = Date.now() < paidThrough;
  if (allowance <= granted || !paidPeriod) {
    return await updateAccount(ctx, account, { monthlyAllowance: allowance, ...moved });
  }
  if ((await entryWithKey(ctx, account.userId, key)) !== null) return account;
  return await changeBalance(ctx, account, {
    delta: allowance - granted,
    kind: "upgrade",
    reason: "Plan upgrade",
    idempotencyKey: key,
    fields: { monthlyAllowance: allowance, peakAllowance: allowance, ...moved },
  });
}

/**
 * Sets the allowance the next refill grants, granting nothing now: for a
 * subscription reconciliation adopts, whose past is not paid out again.
 */
export async function setAllowanceFromNextRefill(
  ctx: WriteCtx,
  account: Account,
  allowance: number,
  paidThrough: number = account.paidThrough ?? 0,
) {
  if (allowance === account.monthlyAllowance && paidThrough === (account.paidThrough ?? 0)) return account;
  return await updateAccount(ctx, account, { monthlyAllowance: allowance, paidThrough });
}

/**
 * For app mutations behind a paid feature: the caller's plan when it unlocks
 * `feature`, else FORBIDDEN (with `feature` and `planId`). Same rules as the
 * client's `useEntitlements()` (src/entitlements.ts), over the same
 * subscription `getSubscription` returns.
 *
 *   handler: async (ctx, args) => { await requireFeature(ctx, "prioritySupport"); ... }
 */
export async function requireFeature(ctx: ReadCtx & { userId: Id<"users"> }, feature: Feature): Promise<PlanId> {
  const planId = planOf(await currentSubscription(ctx, ctx.userId));
  if (!hasFeature(planId, feature)) {
    fail("FORBIDDEN", `The ${PLANS[planId].name} plan does not include ${feature}: upgrade to use it`, {
      feature,
      planId,
    });
  }
  return planId;
}
