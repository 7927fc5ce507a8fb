// What a deleted user's Stripe events keep: personal keys emptied and their
// names replaced (README: "Account deletion"). Pure: the inbox
// (model/stripeInbox.ts) and the audit log apply it to their rows.
import { isObject, type Json } from "./stripeBody";

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
