// Convex Auth's tables (users, authSessions, authAccounts, authRefreshTokens,
// authVerifiers, authVerificationCodes, authRateLimits) belong to the library,
// which writes them on sign-in. This module is the one place the app deletes
// from them: when an account is deleted. Each helper deletes at most `limit`
// rows and returns how many it deleted, so a caller can spread the work over
// batches (fewer than `limit`: nothing of the kind is left).
import type { Doc, Id } from "../_generated/dataModel";
import type { WriteCtx } from "../lib/db";

/** What named the user in the auth tables: their e-mail and name, to scrub elsewhere. */
export function namesOf(user: Doc<"users">): string[] {
  return [user.email, user.name, user.phone].filter((name): name is string => typeof name === "string" && name !== "");
}

/** Deletes the users row. After it, the user's tokens find no user (`userMutation` answers UNAUTHENTICATED). */
export async function deleteUser(ctx: WriteCtx, userId: Id<"users">): Promise<number> {
  if ((await ctx.db.get("users", userId)) === null) return 0;
  await ctx.db.delete("users", userId);
  return 1;
}

/** Deletes the user's sessions, each after its refresh tokens and pending OAuth verifiers. */
export async function deleteSessions(ctx: WriteCtx, userId: Id<"users">, limit: number): Promise<number> {
  let deleted = 0;
  const sessions = await ctx.db
    .query("authSessions")
    .withIndex("userId", (q) => q.eq("userId", userId))
    .take(limit);
  for (const session of sessions) {
    const tokens = await ctx.db
      .query("authRefreshTokens")
      .withIndex("sessionId", (q) => q.eq("sessionId", session._id))
      .take(limit - deleted);
    const verifiers = await ctx.db
      .query("authVerifiers")
      .withIndex("by_sessionId", (q) => q.eq("sessionId", session._id))
      .take(limit - deleted - tokens.length);
    for (const row of tokens) await ctx.db.delete("authRefreshTokens", row._id);
    for (const row of verifiers) await ctx.db.delete("authVerifiers", row._id);
    deleted += tokens.length + verifiers.length;
    // The session goes last, so a batch cut short finds its tokens again next time.
    if (deleted >= limit) return deleted;
    await ctx.db.delete("authSessions", session._id);
    deleted += 1;
    if (deleted >= limit) return deleted;
  }
  return deleted;
}

/**
 * Deletes the user's sign-in accounts, each after its verification codes and
 * its sign-in rate limits (kept under the account id, or the e-mail or phone
 * typed for a code: `names`).
 */
export async function deleteAccounts(
  ctx: WriteCtx,
  userId: Id<"users">,
  names: readonly string[],
  limit: number,
): Promise<number> {
  let deleted = 0;
  for (const identifier of names) deleted += await deleteRateLimit(ctx, identifier);
  const accounts = await ctx.db
    .query("authAccounts")
    .withIndex("userIdAndProvider", (q) => q.eq("userId", userId))
    .take(limit);
  for (const account of accounts) {
    const codes = await ctx.db
      .query("authVerificationCodes")
      .withIndex("accountId", (q) => q.eq("accountId", account._id))
      .take(limit);
    for (const row of codes) await ctx.db.delete("authVerificationCodes", row._id);
    deleted += codes.length;
    deleted += await deleteRateLimit(ctx, account._id);
    deleted += await deleteRateLimit(ctx, account.providerAccountId);
    if (deleted >= limit) return deleted;
    await ctx.db.delete("authAccounts", account._id);
    deleted += 1;
    if (deleted >= limit) return deleted;
  }
  return deleted;
}

async function deleteRateLimit(ctx: WriteCtx, identifier: string): Promise<number> {
  const row = await ctx.db
    .query("authRateLimits")
    .withIndex("identifier", (q) => q.eq("identifier", identifier))
    .unique();
  if (row === null) return 0;
  await ctx.db.delete("authRateLimits", row._id);
  return 1;
}
