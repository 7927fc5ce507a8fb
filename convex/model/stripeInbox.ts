// The webhook inbox: every verified Stripe event is recorded under its id in
// the same transaction that applies it, so it takes effect exactly once however
// often Stripe delivers it (Stripe delivers at least once, sometimes twice at
// the same moment: Convex serializes the two mutations and the second sees
// the first's row).
import { omit } from "convex-helpers";
import type { PaginationOptions, TransactionMetrics } from "convex/server";
import type { Id } from "../_generated/dataModel";
import type { ReadCtx, WriteCtx } from "../lib/db";
import type { IngestResult, InboxHealth, StripeEventStatus } from "../lib/validators";
import { applyEvent } from "./stripeHandlers";
import { idOf, msFromSeconds, type StripeEvent } from "./stripeObjects";

// The inbox never trips over one event: whatever a correctly signed body
// holds, it is recorded, and nothing in it can make the inbox throw.
//
// Convex documents hold at most 1 MiB (1,048,576 bytes of UTF-8, not
// characters: "€" is one character and three bytes). A body is kept whole for
// replay only up to MAX_PAYLOAD_BYTES, which leaves the row's other fields
// (ids and type of at most 255 characters each, an error of at most 1,000, a
// short note) tens of KB. Stripe events are a few KB; a larger one is still
// applied and recorded (id, type, times, object id, status, outcome), just
// without its body, so it cannot be replayed.
export const MAX_PAYLOAD_BYTES = 1_000_000;
const byteLength = (text: string) => new TextEncoder().encode(text).length;
const keptPayload = (body: string) => (byteLength(body) <= MAX_PAYLOAD_BYTES ? body : "");

/** Stripe ids and event types are far shorter; anything longer is not one, and would crowd the row. */
const MAX_FIELD_CHARS = 255;

/** Recorded for a thin event (Stripe's v2 event notifications), which carries no object to apply. */
export const THIN_EVENT_NOTE =
  "Thin events (v2.core.event) are not supported: subscribe this endpoint to snapshot events " +
  "(the event destination's payload style: Snapshot)";

/** What the inbox row records of a delivery besides its outcome; read from any body, whatever it holds. */
export type EventFacts = {
  /** The event id, or `body-sha256:<hex>` for a body without a usable one. */
  eventId: string;
  type: string;
  /** ms; null when the body has no readable `created`. */
  eventCreatedAt: number | null;
  /** `data.object.id`, or a thin event's `related_object.id`. */
  objectId: string | null;
};

/** A verified body: a snapshot event to apply, or why it cannot be one. Both carry what the inbox records of it. */
export type ReadBody =
  | { kind: "event"; event: StripeEvent; facts: EventFacts }
  | { kind: "rejected"; facts: EventFacts; error: string; note: string | null };

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const shortString = (value: unknown) =>
  typeof value === "string" && value !== "" && value.length <= MAX_FIELD_CHARS ? value : null;

/**
 * Reads a verified body (the signature already proved Stripe sent it). Never
 * throws: a body that is not a snapshot event (not JSON, `{}`, no
 * `data.object`, a thin event) comes back rejected, with the reason.
 */
export async function readBody(body: string): Promise<ReadBody> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  const raw = isObject(json) ? json : {};
  const data = isObject(raw.data) ? raw.data : {};
  const facts: EventFacts = {
    eventId: shortString(raw.id) ?? `body-sha256:${await sha256Hex(body)}`,
    type: shortString(raw.type) ?? "unknown",
    eventCreatedAt: msFromSeconds(raw.created) ?? isoMs(raw.created),
    objectId: shortString(idOf(isObject(data.object) ? data.object.id : undefined) ?? idOf(raw.related_object)),
  };
  if (raw.object === "v2.core.event") return { kind: "rejected", facts, error: THIN_EVENT_NOTE, note: THIN_EVENT_NOTE };
  const problem = json === undefined ? "the body is not JSON" : notAnEventBecause(json);
  if (problem !== null) {
    return { kind: "rejected", facts, error: `Not a Stripe snapshot event: ${problem}`, note: null };
  }
  return { kind: "event", event: raw as StripeEvent, facts };
}

/** The inbox row for a Stripe event id, or null. */
export async function findEvent(ctx: ReadCtx, eventId: string) {
  return await ctx.db
    .query("stripeEvents")
    .withIndex("by_eventId", (q) => q.eq("eventId", eventId))
    .unique();
}

/**
 * Records and applies one verified body. A delivery of an event already
 * recorded (and not failed) changes nothing, unless `replay` asks to apply it
 * again: the handlers' own guards (event order, refill keys) keep a replay
 * from granting twice. A failed event is simply applied again. A body that is
 * not a snapshot event is recorded as failed and reported `rejected`. Throws
 * on a processing error, rolling everything back; the caller records the failure.
 */
export async function ingest(
  ctx: WriteCtx,
  args: { body: string; subscription?: string; replay?: boolean; now: number },
): Promise<IngestResult> {
  const read = await readBody(args.body);
  if (read.kind === "rejected") {
    await recordFailed(ctx, read.facts, { ...args, error: read.error, note: read.note });
    return { kind: "rejected", error: read.error };
  }
  const { event, facts } = read;
  const existing = await findEvent(ctx, facts.eventId);
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
    await ctx.db.insert("stripeEvents", { ...facts, receivedAt: args.now, payload: keptPayload(args.body), ...result });
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
  const read = await readBody(args.body);
  await recordFailed(ctx, read.facts, { ...args, note: read.kind === "rejected" ? read.note : null });
}

async function recordFailed(
  ctx: WriteCtx,
  facts: EventFacts,
  args: { body: string; error: string; note: string | null; now: number },
) {
  const existing = await findEvent(ctx, facts.eventId);
  const lastError = args.error.slice(0, 1000);
  if (existing !== null) {
    await ctx.db.patch("stripeEvents", existing._id, { attempts: existing.attempts + 1, lastError });
    return;
  }
  await ctx.db.insert("stripeEvents", {
    ...facts,
    status: "failed",
    attempts: 1,
    lastError,
    receivedAt: args.now,
    processedAt: null,
    stripeCustomerId: null,
    userId: null,
    note: args.note,
    payload: keptPayload(args.body),
  });
}

/** Why a parsed body is not a snapshot event (`{"object": "event", id, type, created, data.object}`), or null. */
function notAnEventBecause(json: unknown): string | null {
  if (!isObject(json)) return "the body is not a JSON object";
  if (json.object !== "event") return `object is ${JSON.stringify(json.object ?? null).slice(0, 40)}, not "event"`;
  if (shortString(json.id) === null) return "no id";
  if (shortString(json.type) === null) return "no type";
  if (typeof json.created !== "number" || !Number.isFinite(json.created)) return "no created time";
  if (!isObject(json.data) || !isObject(json.data.object)) return "no data.object";
  return null;
}

/** A thin event's `created` is an ISO 8601 string, not Stripe seconds. */
function isoMs(value: unknown): number | null {
  const ms = typeof value === "string" ? Date.parse(value) : NaN;
  return Number.isFinite(ms) ? ms : null;
}

/** The key of a body without a usable id: the same body always lands on the same row. */
async function sha256Hex(body: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
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

/** Events with `status`, newest first, a page at a time, without payloads (admins' inbox view). */
export async function eventPage(ctx: ReadCtx, status: StripeEventStatus, paginationOpts: PaginationOptions) {
  const page = await ctx.db
    .query("stripeEvents")
    .withIndex("by_status", (q) => q.eq("status", status))
    .order("desc")
    .paginate(paginationOpts);
  return { ...page, page: page.page.map((row) => omit(row, ["payload"])) };
}

/** The user's latest `limit` events, newest first, without payloads. */
export async function eventsOfUser(ctx: ReadCtx, userId: Id<"users">, limit: number) {
  const rows = await ctx.db
    .query("stripeEvents")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .order("desc")
    .take(limit);
  return rows.map((row) => omit(row, ["payload"]));
}

/** Inbox rows written by reconciliation, not by Stripe: `reconcile:<subscription id>:<time>` (or `:unmatched`). */
export const RECONCILE_EVENT_PREFIX = "reconcile:";
/** Their type: no handler acts on it, so a replay of one applies nothing. */
export const RECONCILE_EVENT_TYPE = "reconcile.subscription";

/**
 * Failed, unmatched and needs_attention counts, each read through `by_status`
 * up to `cap + 1` rows (so the read stays bounded; more than `cap` reads as
 * "cap+"), and when the newest webhook event (not a reconciliation row) among
 * the last `cap` processed was processed.
 */
export async function inboxHealth(ctx: ReadCtx, cap: number): Promise<InboxHealth> {
  const count = async (status: StripeEventStatus) =>
    (
      await ctx.db
        .query("stripeEvents")
        .withIndex("by_status", (q) => q.eq("status", status))
        .take(cap + 1)
    ).length;
  const processed = await ctx.db
    .query("stripeEvents")
    .withIndex("by_status", (q) => q.eq("status", "processed"))
    .order("desc")
    .take(cap);
  const last = processed.find((row) => !row.eventId.startsWith(RECONCILE_EVENT_PREFIX));
  return {
    failed: await count("failed"),
    unmatched: await count("unmatched"),
    needsAttention: await count("needs_attention"),
    cap,
    lastProcessedAt: last?.processedAt ?? null,
  };
}

/**
 * Records what reconciliation did to one subscription, under `eventId`
 * (upserted: an unmatched subscription keeps one row however many runs find
 * it). The payload is the subscription as Stripe listed it.
 */
export async function recordReconciled(
  ctx: WriteCtx,
  args: {
    eventId: string;
    at: number;
    now: number;
    status: StripeEventStatus;
    note: string | null;
    userId: Id<"users"> | null;
    stripeCustomerId: string;
    stripeSubscriptionId: string;
    subscription: string;
  },
) {
  const fields = {
    status: args.status,
    attempts: 1,
    lastError: null,
    processedAt: args.now,
    eventCreatedAt: args.at,
    objectId: args.stripeSubscriptionId,
    stripeCustomerId: args.stripeCustomerId,
    userId: args.userId,
    note: args.note,
    payload: keptPayload(args.subscription),
    // A fresh payload: retention starts over for it.
    payloadReducedAt: undefined,
  };
  const existing = await findEvent(ctx, args.eventId);
  // Found again as it was (an unmatched subscription, run after run): nothing to write.
  if (existing !== null && existing.note === fields.note && existing.payload === fields.payload) return;
  if (existing !== null) await ctx.db.patch("stripeEvents", existing._id, fields);
  else
    await ctx.db.insert("stripeEvents", {
      eventId: args.eventId,
      type: RECONCILE_EVENT_TYPE,
      receivedAt: args.now,
      ...fields,
    });
}

/** Statuses whose payload retention empties; failed and needs_attention keep theirs until resolved (status changes). */
export const REDUCIBLE_STATUSES = ["processed", "ignored", "unmatched"] as const satisfies StripeEventStatus[];

type MetricsCtx = WriteCtx & { meta: { getTransactionMetrics(): Promise<TransactionMetrics> } };

/**
 * Retention: empties the payload (customer e-mails, names, addresses) of up
 * to `limit` rows processed before `processedBefore`, keeping id, type,
 * created, object id, status and outcome. Reads only rows it reduces, one at
 * a time: a row may hold a payload of up to 1 MB (read once, and once more
 * by its patch), so it stops while the transaction's byte budget still fits
 * another. `more` says rows may be left.
 */
export async function reducePayloads(ctx: MetricsCtx, processedBefore: number, limit: number) {
  const now = Date.now();
  let reduced = 0;
  for (const status of REDUCIBLE_STATUSES) {
    while (reduced < limit) {
      const { bytesRead, documentsRead } = await ctx.meta.getTransactionMetrics();
      if (bytesRead.remaining < 3 * MAX_PAYLOAD_BYTES || documentsRead.remaining < 3) return { reduced, more: true };
      const row = await ctx.db
        .query("stripeEvents")
        .withIndex("by_status_and_payloadReducedAt_and_processedAt", (q) =>
          q.eq("status", status).eq("payloadReducedAt", undefined).lt("processedAt", processedBefore),
        )
        .first();
      if (row === null) break;
      await ctx.db.patch("stripeEvents", row._id, { payload: "", payloadReducedAt: now });
      reduced++;
    }
  }
  return { reduced, more: reduced === limit };
}
