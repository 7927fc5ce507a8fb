import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { fail } from "../lib/errors";
import type { WriteCtx } from "../lib/functions";
import { integerInRange } from "../lib/validate";
import type { ReservationStatus } from "../schema";
import { changeBalance, creditAmount, requireAccount } from "./credits";

/**
 * Reservations hold credits for long-running work (an AI call made from an
 * action): reserve takes them from the balance at once, so two concurrent jobs
 * cannot both spend the same credits; commit charges all or part and gives the
 * rest back; release gives all back; a scheduled function releases whatever is
 * still held when the time-to-live runs out.
 *
 * Refills and held credits. A refill SETS the balance to the allowance, and
 * held credits are not in the balance. So held credits belong to the period
 * they were reserved in: committed, they were spent in that period; released
 * after a refill, they lapse with it (as the old period's unused credits did)
 * instead of landing on top of the fresh allowance. Otherwise a refill plus a
 * release would count them twice. A reservation knows its period by the
 * account's `refillCount` when it was made; a lapse is recorded in the ledger
 * as a 0-credit `release` entry so the history explains it.
 */

export const DEFAULT_TTL_SECONDS = 10 * 60;
export const MAX_TTL_SECONDS = 24 * 60 * 60;

/** Takes `amount` from the balance and holds it until commit, release or `ttlSeconds` pass. */
export async function reserve(
  ctx: WriteCtx,
  userId: Id<"users">,
  args: { amount: number; ttlSeconds?: number },
) {
  const amount = creditAmount("amount", args.amount);
  const ttl = integerInRange("ttlSeconds", args.ttlSeconds ?? DEFAULT_TTL_SECONDS, 1, MAX_TTL_SECONDS);
  const account = await requireAccount(ctx, userId);
  if (account.balance < amount) {
    fail("INSUFFICIENT_CREDITS", "Not enough credits", { balance: account.balance, required: amount });
  }
  const reservationId = await ctx.db.insert("creditReservations", {
    userId,
    amount,
    status: "held",
    expiresAt: Date.now() + ttl * 1000,
    period: account.refillCount ?? 0,
  });
  const after = await changeBalance(ctx, account, {
    delta: -amount,
    kind: "reserve",
    reason: `Reservation ${reservationId}`,
  });
  await ctx.scheduler.runAfter(ttl * 1000, internal.credits.expireReservation, { reservationId });
  return { reservationId, balance: after.balance };
}

/** Charges `amount` (default: all) of a held reservation and returns the rest. Owner only. */
export async function commit(
  ctx: WriteCtx,
  userId: Id<"users">,
  args: { reservationId: string; amount?: number },
) {
  const reservation = await heldReservation(ctx, userId, args.reservationId);
  const charged = integerInRange("amount", args.amount ?? reservation.amount, 1, reservation.amount);
  return await settle(ctx, reservation, charged, "committed");
}

/** Returns all the credits of a held reservation. Owner only. */
export async function release(ctx: WriteCtx, userId: Id<"users">, args: { reservationId: string }) {
  const reservation = await heldReservation(ctx, userId, args.reservationId);
  return await settle(ctx, reservation, 0, "released");
}

/** The scheduled end of a reservation's time-to-live: releases it if still held, else nothing. */
export async function expire(ctx: WriteCtx, reservationId: Id<"creditReservations">) {
  const reservation = await ctx.db.get("creditReservations", reservationId);
  if (reservation === null || reservation.status !== "held") return null;
  return await settle(ctx, reservation, 0, "expired");
}

/**
 * The caller's reservation, still held. Someone else's and a missing one get
 * the same NOT_FOUND (the row rules hide others' rows), so ids reveal nothing.
 */
async function heldReservation(ctx: WriteCtx, userId: Id<"users">, rawId: string) {
  const id = ctx.db.normalizeId("creditReservations", rawId);
  const reservation = id === null ? null : await ctx.db.get("creditReservations", id);
  // The row rules already hide others' rows; checked again so the helper is
  // safe from a service-role context too.
  if (reservation === null || reservation.userId !== userId) fail("NOT_FOUND", "No such reservation");
  if (reservation.status !== "held") {
    fail("CONFLICT", `This reservation was already ${reservation.status}`, { status: reservation.status });
  }
  // Past its time-to-live it is the expiry's to release (scheduled for that
  // very moment); committing it now would race the timer the client was promised.
  if (Date.now() >= reservation.expiresAt) {
    fail("CONFLICT", "This reservation has expired", { status: "expired" });
  }
  return reservation;
}

/** Ends a reservation: charges `charged`, returns the rest to the balance unless a refill has reset it since. */
async function settle(
  ctx: WriteCtx,
  reservation: Doc<"creditReservations">,
  charged: number,
  status: Exclude<ReservationStatus, "held">,
) {
  await ctx.db.patch("creditReservations", reservation._id, { status, charged });
  const rest = reservation.amount - charged;
  const account = await requireAccount(ctx, reservation.userId);
  if (rest === 0) return { balance: account.balance, charged, returned: 0 };
  const lapsed = (account.refillCount ?? 0) !== reservation.period;
  const after = await changeBalance(ctx, account, {
    delta: lapsed ? 0 : rest,
    kind: "release",
    reason: lapsed
      ? `Reservation ${reservation._id} ${status}: ${rest} unused credits lapsed with their period at the refill`
      : `Reservation ${reservation._id} ${status}: ${rest} unused credits returned`,
  });
  return { balance: after.balance, charged, returned: lapsed ? 0 : rest };
}
