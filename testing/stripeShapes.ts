// Building blocks of the Stripe builders (stripeSubscriptions.ts,
// stripeInvoices.ts, stripeSessions.ts). Each builder is checked against the
// `stripe` SDK's type for its object (`satisfies`), so a field the SDK
// renames, removes or newly requires fails the typecheck. Values: what the
// handlers read, plus what makes an object recognisable (ids, amounts,
// statuses from Stripe's published examples); unread nullable fields are null,
// as Stripe sends them when unset. Nested objects come from the smaller
// builders, never written out twice. The pre-2025 shapes (`legacyPeriod`,
// `legacy`) are outside the SDK types; the builders say how they carry them.
import Stripe from "stripe";

/**
 * A Stripe object as the SDK types it that is also a plain JSON record: the
 * handlers take `Record<string, unknown>` (they read raw payloads of any API
 * version), and SDK interfaces alone do not convert to it. The index signature
 * also lets the legacy builders add keys the current types no longer have.
 */
export type Payload<T> = T & Record<string, unknown>;

/** The keys of T whose type allows null. */
type NullableKey<T> = { [K in keyof T]-?: null extends T[K] ? K : never }[keyof T];

/** `{ key: null }` for each key, checked to be a nullable field of T: the fields Stripe sends as null when unset. */
export const nulls =
  <T>() =>
  <K extends NullableKey<T>>(...keys: K[]) =>
    Object.fromEntries(keys.map((k) => [k, null])) as Record<K, null>;

/** One page of a Stripe list. */
export const list = <T>(data: T[], url: string): Stripe.ApiList<T> => ({ object: "list", data, has_more: false, url });

/** Amounts as Stripe's decimal strings (the SDK types them as Decimal, which serialises to the string). */
export const decimal = (n: number) => Stripe.Decimal.from(n);

// From Stripe's examples: a real timestamp (July 2024) for objects whose time
// no test cares about, and the product the example prices belong to.
export const EXAMPLE_TIME = 1721948530;
export const PRODUCT = "prod_QXg1hqf4jFNsqG";

/** Stripe seconds for a millisecond time. */
export const sec = (ms: number) => Math.floor(ms / 1000);

/** The metadata our checkout puts on the customer and subscription it creates. */
export const userMetadata = (userId: string | null | undefined): Stripe.Metadata => (userId ? { userId } : {});

export const secOrNull = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : sec(ms));
