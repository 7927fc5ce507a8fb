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

/** The idempotency key of the free allowance's ledger entry: one per user, ever. */
export const SIGNUP_KEY = "signup";
/** `nextRefillAt` of an account waiting for its e-mail to be verified: the refill sweep never reaches it. */
export const AWAITING_VERIFICATION = Number.MAX_SAFE_INTEGER;

/**
 * Opens the user's credits account. `grant` (the default): at the free plan's
 * allowance, with its `signup` ledger entry; refills fall monthly on the
 * sign-up date. Without: at balance 0 and allowance 0, outside the refill
 * sweep, until `grantSignupAllowance` (the e-mail is verified).
 * Idempotent: an existing account is left unchanged.
 */
export async function openAccount(ctx: WriteCtx, userId: Id<"users">, { grant = true } = {}): Promise<void> {
  if ((await getAccount(ctx, userId)) !== null) return;
  if (grant) {
    await insertAccount(ctx, userId, { openedAt: Date.now(), balance: FREE_PLAN.monthlyCredits });
    return;
  }
  const now = Date.now();
  await ctx.db.insert("credits", {
    userId,
    balance: 0,
    monthlyAllowance: 0,
    lastRefillAt: now,
    refillAnchorAt: now,
    nextRefillAt: AWAITING_VERIFICATION,
    refillCount: 0,
    peakAllowance: 0,
  });
}

/**
 * The free allowance of an account opened without it, once per user (the
 * `signup` entry's key): a second verification, or one of an account that got
 * it at sign-up, grants nothing. Like an upgrade, it adds only what lies above
 * the period's peak allowance (an account a paid plan already filled gets a
 * 0-credit entry). Refills then fall monthly on the verification date.
 * Returns false when the allowance was granted before.
 */
export async function grantSignupAllowance(ctx: WriteCtx, userId: Id<"users">): Promise<boolean> {
  if ((await entryWithKey(ctx, userId, SIGNUP_KEY)) !== null) return false;
  const account = await requireAccount(ctx, userId);
  const now = Date.now();
  const peak = account.peakAllowance ?? account.monthlyAllowance;
  await changeBalance(ctx, account, {
    delta: Math.max(0, FREE_PLAN.monthlyCredits - peak),
    kind: "signup",
    reason: "Free plan allowance (e-mail verified)",
    idempotencyKey: SIGNUP_KEY,
    fields: {
      monthlyAllowance: Math.max(account.monthlyAllowance, FREE_PLAN.monthlyCredits),
      peakAllowance: Math.max(peak, FREE_PLAN.monthlyCredits),
      ...(account.nextRefillAt === AWAITING_VERIFICATION
        ? { lastRefillAt: now, refillAnchorAt: now, nextRefillAt: addMonths(now, 1) }
        : {}),
    },
  });
  return true;
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
    idempotencyKey: SIGNUP_KEY,
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
