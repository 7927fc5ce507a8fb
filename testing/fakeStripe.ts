// A fake Stripe API for tests of the billing actions: customers, prices,
// Checkout and portal sessions that answer like Stripe, with every request
// recorded (see `stubStripe`).
import { checkoutSession, customer, portalSession } from "./stripeSessions";
import { price } from "./stripeSubscriptions";
import { stripeError, type StripeRoutes, stubStripe } from "./stripe";

/** The URL of the first Checkout session the fake opens. */
export const CHECKOUT_URL = "https://checkout.stripe.com/c/pay/cs_test_a1b2c3";

/**
 * A fake Stripe where customers.create answers the same customer for the same
 * idempotency key, and Checkout sessions are open for 24 hours until expired.
 */
export function fakeStripe(over: StripeRoutes = {}) {
  const customers = new Map<string, string>();
  const sessions = new Map<string, ReturnType<typeof checkoutSession>>();
  const sessionId = (path: string) => path.split("/")[4]!;
  return stubStripe({
    "POST /v1/customers": (req) => {
      const key = req.headers.get("idempotency-key")!;
      if (!customers.has(key)) customers.set(key, `cus_${customers.size + 1}`);
      return customer({ id: customers.get(key)!, email: req.form.get("email") });
    },
    "GET /v1/prices": (req) => {
      const key = req.query.get("lookup_keys[0]");
      return {
        object: "list",
        data: [price({ lookupKey: key, id: `price_${key}` })],
        has_more: false,
        url: "/v1/prices",
      };
    },
    "POST /v1/checkout/sessions": (req) => {
      const n = sessions.size + 1;
      const session = checkoutSession({
        id: `cs_${n}`,
        customer: req.form.get("customer"),
        clientReferenceId: req.form.get("client_reference_id"),
        userId: req.form.get("metadata[userId]"),
        url: n === 1 ? CHECKOUT_URL : `https://checkout.stripe.com/c/pay/cs_${n}`,
        status: "open",
        expiresAt: Math.floor(Date.now() / 1000) + 24 * 3600,
      });
      sessions.set(session.id, session);
      return session;
    },
    "GET /v1/checkout/sessions/*": (req) => sessions.get(sessionId(req.path)),
    "POST /v1/checkout/sessions/*": (req) => {
      const session = sessions.get(sessionId(req.path))!;
      if (session.status !== "open") return stripeError(400, "invalid_request_error", "Only open sessions expire");
      session.status = "expired";
      return session;
    },
    "POST /v1/billing_portal/sessions": (req) =>
      portalSession({
        customer: req.form.get("customer")!,
        returnUrl: req.form.get("return_url")!,
        url: "https://billing.stripe.com/p/session/test_1",
      }),
    ...over,
  });
}
