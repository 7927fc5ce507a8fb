// Refills: the monthly sweep and the refill a paid invoice grants. The policy
// (each user's own cycle, a refill sets rather than adds, once per period,
// who the sweep refills) is README's "Monthly refills"; the code that enforces
// each rule says so where it does.
import type { TransactionMetrics } from "convex/server";
import type { Doc } from "../_generated/dataModel";
import type { WriteCtx } from "../lib/db";
import { integerInRange } from "../lib/validate";
import { FREE_PLAN, rolloverCapFor } from "../../src/plans";
import { type Account, changeBalance, dueAccounts, entryWithKey, updateAccount } from "./ledger";
import { addMonths, currentAnniversary, MS, nextAnniversary, periodKey } from "./time";

export type Refill = {
  /** The plan's monthly allowance; becomes the account's allowance. */
  allowance: number;
  /** What the balance is set to, when less than the allowance (a period not paid for); defaults to the allowance. */
  grant?: number;
  /** The end of the period an invoice paid for, when this refill comes from one. */
  paidThrough?: number;
  /** Unique per period (e.g. `invoice:in_123` or `period:2026-02-28`): at most one refill each. */
  key: string;
  reason: string;
  /** When the sweep should next refill this account. */
  nextRefillAt: number;
  /** A new anchor for later monthly refills (e.g. a yearly plan's start). */
  refillAnchorAt?: number;
  /** Unused credits that may carry over; defaults to the cap of the plan with this allowance (none). */
  rolloverCap?: number;
  now: number;
};

/**
 * Refills an account once per `refill.key`, so a replayed webhook or an
 * overlapping sweep grants nothing. Returns false when that key was refilled.
 */
export async function refillOnce(ctx: WriteCtx, account: Account, refill: Refill): Promise<boolean> {
  if ((await entryWithKey(ctx, account.userId, refill.key)) !== null) return false;
  await writeRefill(ctx, account, refill);
  return true;
}

/**
 * The refill itself: **sets** the balance to the allowance (with a plan's
 * `rolloverCap`, up to that many unused credits stay on top) and starts a new
 * period (`refillCount`; credits still held by a reservation belong to the old
 * one, see README "Reservations and refills"). For callers that have made sure
 * this period was not refilled yet; everyone else calls `refillOnce`.
 */
export async function writeRefill(ctx: WriteCtx, account: Account, refill: Refill) {
  const grant = refill.grant ?? refill.allowance;
  const carried = Math.min(account.balance, refill.rolloverCap ?? rolloverCapFor(grant));
  return await changeBalance(ctx, account, {
    delta: grant + carried - account.balance,
    kind: "refill",
    reason: refill.reason,
    idempotencyKey: refill.key,
    fields: {
      monthlyAllowance: refill.allowance,
      // A new period: upgrades in it grant only above this (model/entitlements.ts).
      peakAllowance: refill.allowance,
      ...(refill.paidThrough === undefined ? {} : { paidThrough: refill.paidThrough }),
      lastRefillAt: refill.now,
      nextRefillAt: refill.nextRefillAt,
      refillCount: account.refillCount + 1,
      ...(refill.refillAnchorAt === undefined ? {} : { refillAnchorAt: refill.refillAnchorAt }),
    },
  });
}

// --- the sweep ---

/**
 * Accounts refilled per transaction at most: 500 reads and 500 writes. The
 * document limits would allow far more, but a mutation also has about a second
 * of execution time; small batches that schedule each other keep each one short.
 */
export const SWEEP_BATCH = 250;

// Per due account: the row from the index and the read its patch counts; the
// patch and the ledger entry. Queries: one per batch.
const READS_PER_ACCOUNT = 2;
const WRITES_PER_ACCOUNT = 2;

type SweepCtx = WriteCtx & { meta: { getTransactionMetrics(): Promise<TransactionMetrics> } };

/**
 * Refills up to one batch of due accounts (through `by_nextRefillAt`, so the
 * cost follows the number due and nobody due reads nothing). The batch is the
 * smaller of `batchSize` and what this transaction's remaining limits allow.
 * `more` says a full batch may have left accounts behind: the caller schedules
 * the next batch at once.
 */
export async function refillDue(ctx: SweepCtx, batchSize = SWEEP_BATCH) {
  integerInRange("batchSize", batchSize, 1, 10 * SWEEP_BATCH);
  const now = Date.now();
  const metrics = await ctx.meta.getTransactionMetrics();
  const fits = Math.min(
    Math.floor((metrics.documentsRead.remaining - 1) / READS_PER_ACCOUNT),
    Math.floor((metrics.documentsWritten.remaining - 1) / WRITES_PER_ACCOUNT),
  );
  const limit = Math.max(1, Math.min(batchSize, fits));
  const due = await dueAccounts(ctx, now, limit);
  let refilled = 0;
  for (const account of due) if (await refillIfDue(ctx, account, now)) refilled++;
  return { refilled, more: due.length === limit };
}

/**
 * Refills one due account for the period `now` falls in and moves its next
 * refill to the first anniversary after `now`: however many runs were missed,
 * one refill and a next refill in the future.
 *
 * Once per period: if the row says it was refilled since the period started
 * (`lastRefillAt`, by this sweep or by a paid invoice), only the date moves.
 * The check is on the row in hand, where a ledger lookup per account would be
 * a query each; the entry still carries the period key (`period:<date>`).
 */
export async function refillIfDue(ctx: WriteCtx, account: Account, now: number) {
  const periodStart = currentAnniversary(account.refillAnchorAt, now);
  const nextRefillAt = nextAnniversary(account.refillAnchorAt, now);
  if (account.lastRefillAt >= periodStart) {
    await updateAccount(ctx, account, { nextRefillAt });
    return false;
  }
  // A paid allowance only for a paid period (a yearly plan's months): a renewal
  // not paid yet gets the free allowance, and its invoice.paid refills the rest.
  const paid = now < (account.paidThrough ?? 0);
  const grant = paid ? account.monthlyAllowance : Math.min(account.monthlyAllowance, FREE_PLAN.monthlyCredits);
  await writeRefill(ctx, account, {
    allowance: account.monthlyAllowance,
    grant,
    key: `period:${periodKey(periodStart)}`,
    reason:
      grant < account.monthlyAllowance
        ? "Monthly refill at the free allowance: the plan's period is unpaid"
        : "Monthly refill",
    nextRefillAt,
    now,
  });
  return true;
}

// --- paid invoices ---

/** Invoices whose payment starts a paid period: the ones that refill credits. */
const REFILLING_INVOICE_REASONS = ["subscription_create", "subscription_cycle"];

/** True for an invoice `billing_reason` whose payment refills credits. */
export function isRefillingInvoice(billingReason: string | null): boolean {
  return REFILLING_INVOICE_REASONS.includes(billingReason ?? "");
}

/**
 * How long after a monthly plan's paid period ends the refill sweep may step
 * in. Renewal invoices are finalized about an hour after the period ends and
 * paid after that; until then the account waits for `invoice.paid` (which
 * refills and moves this date on), so the sweep never refills a paid month too.
 */
export const RENEWAL_GRACE_MS = 3 * MS.DAY;

export type PaidPeriod = { start: number; end: number };

/**
 * When the sweep next refills after an invoice paid for `period`, and the
 * anchor its later monthly refills fall on. Monthly plans: just after the paid
 * period (the next invoice refills before then). Yearly plans: one month on,
 * anchored at the period start, so the sweep refills the other eleven months.
 */
export function scheduleAfterInvoice(interval: Doc<"subscriptions">["interval"], period: PaidPeriod) {
  const nextRefillAt = interval === "year" ? addMonths(period.start, 1) : period.end + RENEWAL_GRACE_MS;
  return { nextRefillAt, refillAnchorAt: period.start };
}

export type InvoiceRefill = {
  invoiceId: string;
  /** `subscription_create` or `subscription_cycle`. */
  billingReason: string;
  allowance: number;
  interval: Doc<"subscriptions">["interval"];
  period: PaidPeriod;
  /** How far this invoice's subscription was paid before it (an older period grants nothing). */
  subscriptionPaidThrough: number;
  /** How far the account counts as paid once this invoice is (see `accountPaidThrough`). */
  accountPaidThrough: number;
  now: number;
};

/**
 * Refills the account for a paid subscription invoice, once per invoice id,
 * and records the period as paid. A renewal for a period the sweep already
 * refilled at this allowance while it was paid (a yearly plan's month) only
 * moves the schedule: refilling again would grant the same month twice. A
 * sweep refill after the paid period ran out granted only the free allowance,
 * so the late renewal refills in full.
 */
export async function refillForInvoice(
  ctx: WriteCtx,
  account: Account,
  invoice: InvoiceRefill,
): Promise<"refilled" | "already_refilled" | "period_already_refilled" | "older_period"> {
  const key = `invoice:${invoice.invoiceId}`;
  if ((await entryWithKey(ctx, account.userId, key)) !== null) return "already_refilled";
  // An invoice for a period that ended before one already paid for (delivered
  // late, out of order): its month is over, and refilling now would grant it
  // inside the later period, and move the schedule back.
  if (invoice.period.end < invoice.subscriptionPaidThrough) return "older_period";
  const schedule = scheduleAfterInvoice(invoice.interval, invoice.period);
  const paidThrough = invoice.accountPaidThrough;
  const coveredBySweep =
    invoice.billingReason === "subscription_cycle" &&
    account.lastRefillAt >= invoice.period.start &&
    account.lastRefillAt < (account.paidThrough ?? 0) &&
    account.monthlyAllowance === invoice.allowance;
  if (coveredBySweep) {
    const moved =
      account.nextRefillAt !== schedule.nextRefillAt ||
      account.refillAnchorAt !== schedule.refillAnchorAt ||
      account.paidThrough !== paidThrough;
    if (moved) await updateAccount(ctx, account, { ...schedule, paidThrough });
    return "period_already_refilled";
  }
  await writeRefill(ctx, account, {
    allowance: invoice.allowance,
    key,
    reason: `Paid invoice ${invoice.invoiceId}`,
    ...schedule,
    paidThrough,
    now: invoice.now,
  });
  return "refilled";
}
