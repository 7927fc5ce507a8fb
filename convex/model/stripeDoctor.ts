// The doctor's checks (billing:doctor): plain functions from what the action
// read (env vars, Stripe objects, inbox counts) to findings, each failed one
// saying exactly what to fix. They read nothing themselves and change nothing.
import type Stripe from "stripe";
import type { DoctorCheck, InboxHealth } from "../lib/validators";
import { BILLING_INTERVALS, PLANS, planForLookupKey, type BillingInterval } from "../../src/plans";
import { HANDLED_EVENT_TYPES } from "./stripeHandlers";

const check = (name: string, ok: boolean, detail: string): DoctorCheck => ({ name, ok, detail });

/** Every lookup key of the catalogue with the interval its price must bill. */
export function catalogueKeys(): { lookupKey: string; interval: BillingInterval }[] {
  return Object.values(PLANS).flatMap((plan) =>
    BILLING_INTERVALS.flatMap((interval) => {
      const lookupKey = plan.lookupKeys[interval];
      return lookupKey === undefined ? [] : [{ lookupKey, interval }];
    }),
  );
}

const REQUIRED_ENV = ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "SITE_URL"] as const;

/** The deployment's env vars: the three billing needs, and the key's mode. */
export function environmentCheck(env: Record<string, string | undefined>): DoctorCheck {
  const missing = REQUIRED_ENV.filter((name) => !env[name]);
  if (missing.length > 0) {
    const how = missing.map((name) => `npx convex env set ${name} ...`).join("; ");
    return check("environment", false, `${missing.join(", ")} not set: ${how} (README, Billing → Setup)`);
  }
  const mode = /^[sr]k_(test|live)_/.exec(env.STRIPE_SECRET_KEY!)?.[1];
  if (mode === undefined) {
    return check(
      "environment",
      false,
      "STRIPE_SECRET_KEY is not a Stripe secret key: set the sk_test_... or sk_live_... key",
    );
  }
  if (!env.STRIPE_WEBHOOK_SECRET!.startsWith("whsec_")) {
    return check(
      "environment",
      false,
      "STRIPE_WEBHOOK_SECRET is not a signing secret: set the endpoint's whsec_... secret",
    );
  }
  return check("environment", true, `STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and SITE_URL set; ${mode} mode key`);
}

/**
 * One check per catalogue lookup key: exactly one active recurring price has
 * it, billed every one `interval`. `prices` is every price (active or not)
 * Stripe lists for the catalogue's keys.
 */
export function priceChecks(prices: readonly Stripe.Price[]): DoctorCheck[] {
  return catalogueKeys().map(({ lookupKey, interval }) => {
    const name = `price ${lookupKey}`;
    const withKey = prices.filter((p) => p.lookup_key === lookupKey);
    const active = withKey.filter((p) => p.active);
    const setKey = `stripe prices update price_... -d lookup_key=${lookupKey} -d transfer_lookup_key=true`;
    if (withKey.length === 0) {
      return check(
        name,
        false,
        `No price has lookup key ${lookupKey}: give the ${interval}ly price its lookup key (Dashboard → product → price → Lookup key, or \`${setKey}\`)`,
      );
    }
    if (active.length === 0) {
      const ids = withKey.map((p) => p.id).join(", ");
      return check(
        name,
        false,
        `${ids} has lookup key ${lookupKey} but is archived: unarchive it, or move the key to an active price (\`${setKey}\`)`,
      );
    }
    if (active.length > 1) {
      return check(name, false, `${active.length} active prices have lookup key ${lookupKey}: keep it on one`);
    }
    const price = active[0]!;
    const every = price.recurring === null ? null : `${price.recurring.interval_count} ${price.recurring.interval}`;
    if (every !== `1 ${interval}`) {
      const now = every === null ? "is a one-time price" : `bills every ${every}`;
      return check(
        name,
        false,
        `${price.id} (${lookupKey}) ${now}: the key must be on a recurring price billed every ${interval} (\`${setKey}\` on that price)`,
      );
    }
    const amount =
      price.unit_amount === null ? "custom amount" : `${(price.unit_amount / 100).toFixed(2)} ${price.currency}`;
    return check(name, true, `${price.id}, ${amount} every ${interval}`);
  });
}

/** Active prices whose lookup key the catalogue does not know: listed, not failed (checkout never sells them). */
export function unknownPricesCheck(active: readonly Stripe.Price[]): DoctorCheck {
  const unknown = active.filter((p) => p.lookup_key !== null && planForLookupKey(p.lookup_key) === null);
  if (unknown.length === 0) return check("prices outside the catalogue", true, "none");
  const list = unknown.map((p) => `${p.id} (${p.lookup_key})`).join(", ");
  return check(
    "prices outside the catalogue",
    true,
    `${list}: not sold by checkout; a subscription on one gets the free plan and is listed as needs_attention (add the key to src/plans.ts if it is a plan)`,
  );
}

/**
 * The webhook endpoint at `url`: there, enabled, sending every event type the
 * handlers use, on the pinned API version. Three checks, so each problem is
 * its own finding.
 */
export function webhookChecks(
  endpoints: readonly Stripe.WebhookEndpoint[],
  url: string | null,
  apiVersion: string,
): DoctorCheck[] {
  if (url === null) {
    const detail = "CONVEX_SITE_URL is not set, so the webhook URL is unknown (Convex sets it on every deployment)";
    return ["webhook endpoint", "webhook events", "webhook API version"].map((name) => check(name, false, detail));
  }
  const ours = endpoints.filter((e) => e.url === url);
  const endpoint = ours.find((e) => e.status === "enabled") ?? ours[0];
  if (endpoint === undefined) {
    const others = endpoints.length === 0 ? "" : ` (endpoints found: ${endpoints.map((e) => e.url).join(", ")})`;
    const detail = `No webhook endpoint points at ${url}${others}: add one (Dashboard → Developers → Webhooks → Add endpoint) with API version ${apiVersion} and the events in README, Billing → Setup`;
    return [
      check("webhook endpoint", false, detail),
      check("webhook events", false, "No endpoint to check"),
      check("webhook API version", false, "No endpoint to check"),
    ];
  }
  const enabled =
    endpoint.status === "enabled"
      ? check("webhook endpoint", true, `${endpoint.id} at ${url}, enabled`)
      : check(
          "webhook endpoint",
          false,
          `${endpoint.id} at ${url} is ${endpoint.status} (Stripe disables an endpoint that keeps failing): fix the failures (stripeEvents:list failed), enable it in the Dashboard, then run billing:reconcile for the events missed meanwhile`,
        );
  const all = endpoint.enabled_events.includes("*");
  const missing = HANDLED_EVENT_TYPES.filter((type) => !all && !endpoint.enabled_events.includes(type));
  const events =
    missing.length === 0
      ? check("webhook events", true, all ? "all events (*)" : `all ${HANDLED_EVENT_TYPES.length} handled event types`)
      : check(
          "webhook events",
          false,
          `${endpoint.id} does not send ${missing.join(", ")}: add ${missing.length === 1 ? "it" : "them"} (Dashboard → Webhooks → ${endpoint.id} → Listen to events)`,
        );
  const version =
    endpoint.api_version === apiVersion
      ? check("webhook API version", true, apiVersion)
      : check(
          "webhook API version",
          false,
          `${endpoint.id} sends events on ${endpoint.api_version ?? "the account's default version"}, not ${apiVersion}: an endpoint's version cannot change, so add an endpoint at ${url} on ${apiVersion}, set STRIPE_WEBHOOK_SECRET to its secret, then delete ${endpoint.id}`,
        );
  return [enabled, events, version];
}

/**
 * The default customer portal configuration lets customers switch plans
 * between the catalogue's prices and no others. `cataloguePriceIds`: the
 * active prices found for the catalogue's lookup keys.
 */
export function portalCheck(
  configurations: readonly Stripe.BillingPortal.Configuration[],
  cataloguePriceIds: readonly string[],
): DoctorCheck {
  const name = "customer portal";
  const config = configurations.find((c) => c.is_default && c.active);
  if (config === undefined) {
    return check(
      name,
      false,
      "No default customer portal configuration: set it up and save it (Dashboard → Settings → Billing → Customer portal)",
    );
  }
  const update = config.features.subscription_update;
  if (!update.enabled) {
    return check(
      name,
      false,
      `${config.id} does not let customers switch plans: turn on "Customers can switch plans" with the catalogue's prices`,
    );
  }
  const offered = (update.products ?? []).flatMap((p) => p.prices);
  const extra = offered.filter((id) => !cataloguePriceIds.includes(id));
  if (extra.length > 0) {
    return check(
      name,
      false,
      `${config.id} offers ${extra.join(", ")}, not in the catalogue: remove ${extra.length === 1 ? "it" : "them"} from the portal's products`,
    );
  }
  const absent = cataloguePriceIds.filter((id) => !offered.includes(id));
  const note = absent.length === 0 ? "" : ` (not offered: ${absent.join(", ")})`;
  return check(name, true, `${config.id}: switching between ${offered.length} catalogue prices${note}`);
}

/** Inbox health: failed events fail the check (Stripe is retrying them); unmatched and needs_attention are counted for a person. */
export function inboxCheck(health: InboxHealth, now: number): DoctorCheck {
  const n = (count: number) => (count > health.cap ? `${health.cap}+` : String(count));
  const counts = `${n(health.failed)} failed, ${n(health.unmatched)} unmatched, ${n(health.needsAttention)} needs_attention`;
  const last =
    health.lastProcessedAt === null
      ? "no webhook event processed yet"
      : `last event processed ${age(now - health.lastProcessedAt)} ago`;
  if (health.failed > 0) {
    return check(
      "webhook inbox",
      false,
      `${counts}; ${last}: see \`npx convex run stripeEvents:list '{"status": "failed"}'\`, fix the cause, then stripeEvents:replay each`,
    );
  }
  return check("webhook inbox", true, `${counts}; ${last}`);
}

function age(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`;
}
