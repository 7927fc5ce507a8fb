// What a user's subscriptions entitle them to, and how Stripe's billing
// periods drive credit refills. The credits themselves only change through
// model/credits.ts (refill, setAllowance): this module decides the numbers.
import type { Doc } from "../_generated/dataModel";
import type { SubscriptionStatus } from "../schema";
import { FREE_PLAN, PLANS } from "../../src/plans";
import { addMonths, MS } from "./time";
import { findByKey, refill, setAllowance } from "./credits";
import type { AppDbWriter } from "../lib/db";

type Db = { db: AppDbWriter };

/**
 * Statuses that keep the plan's allowance. `past_due` does too: Stripe is
 * still retrying the payment, and cutting credits during its retries would
 * punish a card that is about to be updated. Every other status means free.
 */
export const ENTITLED: readonly SubscriptionStatus[] = ["active", "trialing", "past_due"];

/** Statuses after which a subscription never bills again. */
export const ENDED: readonly SubscriptionStatus[] = ["canceled", "incomplete_expired"];

/**
 * How long after a monthly plan's paid period ends the refill sweep may step
 * in. Renewal invoices are finalized about an hour after the period ends and
 * paid after that; until then the account waits for `invoice.paid` (which
 * refills and moves this date on), so the sweep never refills a paid month too.
 */
export const RENEWAL_GRACE_MS = 3 * MS.DAY;

/** The monthly credits one subscription entitles its user to. */
export function allowanceOf(sub: Pick<Doc<"subscriptions">, "status" | "planId">): number {
  return ENTITLED.includes(sub.status) ? PLANS[sub.planId].monthlyCredits : FREE_PLAN.monthlyCredits;
}

/** The user's allowance: the best of their subscriptions, free with none. */
export function allowanceOfAll(subs: readonly Pick<Doc<"subscriptions">, "status" | "planId">[]): number {
  return Math.max(FREE_PLAN.monthlyCredits, ...subs.map(allowanceOf));
}

/**
 * Moves the account's allowance to `allowance`. Up adds the difference now,
 * through the ledger, once per `key` (a first subscription is an upgrade from
 * free); down only lowers the allowance, which the next refill applies.
 */
export async function followAllowance(ctx: Db, account: Doc<"credits">, allowance: number, key: string) {
  const reason = allowance > account.monthlyAllowance ? "Plan upgrade" : "Plan change";
  return await setAllowance(ctx, account, allowance, { key, reason });
}

export type PaidPeriod = { start: number; end: number };

/**
 * When the sweep next refills after an invoice paid for `period`, and the
 * anchor its later monthly refills fall on. Monthly plans: just after the paid
 * period (the next invoice refills before then). Yearly plans: one month on,
 * anchored at the period start, so the sweep refills the other eleven months.
 */
export function scheduleAfterInvoice(interval: Doc<"subscriptions">["interval"], period: PaidPeriod) {
  const nextRefillAt =
    interval === "year" ? addMonths(period.start, 1) : period.end + RENEWAL_GRACE_MS;
  return { nextRefillAt, refillAnchorAt: period.start };
}

export type InvoiceRefill = {
  invoiceId: string;
  /** `subscription_create` or `subscription_cycle`. */
  billingReason: string;
  allowance: number;
  interval: Doc<"subscriptions">["interval"];
  period: PaidPeriod;
  now: number;
};

/**
 * Refills the account for a paid subscription invoice, once per invoice id.
 * A renewal for a period the sweep already refilled at this allowance (the
 * invoice came late, e.g. after retries) only moves the schedule: refilling
 * again would grant the same month twice. Returns what happened.
 */
export async function refillForInvoice(
  ctx: Db,
  account: Doc<"credits">,
  r: InvoiceRefill,
): Promise<"refilled" | "already_refilled" | "period_already_refilled"> {
  const key = `invoice:${r.invoiceId}`;
  if ((await findByKey(ctx, account.userId, key)) !== null) return "already_refilled";
  const schedule = scheduleAfterInvoice(r.interval, r.period);
  const coveredBySweep =
    r.billingReason === "subscription_cycle" &&
    account.lastResetAt >= r.period.start &&
    account.monthlyAllowance === r.allowance;
  if (coveredBySweep) {
    if (account.nextRefillAt !== schedule.nextRefillAt || account.refillAnchorAt !== schedule.refillAnchorAt) {
      await ctx.db.patch("credits", account._id, schedule);
    }
    return "period_already_refilled";
  }
  const done = await refill(ctx, account, {
    allowance: r.allowance,
    key,
    reason: `Paid invoice ${r.invoiceId}`,
    ...schedule,
    now: r.now,
  });
  return done ? "refilled" : "already_refilled";
}
