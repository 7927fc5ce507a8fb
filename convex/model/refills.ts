import type { TransactionMetrics } from "convex/server";
import { internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import type { WriteCtx } from "../lib/functions";
import { integerInRange } from "../lib/validate";
import { applyRefill } from "./credits";
import { currentAnniversary, nextAnniversary, periodKey } from "./time";

/**
 * The monthly sweep. Each account carries `nextRefillAt` (indexed), so the
 * sweep reads only accounts that are due: its cost follows the number due, not
 * the number of users, and a sweep with nobody due reads nothing.
 *
 * Who it refills: free users and yearly plans, on the monthly anniversary of
 * `refillAnchorAt`. Paid monthly plans are refilled by billing's `invoice.paid`
 * through `refill()`, which moves `nextRefillAt` past the paid period, so the
 * sweep never sees them while they pay. An account whose `nextRefillAt` is in
 * the future is outside the index range the sweep reads.
 */

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
 * Refills up to one batch of due accounts and, if the batch was full, schedules
 * itself at once for the rest. The batch is the smaller of `batchSize` and what
 * this transaction's remaining limits allow, so it stays within any limits.
 */
export async function refillDue(ctx: SweepCtx, batchSize = SWEEP_BATCH) {
  integerInRange("batchSize", batchSize, 1, 10 * SWEEP_BATCH);
  const now = Date.now();
  const m = await ctx.meta.getTransactionMetrics();
  const fits = Math.min(
    Math.floor((m.documentsRead.remaining - 1) / READS_PER_ACCOUNT),
    Math.floor((m.documentsWritten.remaining - 1) / WRITES_PER_ACCOUNT),
  );
  const limit = Math.max(1, Math.min(batchSize, fits));
  const due = await ctx.db
    .query("credits")
    .withIndex("by_nextRefillAt", (q) => q.lte("nextRefillAt", now))
    .take(limit);
  let refilled = 0;
  for (const account of due) if (await refillOne(ctx, account, now)) refilled++;
  // A full batch may have left accounts behind; an empty next run costs nothing.
  const more = due.length === limit;
  if (more) await ctx.scheduler.runAfter(0, internal.credits.refillDue, { batchSize });
  return { refilled, more };
}

/**
 * Refills one due account for the period `now` falls in and moves its next
 * refill to the first anniversary after `now`. However many runs were missed,
 * that is one refill and a next refill in the future.
 *
 * Once per period: the period starts at the latest anniversary at or before
 * `now`; if the row says it was refilled since (`lastResetAt`, by this sweep
 * or by a paid invoice), only the date moves. This check is on the row already
 * in hand, so it reads nothing, where a ledger lookup per account would be a
 * query each. The ledger entry still carries the period key (`period:<date>`).
 */
export async function refillOne(ctx: WriteCtx, account: Doc<"credits">, now: number) {
  const anchor = account.refillAnchorAt;
  const periodStart = currentAnniversary(anchor, now);
  const nextRefillAt = nextAnniversary(anchor, now);
  if (account.lastResetAt >= periodStart) {
    await ctx.db.patch("credits", account._id, { nextRefillAt });
    return false;
  }
  await applyRefill(ctx, account, {
    allowance: account.monthlyAllowance,
    key: `period:${periodKey(periodStart)}`,
    reason: "Monthly refill",
    nextRefillAt,
    now,
  });
  return true;
}
