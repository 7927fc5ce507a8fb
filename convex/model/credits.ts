import type { PaginationOptions } from "convex/server";
import type { Doc, Id } from "../_generated/dataModel";
import type { AppDbReader, AppDbWriter, WriteValue } from "../lib/db";
import { fail } from "../lib/errors";
import { integerInRange, trimmedText } from "../lib/validate";
import type { CreditSummary, LedgerKind } from "../schema";
import { FREE_PLAN, rolloverCapFor } from "../../src/plans";
import { addMonths } from "./time";

type Db = { db: AppDbWriter };

/** The most credits one call may spend, reserve or adjust. */
export const MAX_AMOUNT = 1_000_000;

/** The user's credits row, or null. */
export async function getAccount(ctx: { db: AppDbReader }, userId: Id<"users">) {
  return await ctx.db
    .query("credits")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .unique();
}

/** The user's credits row, or NOT_FOUND. */
export async function requireAccount(ctx: { db: AppDbReader }, userId: Id<"users">) {
  const account = await getAccount(ctx, userId);
  if (account === null) fail("NOT_FOUND", "No credits account");
  return account;
}

/** The ledger entry recorded under `key` for this user, or null. Reads nothing when there is none. */
export async function findByKey(ctx: { db: AppDbReader }, userId: Id<"users">, key: string) {
  return await ctx.db
    .query("creditLedger")
    .withIndex("by_userId_and_idempotencyKey", (q) => q.eq("userId", userId).eq("idempotencyKey", key))
    .unique();
}

/** Records one change of a balance. Every balance change goes through here. */
export async function appendLedger(ctx: Db, entry: WriteValue<"creditLedger">) {
  return await ctx.db.insert("creditLedger", entry);
}

export type BalanceChange = {
  delta: number;
  kind: LedgerKind;
  reason?: string;
  idempotencyKey?: string;
  /** Other fields of the credits row to change in the same write. */
  fields?: Partial<WriteValue<"credits">>;
};

/**
 * Moves `account`'s balance by `delta` and records it: one patch and one ledger
 * entry, so `balance == sum(ledger deltas)` holds after every change. Callers
 * check that the result is not negative; this throws if it would be (a bug).
 */
export async function changeBalance(ctx: Db, account: Doc<"credits">, change: BalanceChange) {
  const balance = account.balance + change.delta;
  if (!Number.isSafeInteger(balance) || balance < 0) {
    throw new Error(`credits: balance would become ${balance}`);
  }
  await ctx.db.patch("credits", account._id, { ...change.fields, balance });
  await appendLedger(ctx, {
    userId: account.userId,
    delta: change.delta,
    balanceAfter: balance,
    kind: change.kind,
    reason: change.reason,
    idempotencyKey: change.idempotencyKey,
  });
  return { ...account, ...change.fields, balance };
}

/**
 * Opens the user's credits account at the free plan's allowance, with its
 * `signup` ledger entry; refills fall monthly on the sign-up date.
 * Idempotent: an existing account is left unchanged.
 */
export async function openAccount(ctx: Db, userId: Id<"users">): Promise<void> {
  if ((await getAccount(ctx, userId)) !== null) return;
  const now = Date.now();
  const allowance = FREE_PLAN.monthlyCredits;
  await ctx.db.insert("credits", {
    userId,
    balance: allowance,
    monthlyAllowance: allowance,
    lastResetAt: now,
    refillAnchorAt: now,
    nextRefillAt: addMonths(now, 1),
    refillCount: 0,
  });
  await appendLedger(ctx, {
    userId,
    delta: allowance,
    balanceAfter: allowance,
    kind: "signup",
    reason: "Free plan allowance",
    idempotencyKey: "signup",
  });
}

export type Refill = {
  /** The monthly allowance to refill to; also becomes the account's allowance. */
  allowance: number;
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
 * Refills an account: **sets** the balance to the allowance (no rollover by
 * default: unused credits do not pile up across months; with a plan's
 * `rolloverCap`, up to that many unused credits stay on top) and schedules the
 * next refill. At most once per `key`, so a replayed webhook or an overlapping
 * sweep grants nothing. Starts a new period (`refillCount`): credits still held
 * by a reservation belong to the old one (see model/reservations.ts).
 * Returns false when this period was already refilled.
 */
export async function refill(ctx: Db, account: Doc<"credits">, r: Refill): Promise<boolean> {
  if ((await findByKey(ctx, account.userId, r.key)) !== null) return false;
  await applyRefill(ctx, account, r);
  return true;
}

/**
 * The refill itself, for callers that have already made sure this period was
 * not refilled (the sweep checks `lastResetAt` on the row it holds, which
 * costs no read). Everyone else calls `refill`.
 */
export async function applyRefill(ctx: Db, account: Doc<"credits">, r: Refill) {
  const carried = Math.min(account.balance, r.rolloverCap ?? rolloverCapFor(r.allowance));
  return await changeBalance(ctx, account, {
    delta: r.allowance + carried - account.balance,
    kind: "refill",
    reason: r.reason,
    idempotencyKey: r.key,
    fields: {
      monthlyAllowance: r.allowance,
      lastResetAt: r.now,
      nextRefillAt: r.nextRefillAt,
      refillCount: (account.refillCount ?? 0) + 1,
      ...(r.refillAnchorAt === undefined ? {} : { refillAnchorAt: r.refillAnchorAt }),
    },
  });
}

/**
 * Changes the monthly allowance when the plan changes. An upgrade adds the
 * difference at once (the user paid for it now); a downgrade only lowers the
 * allowance, which the next refill applies, so nobody loses credits mid-period.
 * Idempotent per `key`.
 */
export async function setAllowance(
  ctx: Db,
  account: Doc<"credits">,
  allowance: number,
  { key, reason }: { key: string; reason: string },
) {
  if (allowance === account.monthlyAllowance) return account;
  if (allowance < account.monthlyAllowance) {
    await ctx.db.patch("credits", account._id, { monthlyAllowance: allowance });
    return { ...account, monthlyAllowance: allowance };
  }
  if ((await findByKey(ctx, account.userId, key)) !== null) return account;
  return await changeBalance(ctx, account, {
    delta: allowance - account.monthlyAllowance,
    kind: "upgrade",
    reason,
    idempotencyKey: key,
    fields: { monthlyAllowance: allowance },
  });
}

/** What `getCredits` shows: the balance, the allowance and the refill times. */
export function summary(account: Doc<"credits">): CreditSummary {
  return {
    balance: account.balance,
    monthlyAllowance: account.monthlyAllowance,
    lastRefillAt: account.lastResetAt,
    nextRefillAt: account.nextRefillAt,
  };
}

/** A credit amount from outside: a whole number from 1 to MAX_AMOUNT, else INVALID_ARGUMENT. */
export function creditAmount(field: string, value: number): number {
  return integerInRange(field, value, 1, MAX_AMOUNT);
}

/** An optional reason (trimmed, at most 200 characters). */
export function reasonText(reason: string | undefined): string | undefined {
  return reason === undefined ? undefined : trimmedText("reason", reason, 1, 200);
}

export type Consume = { amount: number; reason?: string; idempotencyKey?: string };

/**
 * Spends `amount` of the user's credits, atomically with the caller's
 * transaction: INSUFFICIENT_CREDITS (with the balance) and nothing changed when
 * there are not enough. With an `idempotencyKey`, a repeat returns the first
 * result and spends nothing; the key reused for another amount is a CONFLICT.
 * Cost: the row read, its patch, one ledger entry; a key that was never used
 * reads nothing.
 */
export async function consume(ctx: Db, userId: Id<"users">, args: Consume) {
  const amount = creditAmount("amount", args.amount);
  const reason = reasonText(args.reason);
  // Client keys live in their own namespace, so a client cannot name a system
  // key ("signup", "period:...") and have its spend "already done" for free.
  const key =
    args.idempotencyKey === undefined
      ? undefined
      : `client:${trimmedText("idempotencyKey", args.idempotencyKey, 1, 200)}`;
  if (key !== undefined) {
    const first = await findByKey(ctx, userId, key);
    if (first !== null) {
      if (first.delta !== -amount) {
        fail("CONFLICT", "This idempotency key was used for another amount", { spent: -first.delta });
      }
      return { balance: first.balanceAfter };
    }
  }
  const account = await requireAccount(ctx, userId);
  if (account.balance < amount) {
    fail("INSUFFICIENT_CREDITS", "Not enough credits", { balance: account.balance, required: amount });
  }
  const after = await changeBalance(ctx, account, {
    delta: -amount,
    kind: "consume",
    reason,
    idempotencyKey: key,
  });
  return { balance: after.balance };
}

/**
 * Charges the signed-in user from an app's own mutation, inside its
 * transaction: if the charge fails (INSUFFICIENT_CREDITS), the whole mutation
 * rolls back, so the work and its payment happen together or not at all.
 */
export async function chargeUser(
  ctx: Db & { userId: Id<"users"> },
  amount: number,
  reason: string,
  idempotencyKey?: string,
) {
  return await consume(ctx, ctx.userId, { amount, reason, idempotencyKey });
}

/**
 * An operator's correction (or a refund): adds `delta` (negative to take
 * credits away, never below zero). Idempotent per `key` when given.
 */
export async function adjust(
  ctx: Db,
  userId: Id<"users">,
  args: { delta: number; reason: string; key?: string; kind?: "adjust" | "refund" },
) {
  const delta = integerInRange("delta", args.delta, -MAX_AMOUNT, MAX_AMOUNT);
  if (delta === 0) fail("INVALID_ARGUMENT", "delta must not be 0", { field: "delta" });
  const reason = trimmedText("reason", args.reason, 1, 200);
  const key = args.key === undefined ? undefined : `admin:${args.key}`;
  if (key !== undefined) {
    const first = await findByKey(ctx, userId, key);
    if (first !== null) return { balance: first.balanceAfter };
  }
  const account = await requireAccount(ctx, userId);
  if (account.balance + delta < 0) {
    fail("INSUFFICIENT_CREDITS", "Not enough credits to take away", { balance: account.balance });
  }
  const after = await changeBalance(ctx, account, { delta, kind: args.kind ?? "adjust", reason, idempotencyKey: key });
  return { balance: after.balance };
}

/** The user's ledger, newest first, a page at a time (at most 100 entries). */
export async function history(ctx: { db: AppDbReader }, userId: Id<"users">, opts: PaginationOptions) {
  integerInRange("paginationOpts.numItems", opts.numItems, 1, 100);
  return await ctx.db
    .query("creditLedger")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .order("desc")
    .paginate(opts);
}
