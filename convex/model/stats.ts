// The owner of the `statsShards` table: the counters `admin:stats` reports.
// A single counter document written by every sign-up and subscription change
// would be a hot spot (concurrent writers of one document conflict and
// retry), so the counts are spread over SHARDS rows: each change adds its
// deltas to one shard picked at random, and `read` sums them all.
import type { ReadCtx, WriteCtx } from "../lib/db";
import type { Stats } from "../lib/validators";
import type { PlanId } from "../../src/plans";

/** How many rows the counters are spread over: what `read` costs, in documents. */
export const SHARDS = 16;

type Counter = "users" | PlanId | "activeSubscriptions";
export type StatsDelta = Partial<Record<Counter, number>>;

const COUNTERS: readonly Counter[] = ["users", "free", "pro", "business", "activeSubscriptions"];

/** A shard for one write; Convex seeds `Math.random` per function run, so concurrent runs spread out. */
export function pickShard(): number {
  return Math.floor(Math.random() * SHARDS);
}

// Deltas held back while a batch runs (`batched`), by the call's database.
const pending = new WeakMap<object, StatsDelta>();

/**
 * Adds `delta` to the counters, in one random shard: one index read and one
 * patch (or insert). Nothing when all are 0. Inside `batched`, held back and
 * written once at the end of the batch.
 */
export async function add(ctx: WriteCtx, delta: StatsDelta, shard: number = pickShard()): Promise<void> {
  const held = pending.get(ctx.db);
  if (held !== undefined) {
    for (const counter of COUNTERS) held[counter] = (held[counter] ?? 0) + (delta[counter] ?? 0);
    return;
  }
  const changes = COUNTERS.filter((counter) => (delta[counter] ?? 0) !== 0);
  if (changes.length === 0) return;
  const row = await ctx.db
    .query("statsShards")
    .withIndex("by_shard", (q) => q.eq("shard", shard))
    .unique();
  if (row === null) {
    const zero = { users: 0, free: 0, pro: 0, business: 0, activeSubscriptions: 0 };
    for (const counter of changes) zero[counter] = delta[counter]!;
    await ctx.db.insert("statsShards", { shard, ...zero });
    return;
  }
  const patch: StatsDelta = {};
  for (const counter of changes) patch[counter] = row[counter] + delta[counter]!;
  await ctx.db.patch("statsShards", row._id, patch);
}

/**
 * Runs `work` (a batch of many changes in one transaction, e.g. a page of
 * reconciliation) with its stats changes summed and written once at the end:
 * one shard write per batch instead of one per change.
 */
export async function batched<T>(ctx: WriteCtx, work: () => Promise<T>): Promise<T> {
  if (pending.has(ctx.db)) return await work();
  const held: StatsDelta = {};
  pending.set(ctx.db, held);
  try {
    const result = await work();
    pending.delete(ctx.db);
    await add(ctx, held);
    return result;
  } finally {
    pending.delete(ctx.db);
  }
}

/** The counts, summed over every shard: reads at most SHARDS documents, whatever the number of users. */
export async function read(ctx: ReadCtx): Promise<Stats> {
  const rows = await ctx.db.query("statsShards").withIndex("by_shard").take(SHARDS);
  const sum = (counter: Counter) => rows.reduce((total, row) => total + row[counter], 0);
  return {
    users: sum("users"),
    byPlan: { free: sum("free"), pro: sum("pro"), business: sum("business") },
    activeSubscriptions: sum("activeSubscriptions"),
  };
}

/** A new account: one more user, on the free plan. */
export async function onSignUp(ctx: WriteCtx) {
  await add(ctx, { users: 1, free: 1 });
}

/**
 * An account deleted: one user fewer, off `planId`, with `active` active or
 * trialing subscriptions gone too (for the deletion's cascade to call).
 */
export async function onUserDeleted(ctx: WriteCtx, gone: { planId: PlanId; active: number }) {
  await add(ctx, { users: -1, [gone.planId]: -1, activeSubscriptions: -gone.active });
}

/** A user's plan moved and/or their count of active or trialing subscriptions changed. */
export async function onSubscriptionChange(
  ctx: WriteCtx,
  change: { planBefore: PlanId; planAfter: PlanId; activeDelta: number },
) {
  const delta: StatsDelta = { activeSubscriptions: change.activeDelta };
  if (change.planBefore !== change.planAfter) {
    delta[change.planBefore] = -1;
    delta[change.planAfter] = 1;
  }
  await add(ctx, delta);
}
