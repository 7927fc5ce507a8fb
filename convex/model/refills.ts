import type { TransactionMetrics } from "convex/server";
import { internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import type { WriteCtx } from "../lib/functions";
import { integerInRange } from "../lib/validate";
import { refill } from "./credits";
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

/** Accounts refilled per transaction at most: ~2,000 reads and writes, well inside Convex's limits and time. */
export const SWEEP_BATCH = 1_000;

// Per due account, at most: the row from the index, the ledger entry of a
// period already refilled, the read the patch counts (reads); the patch and the
// ledger entry (writes); one index range for the key lookup.
const READS_PER_ACCOUNT = 3;
const WRITES_PER_ACCOUNT = 2;
const QUERIES_PER_ACCOUNT = 1;

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
    Math.floor((m.databaseQueries.remaining - 2) / QUERIES_PER_ACCOUNT),
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
 * that is one refill (one period key) and a next refill in the future.
 */
export async function refillOne(ctx: WriteCtx, account: Doc<"credits">, now: number) {
  const anchor = account.refillAnchorAt;
  const nextRefillAt = nextAnniversary(anchor, now);
  const done = await refill(ctx, account, {
    allowance: account.monthlyAllowance,
    key: `period:${periodKey(currentAnniversary(anchor, now))}`,
    reason: "Monthly refill",
    nextRefillAt,
    now,
  });
  // Already refilled for this period (e.g. a refill elsewhere used its key):
  // still move the date on, so the account leaves the due range.
  if (!done) await ctx.db.patch("credits", account._id, { nextRefillAt });
  return done;
}
