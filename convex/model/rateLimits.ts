// The owner of the `rateLimits` table: convex-helpers' table-based token
// buckets, configured by RATE_LIMITS in src/limits.ts (the one place to edit
// them). A per-user bucket is the row with `name` = the limit and `key` = the
// user's id (found through the table's `name` index, see `userBuckets`); an
// app-wide bucket has no key.
import type { GenericDatabaseWriter } from "convex/server";
import { defineRateLimits, type RateLimitDataModel } from "convex-helpers/server/rateLimit";
import type { Id } from "../_generated/dataModel";
import type { ReadCtx, WriteCtx } from "../lib/db";
import { fail } from "../lib/errors";
import { RATE_LIMITS } from "../../src/limits";

export type LimitName = keyof typeof RATE_LIMITS;
/** The limits kept per user (every one but the app-wide sign-up backstop). */
export const PER_USER_LIMITS = ["stripeSession", "reserveCredits", "createRows"] as const satisfies LimitName[];
export type PerUserLimit = (typeof PER_USER_LIMITS)[number];

const limiter = defineRateLimits(RATE_LIMITS);

// The limiter is typed for the raw db; ours (row rules, service role) has the
// same `query`/`insert`/`patch(table, id, value)` calls it makes.
const rawDb = (ctx: WriteCtx) => ({ db: ctx.db as unknown as GenericDatabaseWriter<RateLimitDataModel> });

/**
 * Takes one token from `name`'s bucket (the user's, or the app-wide one when
 * `userId` is null), or fails with RATE_LIMITED and `retryAfter` (ms). The
 * non-throwing form of the limiter is used: a refusal writes nothing, and our
 * error then rolls back whatever the calling mutation did before.
 */
export async function spend(ctx: WriteCtx, name: LimitName, userId: Id<"users"> | null): Promise<void> {
  const { ok, retryAt } = await limiter.rateLimit(rawDb(ctx), { name, key: userId ?? undefined });
  if (!ok) {
    const retryAfter = Math.max(1, Math.ceil((retryAt ?? Date.now()) - Date.now()));
    fail("RATE_LIMITED", `Too many requests: try again in ${Math.ceil(retryAfter / 1000)} s`, {
      retryAfter,
      rateLimit: name,
    });
  }
}

/** A user's bucket rows, one index lookup per per-user limit (for account deletion and tests). */
export async function userBuckets(ctx: ReadCtx, userId: Id<"users">) {
  const rows = await Promise.all(
    PER_USER_LIMITS.map((name) =>
      ctx.db
        .query("rateLimits")
        .withIndex("name", (q) => q.eq("name", name).eq("key", userId))
        .unique(),
    ),
  );
  return rows.filter((row) => row !== null);
}

/** Deletes a user's buckets (account deletion); returns how many rows went. */
export async function deleteUserBuckets(ctx: WriteCtx, userId: Id<"users">): Promise<number> {
  const rows = await userBuckets(ctx, userId);
  for (const row of rows) await ctx.db.delete("rateLimits", row._id);
  return rows.length;
}
