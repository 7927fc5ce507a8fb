// The webhook inbox: every verified Stripe event is recorded under its id in
// the same transaction that applies it, so it takes effect exactly once however
// often Stripe delivers it (Stripe delivers at least once, sometimes twice at
// the same moment: Convex serializes the two mutations and the second sees
// the first's row).
import { omit } from "convex-helpers";
import type { ReadCtx, WriteCtx } from "../lib/db";
import type { IngestResult, StripeEventStatus } from "../lib/validators";
import { applyEvent } from "./stripeHandlers";
import { idOf, type StripeEvent } from "./stripeObjects";

// Convex documents hold at most 1 MiB (1,048,576 bytes of UTF-8, not
// characters: "€" is one character and three bytes). A body is kept whole for
// replay only up to MAX_PAYLOAD_BYTES, which leaves the row's other fields
// (ids, type, an error of at most 1,000 characters, a short note) tens of KB.
// Stripe events are a few KB; a larger one is still applied and recorded (id,
// type, times, object id, status, outcome), just without its body, so it
// cannot be replayed.
export const MAX_PAYLOAD_BYTES = 1_000_000;
const byteLength = (text: string) => new TextEncoder().encode(text).length;
const keptPayload = (body: string) => (byteLength(body) <= MAX_PAYLOAD_BYTES ? body : "");
/** The event's object, recorded even when the payload is not. */
const objectIdOf = (event: StripeEvent) => idOf(event.data.object.id);

/** The inbox row for a Stripe event id, or null. */
export async function findEvent(ctx: ReadCtx, eventId: string) {
  return await ctx.db
    .query("stripeEvents")
    .withIndex("by_eventId", (q) => q.eq("eventId", eventId))
    .unique();
}

/** Parses a verified body (the signature already proved Stripe sent it). */
export function parseEvent(body: string): StripeEvent {
  const event = JSON.parse(body) as Partial<StripeEvent>;
  if (
    typeof event.id !== "string" ||
    typeof event.type !== "string" ||
    typeof event.created !== "number" ||
    typeof event.data?.object !== "object" ||
    event.data.object === null
  ) {
    throw new Error("not a Stripe event");
  }
  return event as StripeEvent;
}

/**
 * Records and applies one event. A delivery of an event already recorded (and
 * not failed) changes nothing, unless `replay` asks to apply it again: the
 * handlers' own guards (event order, refill keys) keep a replay from granting
 * twice. A failed event is simply applied again. Throws on a processing
 * error, rolling everything back; the caller records the failure.
 */
export async function ingest(
  ctx: WriteCtx,
  args: { body: string; subscription?: string; replay?: boolean; now: number },
): Promise<IngestResult> {
  const event = parseEvent(args.body);
  const existing = await findEvent(ctx, event.id);
  if (existing !== null && existing.status !== "failed" && args.replay !== true) {
    return { kind: "duplicate", status: existing.status };
  }
  const fetched = args.subscription === undefined ? null : (JSON.parse(args.subscription) as Record<string, unknown>);
  const outcome = await applyEvent(ctx, event, fetched);
  if (outcome.kind === "needs_subscription") return outcome;
  const result = {
    status: outcome.status,
    attempts: (existing?.attempts ?? 0) + 1,
    lastError: null,
    processedAt: args.now,
    stripeCustomerId: outcome.stripeCustomerId,
    userId: outcome.userId,
    note: outcome.note,
  };
  if (existing === null) {
    await ctx.db.insert("stripeEvents", {
      eventId: event.id,
      type: event.type,
      receivedAt: args.now,
      eventCreatedAt: event.created * 1000,
      objectId: objectIdOf(event),
      payload: keptPayload(args.body),
      ...result,
    });
  } else {
    await ctx.db.patch("stripeEvents", existing._id, result);
  }
  return { kind: "recorded", status: outcome.status, note: outcome.note };
}

/**
 * Records a processing failure after its transaction rolled back: the attempt
 * and error, and the payload so the event can be replayed. An event that was
 * already applied keeps its status (only a replay can fail after success).
 */
export async function recordFailure(ctx: WriteCtx, args: { body: string; error: string; now: number }) {
  const event = parseEvent(args.body);
  const existing = await findEvent(ctx, event.id);
  const lastError = args.error.slice(0, 1000);
  if (existing !== null) {
    await ctx.db.patch("stripeEvents", existing._id, { attempts: existing.attempts + 1, lastError });
    return;
  }
  await ctx.db.insert("stripeEvents", {
    eventId: event.id,
    type: event.type,
    status: "failed",
    attempts: 1,
    lastError,
    receivedAt: args.now,
    processedAt: null,
    eventCreatedAt: event.created * 1000,
    objectId: objectIdOf(event),
    stripeCustomerId: null,
    userId: null,
    note: null,
    payload: keptPayload(args.body),
  });
}

/** The newest events with `status`, at most `limit` (an index range: bounded). */
export async function listEvents(ctx: ReadCtx, status: StripeEventStatus, limit: number) {
  const rows = await ctx.db
    .query("stripeEvents")
    .withIndex("by_status", (q) => q.eq("status", status))
    .order("desc")
    .take(limit);
  return rows.map((row) => omit(row, ["payload"]));
}
