// The owner of the `credits` and `creditLedger` tables: the only code that
// reads or writes them, and so the only code that changes a balance. Every
// balance change is one patch of the account plus one ledger entry, which is
// what keeps `balance == sum of ledger deltas` true after every change.
import type { PaginationOptions } from "convex/server";
import type { Doc, Id } from "../_generated/dataModel";
import type { ReadCtx, WriteCtx, WriteValue } from "../lib/db";
import { fail } from "../lib/errors";
import { pageOptions } from "../lib/validate";
import type { CreditSummary, LedgerKind } from "../lib/validators";
import { FREE_PLAN } from "../../src/plans";
import { addMonths } from "./time";

export type Account = Doc<"credits">;

/** The user's credits account, or null. */
export async function getAccount(ctx: ReadCtx, userId: Id<"users">) {
  return await ctx.db
    .query("credits")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .unique();
}

/** The user's credits account, or NOT_FOUND. */
export async function requireAccount(ctx: ReadCtx, userId: Id<"users">) {
  const account = await getAccount(ctx, userId);
  if (account === null) fail("NOT_FOUND", "No credits account");
  return account;
}

/** The ledger entry recorded under `idempotencyKey` for this user, or null. Reads nothing when there is none. */
export async function entryWithKey(ctx: ReadCtx, userId: Id<"users">, idempotencyKey: string) {
  return await ctx.db
    .query("creditLedger")
    .withIndex("by_userId_and_idempotencyKey", (q) => q.eq("userId", userId).eq("idempotencyKey", idempotencyKey))
    .unique();
}

/**
 * Opens the user's credits account at the free plan's allowance, with its
 * `signup` ledger entry; refills fall monthly on the sign-up date.
 * Idempotent: an existing account is left unchanged.
 */
export async function openAccount(ctx: WriteCtx, userId: Id<"users">): Promise<void> {
  if ((await getAccount(ctx, userId)) !== null) return;
  await insertAccount(ctx, userId, { openedAt: Date.now(), balance: FREE_PLAN.monthlyCredits });
}

/**
 * Writes a new free account opened at `openedAt` with `balance`, and its
 * `signup` entry. For callers that know the user has no account yet (bulk
 * seeding in tests); everyone else calls `openAccount`.
 */
export async function insertAccount(
  ctx: WriteCtx,
  userId: Id<"users">,
  opening: { openedAt: number; balance: number },
) {
  const { openedAt, balance } = opening;
  await ctx.db.insert("credits", {
    userId,
    balance,
    monthlyAllowance: FREE_PLAN.monthlyCredits,
    lastRefillAt: openedAt,
    refillAnchorAt: openedAt,
    nextRefillAt: addMonths(openedAt, 1),
    refillCount: 0,
    peakAllowance: FREE_PLAN.monthlyCredits,
  });
  await ctx.db.insert("creditLedger", {
    userId,
    delta: balance,
    balanceAfter: balance,
    kind: "signup",
    reason: "Free plan allowance",
    idempotencyKey: "signup",
  });
}

/** Up to `limit` accounts whose `nextRefillAt` has come (an index range: only due rows are read). */
export async function dueAccounts(ctx: ReadCtx, now: number, limit: number) {
  return await ctx.db
    .query("credits")
    .withIndex("by_nextRefillAt", (q) => q.lte("nextRefillAt", now))
    .take(limit);
}

/** Fields of an account that change without moving the balance (allowance, refill schedule). */
export type AccountFields = Partial<Omit<WriteValue<"credits">, "userId" | "balance">>;

export type BalanceChange = {
  delta: number;
  kind: LedgerKind;
  reason?: string;
  idempotencyKey?: string;
  /** Who made an operator's change: the admin's user id, or "cli". */
  actor?: string;
  /** Other fields of the account to change in the same write. */
  fields?: AccountFields;
};

/**
 * Moves `account`'s balance by `delta` and records it: one patch and one ledger
 * entry. Callers check that the result is not negative (and say why to the
 * user); this throws if it would be, as a last line against a bug.
 */
export async function changeBalance(ctx: WriteCtx, account: Account, change: BalanceChange): Promise<Account> {
  const balance = account.balance + change.delta;
  if (!Number.isSafeInteger(balance) || balance < 0) {
    throw new Error(`credits: balance would become ${balance}`);
  }
  await ctx.db.patch("credits", account._id, { ...change.fields, balance });
  await ctx.db.insert("creditLedger", {
    userId: account.userId,
    delta: change.delta,
    balanceAfter: balance,
    kind: change.kind,
    reason: change.reason,
    idempotencyKey: change.idempotencyKey,
    ...(change.actor === undefined ? {} : { actor: change.actor }),
  });
  return { ...account, ...change.fields, balance };
}

/** Changes fields of the account that leave the balance alone (no ledger entry: nothing was granted or spent). */
export async function updateAccount(ctx: WriteCtx, account: Account, fields: AccountFields): Promise<Account> {
  await ctx.db.patch("credits", account._id, fields);
  return { ...account, ...fields };
}

/** What `getCredits` shows: the balance, the allowance and the refill times. */
export function creditSummary(account: Account): CreditSummary {
  return {
    balance: account.balance,
    monthlyAllowance: account.monthlyAllowance,
    lastRefillAt: account.lastRefillAt,
    nextRefillAt: account.nextRefillAt,
  };
}

/** The user's ledger, newest first, a page at a time (1..QUOTAS.pageSize entries). */
export async function ledgerPage(ctx: ReadCtx, userId: Id<"users">, paginationOpts: PaginationOptions) {
  return await ctx.db
    .query("creditLedger")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .order("desc")
    .paginate(pageOptions(paginationOpts));
}

/** The user's latest `limit` ledger entries, newest first (for operators and tests). */
export async function latestEntries(ctx: ReadCtx, userId: Id<"users">, limit: number) {
  return await ctx.db
    .query("creditLedger")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .order("desc")
    .take(limit);
}
