import type { Doc, Id } from "../_generated/dataModel";
import type { AppDbReader, AppDbWriter, WriteValue } from "../lib/db";
import type { LedgerKind } from "../schema";
import { FREE_PLAN } from "../../src/plans";
import { addMonths } from "./time";

type Db = { db: AppDbWriter };

/** The user's credits row, or null. */
export async function getAccount(ctx: { db: AppDbReader }, userId: Id<"users">) {
  return await ctx.db
    .query("credits")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .unique();
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
  now: number;
};

/**
 * Refills an account: **sets** the balance to the allowance (no rollover: unused
 * credits do not pile up across months) and schedules the next refill. At most
 * once per `key`, so a replayed webhook or an overlapping sweep grants nothing.
 * Returns false when this period was already refilled.
 */
export async function refill(ctx: Db, account: Doc<"credits">, r: Refill): Promise<boolean> {
  if ((await findByKey(ctx, account.userId, r.key)) !== null) return false;
  await changeBalance(ctx, account, {
    delta: r.allowance - account.balance,
    kind: "refill",
    reason: r.reason,
    idempotencyKey: r.key,
    fields: {
      monthlyAllowance: r.allowance,
      lastResetAt: r.now,
      nextRefillAt: r.nextRefillAt,
      ...(r.refillAnchorAt === undefined ? {} : { refillAnchorAt: r.refillAnchorAt }),
    },
  });
  return true;
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
