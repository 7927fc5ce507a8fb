// Spending and correcting credits: the operations clients and operators call.
// The balance itself only changes through model/ledger.ts.
import type { Id } from "../_generated/dataModel";
import type { WriteCtx } from "../lib/db";
import { fail } from "../lib/errors";
import { cleanText } from "../lib/text";
import { integerInRange, trimmedText } from "../lib/validate";
import { changeBalance, entryWithKey, requireAccount } from "./ledger";

/** The most credits one call may spend, reserve or adjust. */
export const MAX_AMOUNT = 1_000_000;

/** A credit amount from outside: a whole number from 1 to MAX_AMOUNT, else INVALID_ARGUMENT. */
export function creditAmount(field: string, value: number): number {
  return integerInRange(field, value, 1, MAX_AMOUNT);
}

/** An optional reason (clean text, lib/text.ts: at most 200 characters). */
export function reasonText(reason: string | undefined): string | undefined {
  return reason === undefined ? undefined : cleanText("reason", reason, 1, 200);
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
export async function consume(ctx: WriteCtx, userId: Id<"users">, args: Consume) {
  const amount = creditAmount("amount", args.amount);
  const reason = reasonText(args.reason);
  // Client keys live in their own namespace, so a client cannot name a system
  // key ("signup", "period:...") and have its spend "already done" for free.
  const key =
    args.idempotencyKey === undefined
      ? undefined
      : `client:${trimmedText("idempotencyKey", args.idempotencyKey, 1, 200)}`;
  if (key !== undefined) {
    const first = await entryWithKey(ctx, userId, key);
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
  const after = await changeBalance(ctx, account, { delta: -amount, kind: "consume", reason, idempotencyKey: key });
  return { balance: after.balance };
}

/**
 * Charges the signed-in user from an app's own mutation, inside its
 * transaction: if the charge fails (INSUFFICIENT_CREDITS), the whole mutation
 * rolls back, so the work and its payment happen together or not at all.
 */
export async function chargeUser(
  ctx: WriteCtx & { userId: Id<"users"> },
  amount: number,
  reason: string,
  idempotencyKey?: string,
) {
  return await consume(ctx, ctx.userId, { amount, reason, idempotencyKey });
}

export type Adjustment = {
  delta: number;
  reason: string;
  idempotencyKey?: string;
  kind?: "adjust" | "refund";
  /** Who makes it (recorded on the ledger entry): an admin's user id, or "cli". */
  actor?: string;
};

/**
 * An operator's correction (or a refund): adds `delta` (negative to take
 * credits away, never below zero). Idempotent per key when given.
 */
export async function adjust(ctx: WriteCtx, userId: Id<"users">, args: Adjustment) {
  const delta = integerInRange("delta", args.delta, -MAX_AMOUNT, MAX_AMOUNT);
  if (delta === 0) fail("INVALID_ARGUMENT", "delta must not be 0", { field: "delta" });
  const reason = cleanText("reason", args.reason, 1, 200);
  const key = args.idempotencyKey === undefined ? undefined : `admin:${args.idempotencyKey}`;
  if (key !== undefined) {
    const first = await entryWithKey(ctx, userId, key);
    if (first !== null) return { balance: first.balanceAfter };
  }
  const account = await requireAccount(ctx, userId);
  if (account.balance + delta < 0) {
    fail("INSUFFICIENT_CREDITS", "Not enough credits to take away", { balance: account.balance, required: -delta });
  }
  const kind = args.kind ?? "adjust";
  const after = await changeBalance(ctx, account, { delta, kind, reason, idempotencyKey: key, actor: args.actor });
  return { balance: after.balance };
}
