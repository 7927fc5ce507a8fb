import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { MutationCtx } from "./_generated/server";
import { internalAction, internalMutation, userMutation } from "./lib/functions";
import { callStripe, stripeClient } from "./lib/stripe";
import * as V from "./lib/validators";
import type { DeletionBatch } from "./lib/validators";
import * as Deletion from "./model/accountDeletion";
import { onSignUp } from "./model/users";
import { appErrorOf, isAppError } from "../src/errors";
import { ACCOUNT_DELETION } from "../src/limits";

/**
 * Sign-up work for a new user: the profile and the credits account at the free
 * plan's allowance. Idempotent. The auth callback calls the same helper directly.
 */
export const createProfile = internalMutation({
  args: {
    userId: v.id("users"),
    email: v.string(),
    fullName: v.optional(v.string()),
    avatarUrl: v.optional(v.string()),
  },
  returns: v.object({ created: v.boolean(), profileId: v.id("profiles") }),
  handler: (ctx, args) => onSignUp(ctx, args),
});

/**
 * Deletes the caller's account and everything that names them (README,
 * "Account deletion"). The account is unusable when this returns; a large one
 * finishes in batches scheduled from here. Live Stripe subscriptions are
 * cancelled by a scheduled action. A second call answers UNAUTHENTICATED.
 */
export const deleteAccount = userMutation({
  args: {},
  returns: V.deletionBatch,
  // The service role does the work: the caller's row rules would (rightly)
  // refuse deleting auth records and the inbox's rows.
  handler: async (ctx): Promise<DeletionBatch> =>
    await ctx.runMutation(internal.users.deleteUser, { userId: ctx.userId }),
});

/** Deletes a user's account now (also `npx convex run users:deleteUser '{"userId": "..."}'` for an operator). */
export const deleteUser = internalMutation({
  args: { userId: v.id("users") },
  returns: V.deletionBatch,
  handler: async (ctx, { userId }) => await afterBatch(ctx, await Deletion.begin(ctx, userId, Date.now())),
});

/** The next batch of a deletion, scheduled by the one before while rows remain. */
export const continueDeletion = internalMutation({
  args: { deletionId: v.id("deletedAccounts") },
  returns: V.deletionBatch,
  handler: async (ctx, { deletionId }) => await afterBatch(ctx, await Deletion.runBatch(ctx, deletionId, Date.now())),
});

/** Schedules what a batch asks for: expiries cancelled, subscriptions cancelled at Stripe, the next batch. */
async function afterBatch(ctx: Pick<MutationCtx, "scheduler">, batch: Deletion.BatchOutcome): Promise<DeletionBatch> {
  for (const jobId of batch.expiryJobs) await ctx.scheduler.cancel(jobId);
  for (const stripeSubscriptionId of batch.cancel) {
    await ctx.scheduler.runAfter(0, internal.users.cancelSubscription, {
      deletionId: batch.deletionId,
      stripeSubscriptionId,
      attempt: 1,
    });
  }
  for (const stripeSessionId of batch.expireCheckouts) {
    await ctx.scheduler.runAfter(0, internal.users.expireCheckout, { stripeSessionId, attempt: 1 });
  }
  if (batch.more) await ctx.scheduler.runAfter(0, internal.users.continueDeletion, { deletionId: batch.deletionId });
  return { deleted: batch.deleted, more: batch.more };
}

/** Stripe's answers worth another attempt: rate limited (429), its own failures (5xx), no answer at all. */
const retryable = (status: number | null) => status === null || status === 429 || status >= 500;

/**
 * Cancels a deleted account's live subscription at Stripe (`DELETE
 * /v1/subscriptions/:id`), now: the account is gone, so there is nothing to
 * serve until the period ends. Retried with doubling waits on 429 and 5xx
 * (each attempt one request: the SDK's own retries are off), every attempt recorded.
 */
export const cancelSubscription = internalAction({
  args: { deletionId: v.id("deletedAccounts"), stripeSubscriptionId: v.string(), attempt: v.number() },
  returns: v.null(),
  handler: async (ctx, { deletionId, stripeSubscriptionId, attempt }) => {
    let status: Deletion.CancellationStatus = "canceled";
    let error: string | null = null;
    try {
      const stripe = stripeClient();
      await callStripe("cancel the subscription", () =>
        stripe.subscriptions.cancel(stripeSubscriptionId, {}, { maxNetworkRetries: 0 }),
      );
    } catch (thrown) {
      const data = appErrorOf(thrown);
      const httpStatus = isAppError(thrown, "STRIPE_ERROR") ? (thrown.data.status ?? null) : null;
      error =
        data === null ? String(thrown).slice(0, 300) : `${data.code}: ${data.message} (${httpStatus ?? "no answer"})`;
      // No app error at all: the request never got an answer (a network failure).
      const again = (data === null || data.code === "STRIPE_ERROR") && retryable(httpStatus);
      status = again && attempt < ACCOUNT_DELETION.cancelAttempts ? "pending" : "failed";
    }
    await ctx.runMutation(internal.users.recordCancellation, {
      deletionId,
      stripeSubscriptionId,
      status,
      attempts: attempt,
      error,
    });
    if (status === "pending") {
      const wait = ACCOUNT_DELETION.cancelBackoff * 2 ** (attempt - 1);
      await ctx.scheduler.runAfter(wait, internal.users.cancelSubscription, {
        deletionId,
        stripeSubscriptionId,
        attempt: attempt + 1,
      });
    }
    return null;
  },
});

/**
 * Closes a deleted account's open Checkout session at Stripe, so it cannot be
 * paid: retried like `cancelSubscription` on 429 and 5xx; any other refusal
 * (already expired, already complete) ends it. Nothing is recorded: the
 * account's rows are gone, and a session paid anyway arrives as a webhook
 * for a deleted account's customer.
 */
export const expireCheckout = internalAction({
  args: { stripeSessionId: v.string(), attempt: v.number() },
  returns: v.null(),
  handler: async (ctx, { stripeSessionId, attempt }) => {
    try {
      const stripe = stripeClient();
      await callStripe("close the checkout", () =>
        stripe.checkout.sessions.expire(stripeSessionId, {}, { maxNetworkRetries: 0 }),
      );
    } catch (thrown) {
      const data = appErrorOf(thrown);
      const httpStatus = isAppError(thrown, "STRIPE_ERROR") ? (thrown.data.status ?? null) : null;
      const again = (data === null || data.code === "STRIPE_ERROR") && retryable(httpStatus);
      if (again && attempt < ACCOUNT_DELETION.cancelAttempts) {
        const wait = ACCOUNT_DELETION.cancelBackoff * 2 ** (attempt - 1);
        await ctx.scheduler.runAfter(wait, internal.users.expireCheckout, { stripeSessionId, attempt: attempt + 1 });
      }
    }
    return null;
  },
});

/** Records one attempt of `cancelSubscription` on the deletedAccounts row. */
export const recordCancellation = internalMutation({
  args: {
    deletionId: v.id("deletedAccounts"),
    stripeSubscriptionId: v.string(),
    status: V.cancellationStatus,
    attempts: v.number(),
    error: v.union(v.string(), v.null()),
  },
  returns: v.null(),
  handler: async (ctx, { deletionId, ...attempt }) => {
    await Deletion.recordCancellation(ctx, deletionId, attempt);
    return null;
  },
});
