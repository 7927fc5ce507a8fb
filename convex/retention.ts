// Retention jobs (README: "Data we keep"): crons.ts starts each once a day;
// a full batch schedules the next at once, so a backlog drains in small
// transactions and a day with nothing to do reads nothing. Periods are
// RETENTION in src/limits.ts.
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation } from "./lib/functions";
import { integerInRange } from "./lib/validate";
import * as V from "./lib/validators";
import { deleteEnded } from "./model/reservations";
import { reducePayloads } from "./model/stripeInbox";
import { RETENTION } from "../src/limits";

/** Reservations deleted per transaction: one index read and one delete each. */
export const RESERVATION_BATCH = 500;
/** Stripe payloads emptied per transaction at most (fewer when payloads are large: see `reducePayloads`). */
export const PAYLOAD_BATCH = 200;

/** Deletes reservations that ended more than RETENTION.endedReservations ago, a batch at a time. */
export const deleteEndedReservations = internalMutation({
  args: { batchSize: v.optional(v.number()) },
  returns: V.retentionBatch,
  handler: async (ctx, args) => {
    const batch = integerInRange("batchSize", args.batchSize ?? RESERVATION_BATCH, 1, 4_000);
    const { deleted, more } = await deleteEnded(ctx, Date.now() - RETENTION.endedReservations, batch);
    if (more) await ctx.scheduler.runAfter(0, internal.retention.deleteEndedReservations, args);
    return { done: deleted, more };
  },
});

/** Empties Stripe payloads processed more than RETENTION.stripePayloads ago, a batch at a time. */
export const reduceStripePayloads = internalMutation({
  args: { batchSize: v.optional(v.number()) },
  returns: V.retentionBatch,
  handler: async (ctx, args) => {
    const batch = integerInRange("batchSize", args.batchSize ?? PAYLOAD_BATCH, 1, 4_000);
    const { reduced, more } = await reducePayloads(ctx, Date.now() - RETENTION.stripePayloads, batch);
    if (more) await ctx.scheduler.runAfter(0, internal.retention.reduceStripePayloads, args);
    return { done: reduced, more };
  },
});
