import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { internalMutation, userMutation, userQuery } from "./lib/functions";
import * as Credits from "./model/credits";
import * as Refills from "./model/refills";
import * as Reservations from "./model/reservations";
import {
  creditBalanceValidator,
  creditSummaryValidator,
  ledgerEntryDoc,
  reservationOutcomeValidator,
  reserveResultValidator,
} from "./schema";

// The credits API. Each function validates, is authorized by its builder, and
// delegates to model/credits.ts, model/reservations.ts or model/refills.ts.

/** The caller's balance, monthly allowance, and last and next refill times (null before sign-up completes). */
export const getCredits = userQuery({
  args: {},
  returns: v.union(creditSummaryValidator, v.null()),
  handler: async (ctx) => {
    const account = await Credits.getAccount(ctx, ctx.userId);
    return account === null ? null : Credits.summary(account);
  },
});

/** Spends credits now; INSUFFICIENT_CREDITS (with the balance) and nothing changed when short. */
export const consumeCredits = userMutation({
  args: { amount: v.number(), reason: v.optional(v.string()), idempotencyKey: v.optional(v.string()) },
  returns: creditBalanceValidator,
  handler: (ctx, args) => Credits.consume(ctx, ctx.userId, args),
});

/** Holds credits for long-running work until committed, released, or `ttlSeconds` (default 600) pass. */
export const reserveCredits = userMutation({
  args: { amount: v.number(), ttlSeconds: v.optional(v.number()) },
  returns: reserveResultValidator,
  handler: (ctx, args) => Reservations.reserve(ctx, ctx.userId, args),
});

/** Charges all (or `amount`) of the caller's held reservation and returns the rest. */
export const commitReservation = userMutation({
  // A string, not v.id: a malformed id is NOT_FOUND like any other unknown one.
  args: { reservationId: v.string(), amount: v.optional(v.number()) },
  returns: reservationOutcomeValidator,
  handler: (ctx, args) => Reservations.commit(ctx, ctx.userId, args),
});

/** Returns all the credits of the caller's held reservation. */
export const releaseReservation = userMutation({
  args: { reservationId: v.string() },
  returns: reservationOutcomeValidator,
  handler: (ctx, args) => Reservations.release(ctx, ctx.userId, args),
});

/** The caller's ledger, newest first. */
export const listCreditHistory = userQuery({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(ledgerEntryDoc),
  handler: (ctx, args) => Credits.history(ctx, ctx.userId, args.paginationOpts),
});

/** Scheduled at reserve time for the end of the time-to-live: releases the reservation if still held. */
export const expireReservation = internalMutation({
  args: { reservationId: v.id("creditReservations") },
  returns: v.union(reservationOutcomeValidator, v.null()),
  handler: (ctx, args) => Reservations.expire(ctx, args.reservationId),
});

/** Refills every account due now, in batches that schedule the next; run hourly by crons.ts. */
export const refillDue = internalMutation({
  args: { batchSize: v.optional(v.number()) },
  returns: v.object({ refilled: v.number(), more: v.boolean() }),
  handler: (ctx, args) => Refills.refillDue(ctx, args.batchSize),
});

/** An operator's correction or refund (`npx convex run credits:adjustCredits`). */
export const adjustCredits = internalMutation({
  args: {
    userId: v.id("users"),
    delta: v.number(),
    reason: v.string(),
    idempotencyKey: v.optional(v.string()),
    kind: v.optional(v.union(v.literal("adjust"), v.literal("refund"))),
  },
  returns: creditBalanceValidator,
  handler: (ctx, { userId, idempotencyKey, ...args }) =>
    Credits.adjust(ctx, userId, { ...args, key: idempotencyKey }),
});
