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
import { idOf, msFromSeconds, type StripeEvent } from "./stripeObjects";
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

// --- account deletion: what the inbox keeps of a deleted user ---

/** Put where a deleted user's e-mail, name or id stood. */
export const SCRUBBED = "[deleted]";

/** The note on an event for a deleted account's customer, recorded without linking it. */
export const DELETED_CUSTOMER_NOTE =
  "The customer's account was deleted: recorded without linking it, payload scrubbed";

/**
 * Keys whose values describe a person in Stripe objects (customers, sessions,
 * invoices, charges), or carry our user id (`metadata.userId`,
 * `client_reference_id`): emptied in a deleted user's events.
 */
const PERSONAL_KEYS = new Set([
  "email",
  "name",
  "phone",
  "address",
  "shipping",
  "customer_email",
  "customer_name",
  "customer_phone",
  "customer_address",
  "customer_shipping",
  "customer_details",
  "billing_details",
  "receipt_email",
  "client_reference_id",
  "metadata",
]);

/** True when `text` holds one of `names` (lower-cased): as a part for long ones, whole for short ones. */
function namesIn(text: string, names: readonly string[]) {
  const lower = text.toLowerCase();
  return names.some((name) => (name.length >= 3 ? lower.includes(name) : lower.trim() === name));
}

function scrubValue(value: unknown, names: readonly string[]): unknown {
  if (typeof value === "string") return namesIn(value, names) ? SCRUBBED : value;
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, names));
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = PERSONAL_KEYS.has(key) && item !== null ? (key === "metadata" ? {} : null) : scrubValue(item, names);
  }
  return out;
}

const lowered = (names: readonly string[]) => names.filter((name) => name !== "").map((name) => name.toLowerCase());

/**
 * A stored body without what named a person: personal keys emptied, and any
 * string holding one of `names` (the user's id, e-mails, names) replaced. A
 * body that is not JSON cannot be scrubbed field by field and is dropped ("").
 */
export function scrubbedPayload(payload: string, names: readonly string[]): string {
  if (payload === "") return "";
  try {
    return JSON.stringify(scrubValue(JSON.parse(payload), lowered(names)));
  } catch {
    return "";
  }
}

/** `text` with each of `names` (case-insensitive) replaced. */
export function scrubbedText(text: string | null, names: readonly string[]): string | null {
  if (text === null) return null;
  let out = text;
  for (const name of lowered(names)) {
    if (name.length < 3) continue;
    out = out.replace(new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi"), SCRUBBED);
  }
  return out;
}

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
