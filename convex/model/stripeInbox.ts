// The webhook inbox: every verified Stripe event is recorded under its id in
// the same transaction that applies it, so it takes effect exactly once however
// often Stripe delivers it (Stripe delivers at least once, sometimes twice at
// the same moment: Convex serializes the two mutations and the second sees
// the first's row).
import { omit } from "convex-helpers";
import type { PaginationOptions, TransactionMetrics } from "convex/server";
import type { Doc, Id } from "../_generated/dataModel";
import type { ReadCtx, WriteCtx } from "../lib/db";
import type { IngestResult, InboxHealth, StripeEventStatus } from "../lib/validators";
import { isDeletedCustomer, lateSubscription } from "./accountDeletion";
import { applyEvent } from "./stripeHandlers";
import { readBody, type EventFacts } from "./stripeBody";
import { DELETED_CUSTOMER_NOTE, scrubbedPayload, scrubbedText } from "./stripeScrub";
import { idOf, type StripeEvent } from "./stripeObjects";
import { hasEnded, type SubscriptionStatus } from "../../src/subscriptions";

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
  // An event for a deleted account's customer links to no one (its handlers
  // find no user) and is kept without what named the person.
  const customer = outcome.stripeCustomerId ?? customerOf(event.data.object);
  const forDeleted = outcome.userId === null && customer !== null && (await isDeletedCustomer(ctx, customer));
  const result = {
    // Nothing was applied to anyone: what the issue calls unmatched (an ignored type stays ignored).
    status: forDeleted && outcome.status === "processed" ? ("unmatched" as const) : outcome.status,
    attempts: (existing?.attempts ?? 0) + 1,
    lastError: null,
    processedAt: args.now,
    // The customer even of an event no handler acts on (customer.updated), so
    // account deletion finds it through the index to scrub it.
    stripeCustomerId: customer,
    userId: outcome.userId,
    note: forDeleted ? DELETED_CUSTOMER_NOTE : outcome.note,
  };
  if (existing === null) {
    const payload = keptPayload(forDeleted ? scrubbedPayload(args.body, []) : args.body);
    await ctx.db.insert("stripeEvents", { ...facts, receivedAt: args.now, payload, ...result });
  } else {
    await ctx.db.patch("stripeEvents", existing._id, result);
  }
  // Not on a replay: an old payload may call live a subscription that has since ended.
  const late = forDeleted && customer !== null && args.replay !== true;
  const cancel = late ? await liveSubscriptionOf(ctx, event, customer) : null;
  return { kind: "recorded", status: result.status, note: result.note, ...(cancel === null ? {} : { cancel }) };
}

/**
 * A subscription event for a deleted account's customer whose subscription
 * would still bill: recorded on the remnant for the caller to cancel at
 * Stripe (once), or null.
 */
async function liveSubscriptionOf(ctx: WriteCtx, event: StripeEvent, customer: string) {
  const object = event.data.object;
  if (!event.type.startsWith("customer.subscription.")) return null;
  const id = idOf(object.id);
  if (id === null || typeof object.status !== "string" || hasEnded(object.status as SubscriptionStatus)) return null;
  return await lateSubscription(ctx, customer, id);
}

/**
 * Records a processing failure after its transaction rolled back: the attempt
 * and error, and the payload so the event can be replayed. An event that was
 * already applied keeps its status (only a replay can fail after success).
 */
export async function recordFailure(ctx: WriteCtx, args: { body: string; error: string; now: number }) {
  const read = await readBody(args.body);
  const customer = read.kind === "event" ? customerOf(read.event.data.object) : null;
  await recordFailed(ctx, read.facts, { ...args, note: read.kind === "rejected" ? read.note : null }, customer);
}

async function recordFailed(
  ctx: WriteCtx,
  facts: EventFacts,
  args: { body: string; error: string; note: string | null; now: number },
  /** The event's customer, so account deletion finds the row through the index to scrub it. */
  customer: string | null = null,
) {
  const existing = await findEvent(ctx, facts.eventId);
  const lastError = args.error.slice(0, 1000);
  if (existing !== null) {
    await ctx.db.patch("stripeEvents", existing._id, { attempts: existing.attempts + 1, lastError });
    return;
  }
  // A deleted account's customer: kept without what named the person (its deletion has run).
  const forDeleted = customer !== null && (await isDeletedCustomer(ctx, customer));
  await ctx.db.insert("stripeEvents", {
    ...facts,
    status: "failed",
    attempts: 1,
    lastError,
    receivedAt: args.now,
    processedAt: null,
    stripeCustomerId: customer,
    userId: null,
    note: forDeleted ? DELETED_CUSTOMER_NOTE : args.note,
    payload: keptPayload(forDeleted ? scrubbedPayload(args.body, []) : args.body),
  });
}

/** The Stripe customer an event's object belongs to (or is), if it says. */
function customerOf(object: Record<string, unknown>): string | null {
  return idOf(object.customer) ?? (object.object === "customer" ? idOf(object.id) : null);
}

/** Events with `status`, newest first (an index range). */
const byStatus = (ctx: ReadCtx, status: StripeEventStatus) =>
  ctx.db
    .query("stripeEvents")
    .withIndex("by_status", (q) => q.eq("status", status))
    .order("desc");
/** An inbox row as listings show it: without its payload. */
const summaryOf = (row: Doc<"stripeEvents">) => omit(row, ["payload"]);

/** The newest events with `status`, at most `limit` (an index range: bounded). */
export async function listEvents(ctx: ReadCtx, status: StripeEventStatus, limit: number) {
  return (await byStatus(ctx, status).take(limit)).map(summaryOf);
}

/** Events with `status`, newest first, a page at a time, without payloads (admins' inbox view). */
export async function eventPage(ctx: ReadCtx, status: StripeEventStatus, paginationOpts: PaginationOptions) {
  const page = await byStatus(ctx, status).paginate(paginationOpts);
  return { ...page, page: page.page.map(summaryOf) };
}

/** The user's latest `limit` events, newest first, without payloads. */
export async function eventsOfUser(ctx: ReadCtx, userId: Id<"users">, limit: number) {
  const rows = await ctx.db
    .query("stripeEvents")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .order("desc")
    .take(limit);
  return rows.map(summaryOf);
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

// --- account deletion: what the inbox keeps of a deleted user (model/stripeScrub.ts) ---

/** Each stored event may hold a 1 MB payload: one costs this much of a deletion batch's budget. */
export const EVENT_SCRUB_COST = 100;

export type EventScrubJob = {
  userId: Id<"users">;
  names: readonly string[];
  customers: readonly string[];
  /** `<customer index>:<_creationTime of the last row scrubbed>` in the customer pass; null before it. */
  cursor: string | null;
};

/**
 * Scrubs the inbox rows that name a deleted user, within `budget`: first the
 * rows linked to them (unlinked as they are scrubbed, so they leave the
 * index), then the rows of each of their Stripe customers, in index order
 * (the cursor is the last row's `_creationTime`). Returns the rows scrubbed,
 * the budget used, whether all are done, and where to go on (the caller calls
 * again while budget is left).
 */
export async function scrubUserEvents(ctx: WriteCtx, job: EventScrubJob, budget: number) {
  const n = Math.max(1, Math.floor(budget / EVENT_SCRUB_COST));
  const names = [job.userId, ...job.names];
  const scrub = async (row: Doc<"stripeEvents">) =>
    await ctx.db.patch("stripeEvents", row._id, {
      userId: null,
      payload: scrubbedPayload(row.payload, names),
      note: scrubbedText(row.note, names),
      lastError: scrubbedText(row.lastError, names),
    });
  if (job.cursor === null) {
    const linked = await ctx.db
      .query("stripeEvents")
      .withIndex("by_userId", (q) => q.eq("userId", job.userId))
      .take(n);
    for (const row of linked) await scrub(row);
    const used = Math.max(1, linked.length) * EVENT_SCRUB_COST;
    if (linked.length === n) return { scrubbed: n, used, done: false, cursor: null };
    return { scrubbed: linked.length, used, done: job.customers.length === 0, cursor: "0:" };
  }
  const at = job.cursor.indexOf(":");
  const index = Number(job.cursor.slice(0, at));
  const after = job.cursor.slice(at + 1) === "" ? -1 : Number(job.cursor.slice(at + 1));
  const customer = job.customers[index];
  if (customer === undefined) return { scrubbed: 0, used: 1, done: true, cursor: null };
  const rows = await ctx.db
    .query("stripeEvents")
    .withIndex("by_stripeCustomerId", (q) => q.eq("stripeCustomerId", customer).gt("_creationTime", after))
    .take(n);
  for (const row of rows) await scrub(row);
  const used = Math.max(1, rows.length) * EVENT_SCRUB_COST;
  if (rows.length === n) return { scrubbed: n, used, done: false, cursor: `${index}:${rows[n - 1]!._creationTime}` };
  const done = index + 1 >= job.customers.length;
  return { scrubbed: rows.length, used, done, cursor: done ? null : `${index + 1}:` };
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
