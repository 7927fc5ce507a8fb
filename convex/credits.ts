import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
import { internalMutation, userMutation, userQuery } from "./lib/functions";
import * as V from "./lib/validators";
import * as Credits from "./model/credits";
import * as Operators from "./model/operators";
import * as Ledger from "./model/ledger";
import * as RateLimits from "./model/rateLimits";
import * as Refills from "./model/refills";
import * as Reservations from "./model/reservations";

// The credits API. Each function validates, is authorized by its builder, and
// delegates to the model; follow-up work (expiries, the sweep's next batch) is
// scheduled here, so model modules stay plain functions of `ctx`.

/** The caller's balance, monthly allowance, and last and next refill times (null before sign-up completes). */
export const getCredits = userQuery({
  args: {},
  returns: v.union(V.creditSummary, v.null()),
  handler: async (ctx) => {
    const account = await Ledger.getAccount(ctx, ctx.userId);
    return account === null ? null : Ledger.creditSummary(account);
  },
});

/** Spends credits now; INSUFFICIENT_CREDITS (with the balance) and nothing changed when short. */
export const consumeCredits = userMutation({
  args: { amount: v.number(), reason: v.optional(v.string()), idempotencyKey: v.optional(v.string()) },
  returns: V.creditBalance,
  handler: (ctx, args) => Credits.consume(ctx, ctx.userId, args),
});

/**
 * Holds credits for long-running work until committed, released, or
 * `ttlSeconds` (default 600) pass. At most 20 held at once (LIMIT_REACHED) and
 * 60 a minute, 30 in a burst (RATE_LIMITED): src/limits.ts. Commit, release
 * and consume are not rate-limited: the balance bounds them, and a bucket
 * would add a read and a write to every spend.
 */
export const reserveCredits = userMutation({
  args: { amount: v.number(), ttlSeconds: v.optional(v.number()) },
  returns: V.reservation,
  handler: async (ctx, args) => {
    await RateLimits.spend(ctx, "reserveCredits", ctx.userId);
    const { reservationId, balance, expiresAt } = await Reservations.reserve(ctx, ctx.userId, args);
    const expiryJobId = await ctx.scheduler.runAt(expiresAt, internal.credits.expireReservation, { reservationId });
    await Reservations.recordExpiryJob(ctx, reservationId, expiryJobId);
    return { reservationId, balance };
  },
});

/** Charges all (or `amount`) of the caller's held reservation and returns the rest. */
export const commitReservation = userMutation({
  // A string, not v.id: a malformed id is NOT_FOUND like any other unknown one.
  args: { reservationId: v.string(), amount: v.optional(v.number()) },
  returns: V.reservationOutcome,
  handler: async (ctx, args) => {
    const { outcome, expiryJobId } = await Reservations.commit(ctx, ctx.userId, args);
    await cancelExpiry(ctx, expiryJobId);
    return outcome;
  },
});

/** Returns all the credits of the caller's held reservation. */
export const releaseReservation = userMutation({
  args: { reservationId: v.string() },
  returns: V.reservationOutcome,
  handler: async (ctx, args) => {
    const { outcome, expiryJobId } = await Reservations.release(ctx, ctx.userId, args);
    await cancelExpiry(ctx, expiryJobId);
    return outcome;
  },
});

/**
 * Cancels the expiry of a reservation that has ended, so no job is left
 * pending for it. A reservation made before job ids were kept has none: its
 * expiry runs and finds it ended.
 */
async function cancelExpiry(ctx: Pick<MutationCtx, "scheduler">, expiryJobId: Id<"_scheduled_functions"> | null) {
  if (expiryJobId !== null) await ctx.scheduler.cancel(expiryJobId);
}

/** The caller's ledger, newest first; `numItems` 1..100 (INVALID_ARGUMENT otherwise). */
export const listCreditHistory = userQuery({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(V.ledgerEntryDoc),
  handler: (ctx, args) => Ledger.ledgerPage(ctx, ctx.userId, args.paginationOpts),
});

/** Scheduled at reserve time for the end of the time-to-live: releases the reservation if still held. */
export const expireReservation = internalMutation({
  args: { reservationId: v.id("creditReservations") },
  returns: v.union(V.reservationOutcome, v.null()),
  handler: (ctx, args) => Reservations.expire(ctx, args.reservationId),
});

/** Refills every account due now, in batches that schedule the next; run hourly by crons.ts. */
export const refillDue = internalMutation({
  args: { batchSize: v.optional(v.number()) },
  returns: V.sweepResult,
  handler: async (ctx, args) => {
    const result = await Refills.refillDue(ctx, args.batchSize);
    // A full batch may have left accounts behind; an empty next run costs nothing.
    if (result.more) await ctx.scheduler.runAfter(0, internal.credits.refillDue, args);
    return result;
  },
});

/** An operator's correction or refund (`npx convex run credits:adjustCredits`), audited with actor "cli". */
export const adjustCredits = internalMutation({
  args: {
    userId: v.id("users"),
    delta: v.number(),
    reason: v.string(),
    idempotencyKey: v.optional(v.string()),
    kind: v.optional(v.union(v.literal("adjust"), v.literal("refund"))),
  },
  returns: V.creditBalance,
  handler: (ctx, args) => Operators.adjustCredits(ctx, "cli", args),
});
