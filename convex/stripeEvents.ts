import { v } from "convex/values";
import { internal } from "./_generated/api";
import { httpAction, type ActionCtx } from "./_generated/server";
import { fail } from "./lib/errors";
import { internalAction, internalMutation, internalQuery } from "./lib/functions";
import { callStripe, stripeClient, verifySignature } from "./lib/stripe";
import { integerInRange } from "./lib/validate";
import * as V from "./lib/validators";
import type { Delivery } from "./lib/validators";
import type { Actor } from "./model/audit";
import * as Operators from "./model/operators";
import * as Inbox from "./model/stripeInbox";

// POST /stripe/webhook (routed in http.ts) and the service functions around
// the webhook inbox. What each event does is in model/stripeHandlers.ts.

/**
 * Records a verified body and applies it, in one transaction; a body that is
 * no event is recorded as failed (see model/stripeInbox.ts).
 */
export const ingest = internalMutation({
  args: { body: v.string(), subscription: v.optional(v.string()), replay: v.optional(v.boolean()) },
  returns: V.ingestResult,
  handler: async (ctx, args) => {
    const result = await Inbox.ingest(ctx, { ...args, now: Date.now() });
    if (result.kind === "recorded" && result.cancel !== undefined) {
      await ctx.scheduler.runAfter(0, internal.users.cancelSubscription, { ...result.cancel, attempt: 1 });
    }
    return result;
  },
});

/** Records a failed attempt after its transaction rolled back. */
export const recordFailure = internalMutation({
  args: { body: v.string(), error: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    await Inbox.recordFailure(ctx, { ...args, now: Date.now() });
    return null;
  },
});

/**
 * Events by status, newest first, without payloads: `unmatched`, `failed` and
 * `needs_attention` are the reconciliation lists.
 * `npx convex run stripeEvents:list '{"status": "unmatched"}'`
 */
export const list = internalQuery({
  args: { status: V.stripeEventStatus, limit: v.optional(v.number()) },
  returns: v.array(V.stripeEventSummary),
  handler: (ctx, args) => Inbox.listEvents(ctx, args.status, integerInRange("limit", args.limit ?? 50, 1, 200)),
});

/** The stored body of a recorded event, or null. */
export const payloadOf = internalQuery({
  args: { eventId: v.string() },
  returns: v.union(v.string(), v.null()),
  handler: async (ctx, { eventId }) => {
    const row = await Inbox.findEvent(ctx, eventId);
    return row === null || row.payload === "" ? null : row.payload;
  },
});

/**
 * Applies a recorded event again from its stored (verified) payload, e.g. an
 * unmatched one after linking its customer. Safe on any event: refills are
 * once per invoice, upgrades once per event, and older changes are ignored.
 * `npx convex run stripeEvents:replay '{"eventId": "evt_..."}'`
 */
export const replay = internalAction({
  args: { eventId: v.string() },
  returns: V.delivery,
  handler: (ctx, { eventId }) => replayEvent(ctx, "cli", eventId),
});

/** Audits a replay after it ran (the action that replays has no db). */
export const recordReplay = internalMutation({
  args: { actor: V.actor, eventId: v.string(), status: V.stripeEventStatus },
  returns: v.null(),
  handler: async (ctx, { actor, eventId, status }) => {
    await Operators.recordReplay(ctx, actor, eventId, status);
    return null;
  },
});

/**
 * Replays a recorded event for `actor` (`api.admin.replayEvent`, or "cli"):
 * NOT_FOUND, and nothing recorded, when no payload is stored for it;
 * otherwise delivered again and audited with its outcome.
 */
export async function replayEvent(
  ctx: Pick<ActionCtx, "runQuery" | "runMutation">,
  actor: Actor,
  eventId: string,
): Promise<Delivery> {
  const body = await ctx.runQuery(internal.stripeEvents.payloadOf, { eventId });
  if (body === null) {
    fail("NOT_FOUND", `No stored payload for event ${eventId} (unknown, too large to keep, or emptied by retention)`, {
      eventId,
    });
  }
  const result = await deliver(ctx, body, true);
  await ctx.runMutation(internal.stripeEvents.recordReplay, { actor, eventId, status: result.status });
  return result;
}

/** Stripe's webhook endpoint: verify the signature, then hand the whole body to `ingest`. */
export const webhook = httpAction(async (ctx, request) => {
  const secret = process.env.STRIPE_WEBHOOK_SECRET;
  if (!secret) {
    // 500, not 400: nothing is wrong with the event, and Stripe will retry it
    // once the secret is set.
    console.error("STRIPE_WEBHOOK_SECRET is not set; Stripe events are not being processed");
    return new Response("Webhook not configured", { status: 500 });
  }
  const body = await request.text();
  if (!(await verifySignature(body, request.headers.get("stripe-signature"), secret))) {
    return new Response("Invalid signature", { status: 400 });
  }
  const result = await deliver(ctx, body, false);
  if (result.ok) return Response.json(result);
  // Signed but not an event we can apply (a thin event, no data.object):
  // recorded as failed; a client error, as no retry can fix it.
  if (result.rejected) return Response.json(result, { status: 400 });
  // The error stays in the inbox row; Stripe only needs to know to retry.
  return new Response("Processing failed; retry later", { status: 500 });
});

/**
 * Runs `ingest`; if it needs the event's subscription (an invoice for one not
 * stored yet), fetches it from Stripe and runs `ingest` again with it. A
 * failure anywhere is recorded and reported, so Stripe retries the event; a
 * body that is no event was recorded by `ingest` and is reported `rejected`.
 */
async function deliver(ctx: Pick<ActionCtx, "runMutation">, body: string, replay: boolean): Promise<Delivery> {
  try {
    let result = await ctx.runMutation(internal.stripeEvents.ingest, { body, replay });
    if (result.kind === "needs_subscription") {
      const id = result.stripeSubscriptionId;
      const subscription = await callStripe("read a subscription", () => stripeClient().subscriptions.retrieve(id));
      result = await ctx.runMutation(internal.stripeEvents.ingest, {
        body,
        replay,
        subscription: JSON.stringify(subscription),
      });
      if (result.kind === "needs_subscription") throw new Error(`subscription ${id} could not be stored`);
    }
    if (result.kind === "rejected") {
      console.error(`Stripe webhook body rejected: ${result.error}`);
      return { ok: false, status: "failed", duplicate: false, rejected: true, note: result.error };
    }
    const duplicate = result.kind === "duplicate";
    const note = result.kind === "recorded" ? result.note : null;
    return { ok: true, status: result.status, duplicate, rejected: false, note };
  } catch (error) {
    const message = describe(error);
    console.error(`Stripe event failed: ${message}`);
    await ctx.runMutation(internal.stripeEvents.recordFailure, { body, error: message });
    return { ok: false, status: "failed", duplicate: false, rejected: false, note: message };
  }
}

function describe(error: unknown): string {
  const data = (error as { data?: { code?: string; message?: string } }).data;
  if (data?.code !== undefined) return `${data.code}: ${data.message ?? ""}`;
  return error instanceof Error ? error.message : String(error);
}
