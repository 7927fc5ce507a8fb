// Reading a verified webhook body: a snapshot event to apply, or why it is not
// one, with what the inbox records of it either way. Pure: no table (the inbox,
// model/stripeInbox.ts, records what this reads). It never throws: whatever a
// correctly signed body holds, the inbox can record it.
import { idOf, msFromSeconds, type StripeEvent } from "./stripeObjects";

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

export type Json = Record<string, unknown>;
export const isObject = (value: unknown): value is Json =>
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
