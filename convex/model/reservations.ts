// The owner of the `creditReservations` table. A reservation holds credits for
// long-running work (an AI call made from an action): reserve takes them from
// the balance at once, so two concurrent jobs cannot both spend them; commit
// charges all or part and returns the rest; release returns all; the expiry
// that reserveCredits schedules releases whatever is still held. The job's id
// is kept on the row so that commit and release hand it back for the caller
// to cancel (scheduling stays in registered functions). How held credits meet
// a refill: README, "Reservations and refills", and `settle`.
import type { Doc, Id } from "../_generated/dataModel";
import type { WriteCtx } from "../lib/db";
import { fail } from "../lib/errors";
import { integerInRange } from "../lib/validate";
import type { ReservationStatus } from "../lib/validators";
import { QUOTAS } from "../../src/limits";
import { creditAmount } from "./credits";
import { changeBalance, requireAccount } from "./ledger";

export const DEFAULT_TTL_SECONDS = 10 * 60;
export const MAX_TTL_SECONDS = 24 * 60 * 60;

/**
 * Takes `amount` from the balance and holds it until commit, release or
 * `ttlSeconds` pass. The caller schedules the expiry at `expiresAt`. A user
 * holds at most QUOTAS.heldReservations at once (LIMIT_REACHED with `limit`):
 * each one is a row, a ledger entry and a pending job, and releasing one costs
 * nothing, so the balance alone does not bound them.
 */
export async function reserve(ctx: WriteCtx, userId: Id<"users">, args: { amount: number; ttlSeconds?: number }) {
  const amount = creditAmount("amount", args.amount);
  const ttl = integerInRange("ttlSeconds", args.ttlSeconds ?? DEFAULT_TTL_SECONDS, 1, MAX_TTL_SECONDS);
  const limit = QUOTAS.heldReservations;
  // Reads at most `limit` held rows (never the ended ones) through the index.
  const held = await ctx.db
    .query("creditReservations")
    .withIndex("by_userId_and_status", (q) => q.eq("userId", userId).eq("status", "held"))
    .take(limit);
  if (held.length >= limit) {
    fail("LIMIT_REACHED", `You can hold at most ${limit} reservations: commit or release one first`, { limit });
  }
  const account = await requireAccount(ctx, userId);
  if (account.balance < amount) {
    fail("INSUFFICIENT_CREDITS", "Not enough credits", { balance: account.balance, required: amount });
  }
  const expiresAt = Date.now() + ttl * 1000;
  const reservationId = await ctx.db.insert("creditReservations", {
    userId,
    amount,
    status: "held",
    expiresAt,
    refillCountAtReserve: account.refillCount,
  });
  const after = await changeBalance(ctx, account, {
    delta: -amount,
    kind: "reserve",
    reason: `Reservation ${reservationId}`,
  });
  return { reservationId, balance: after.balance, expiresAt };
}

/** Records the job the caller scheduled to expire a reservation, so commit and release can hand it back. */
export async function recordExpiryJob(
  ctx: WriteCtx,
  reservationId: Id<"creditReservations">,
  expiryJobId: Id<"_scheduled_functions">,
) {
  await ctx.db.patch("creditReservations", reservationId, { expiryJobId });
}

/**
 * Charges `amount` (default: all) of a held reservation and returns the rest.
 * Owner only. Also returns the expiry job, now pointless, for the caller to cancel.
 */
export async function commit(ctx: WriteCtx, userId: Id<"users">, args: { reservationId: string; amount?: number }) {
  const reservation = await heldReservation(ctx, userId, args.reservationId);
  const charged = integerInRange("amount", args.amount ?? reservation.amount, 1, reservation.amount);
  const outcome = await settle(ctx, reservation, charged, "committed");
  return { outcome, expiryJobId: reservation.expiryJobId ?? null };
}

/** Returns all the credits of a held reservation. Owner only. Also returns the expiry job for the caller to cancel. */
export async function release(ctx: WriteCtx, userId: Id<"users">, args: { reservationId: string }) {
  const reservation = await heldReservation(ctx, userId, args.reservationId);
  const outcome = await settle(ctx, reservation, 0, "released");
  return { outcome, expiryJobId: reservation.expiryJobId ?? null };
}

/**
 * The scheduled end of a reservation's time-to-live: releases it if still
 * held, else nothing (commit and release cancel it, but a job already running
 * cannot be cancelled, and rows made before the job id was kept have none).
 */
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

/**
 * Ends a reservation: charges `charged` and returns the rest, unless a refill
 * started a new period since it was made. Held credits belong to the period
 * they were reserved in: a refill set the balance to the allowance without
 * them, so returning them now would count them twice. They lapse with their
 * period instead, as a 0-credit `release` entry whose reason says so.
 */
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
  const lapsed = account.refillCount !== reservation.refillCountAtReserve;
  const after = await changeBalance(ctx, account, {
    delta: lapsed ? 0 : rest,
    kind: "release",
    reason: lapsed
      ? `Reservation ${reservation._id} ${status}: ${rest} unused credits lapsed with their period at the refill`
      : `Reservation ${reservation._id} ${status}: ${rest} unused credits returned`,
  });
  return { balance: after.balance, charged, returned: lapsed ? 0 : rest };
}

/**
 * Deletes up to `limit` of the user's reservations (account deletion).
 * Returns how many, the credits the held ones still held (part of the final
 * balance), and their pending expiry jobs for the caller to cancel.
 */
export async function deleteReservations(ctx: WriteCtx, userId: Id<"users">, limit: number) {
  // Held ones first (at most the quota of them): their expiries are cancelled
  // in the first batch, whatever number of ended rows sort before them.
  const held = await ctx.db
    .query("creditReservations")
    .withIndex("by_userId_and_status", (q) => q.eq("userId", userId).eq("status", "held"))
    .take(limit);
  const ended =
    held.length >= limit
      ? []
      : await ctx.db
          .query("creditReservations")
          .withIndex("by_userId_and_status", (q) => q.eq("userId", userId))
          .take(limit);
  const rows = [...held, ...ended.filter((row) => row.status !== "held")].slice(0, limit);
  let heldCredits = 0;
  const expiryJobs: Id<"_scheduled_functions">[] = [];
  for (const row of rows) {
    if (row.status === "held") {
      heldCredits += row.amount;
      if (row.expiryJobId !== undefined) expiryJobs.push(row.expiryJobId);
    }
    await ctx.db.delete("creditReservations", row._id);
  }
  return { deleted: rows.length, held: heldCredits, expiryJobs };
}

/** How a reservation can end: every status but `held`. */
export const ENDED_STATUSES = ["committed", "released", "expired"] as const satisfies ReservationStatus[];

/**
 * Retention: deletes up to `limit` reservations that ended before `endedBefore`
 * (an ended row is never written again, so its `updatedAt` is when it ended).
 * Reads only rows it deletes, through `by_status_and_updatedAt`. The ledger
 * keeps what each one charged and returned. `more` says the batch was full.
 */
export async function deleteEnded(ctx: WriteCtx, endedBefore: number, limit: number) {
  let deleted = 0;
  for (const status of ENDED_STATUSES) {
    const rows = await ctx.db
      .query("creditReservations")
      .withIndex("by_status_and_updatedAt", (q) => q.eq("status", status).lt("updatedAt", endedBefore))
      .take(limit - deleted);
    for (const row of rows) await ctx.db.delete("creditReservations", row._id);
    deleted += rows.length;
    if (deleted === limit) return { deleted, more: true };
  }
  return { deleted, more: false };
}
