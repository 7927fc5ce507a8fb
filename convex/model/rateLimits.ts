// The owner of the `rateLimits` table: convex-helpers' table-based token
// buckets, configured by RATE_LIMITS in src/limits.ts (the one place to edit
// them). A per-user bucket is the row with `name` = the limit and `key` = the
// user's id (found through the table's `name` index, see `userBuckets`); an
// app-wide bucket has no key. The one bucket per e-mail address
// (`verificationEmails`) has the normalized address as its key: it names a
// person, so `userBuckets` finds it from the user's e-mail and account
// deletion removes it with the rest.
import type { GenericDatabaseWriter } from "convex/server";
import { defineRateLimits, type RateLimitDataModel } from "convex-helpers/server/rateLimit";
import type { Id } from "../_generated/dataModel";
import type { ReadCtx, WriteCtx } from "../lib/db";
import { fail } from "../lib/errors";
import { RATE_LIMITS } from "../../src/limits";
import { emailAddress, emailOf } from "./users";

export type LimitName = keyof typeof RATE_LIMITS;
/** The limits kept per user (every one but the app-wide sign-up backstop). */
export const PER_USER_LIMITS = ["stripeSession", "reserveCredits", "createRows"] as const satisfies LimitName[];
export type PerUserLimit = (typeof PER_USER_LIMITS)[number];
/** The limit kept per e-mail address (verification codes: whoever knows an address can ask for one). */
export const PER_EMAIL_LIMIT = "verificationEmails" satisfies LimitName;

const limiter = defineRateLimits(RATE_LIMITS);

// The limiter is typed for the raw db; ours (row rules, service role) has the
// same `query`/`insert`/`patch(table, id, value)` calls it makes.
const rawDb = (ctx: WriteCtx) => ({ db: ctx.db as unknown as GenericDatabaseWriter<RateLimitDataModel> });

/**
 * Takes one token from `name`'s bucket (the user's, the address's for
 * `verificationEmails`, or the app-wide one when `key` is null), or fails with RATE_LIMITED and `retryAfter` (ms). The
 * non-throwing form of the limiter is used: a refusal writes nothing, and our
 * error then rolls back whatever the calling mutation did before.
 */
export async function spend(ctx: WriteCtx, name: LimitName, key: Id<"users"> | string | null): Promise<void> {
  const { ok, retryAt } = await limiter.rateLimit(rawDb(ctx), { name, key: key ?? undefined });
  if (!ok) {
    const retryAfter = Math.max(1, Math.ceil((retryAt ?? Date.now()) - Date.now()));
    fail("RATE_LIMITED", `Too many requests: try again in ${Math.ceil(retryAfter / 1000)} s`, {
      retryAfter,
      rateLimit: name,
    });
  }
}

/**
 * Spends a token of the bucket of the address a verification code is about to
 * be e-mailed to. Called from Convex Auth's callback inside the mutation that
 * stores the code, before the e-mail goes out: a refusal rolls the new code
 * back (the one sent last still works) and Convex Auth sends nothing.
 */
export async function spendVerificationEmail(ctx: WriteCtx, rawEmail: string): Promise<void> {
  await spend(ctx, PER_EMAIL_LIMIT, emailAddress(rawEmail) ?? rawEmail.trim().toLowerCase());
}

const bucket = (ctx: ReadCtx, name: LimitName, key: string) =>
  ctx.db
    .query("rateLimits")
    .withIndex("name", (q) => q.eq("name", name).eq("key", key))
    .unique();

/**
 * A user's bucket rows, one index lookup per per-user limit plus the bucket of
 * each of their e-mail addresses (key = the address). The addresses are
 * `emails` when given (account deletion passes those it noted before the users
 * row went), else the users row's.
 */
export async function userBuckets(ctx: ReadCtx, userId: Id<"users">, emails?: readonly string[]) {
  const candidates = emails ?? [(await emailOf(ctx, userId)) ?? ""];
  const addresses = [...new Set(candidates.map(emailAddress).filter((email) => email !== null))];
  const rows = await Promise.all([
    ...PER_USER_LIMITS.map((name) => bucket(ctx, name, userId)),
    ...addresses.map((email) => bucket(ctx, PER_EMAIL_LIMIT, email)),
  ]);
  return rows.filter((row) => row !== null);
}

/** Deletes a user's buckets (account deletion, see `userBuckets`); returns how many rows went. */
export async function deleteUserBuckets(
  ctx: WriteCtx,
  userId: Id<"users">,
  emails?: readonly string[],
): Promise<number> {
  const rows = await userBuckets(ctx, userId, emails);
  for (const row of rows) await ctx.db.delete("rateLimits", row._id);
  return rows.length;
}
