import { vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { chapter, say } from "./story";
import {
  addMonths,
  type Backend,
  checkoutSession,
  customer,
  type DeliveryOptions,
  MINUTE,
  portalSession,
  price,
  sendEvent,
  stripeCustomer,
  stripeEnv,
  stubStripe,
} from "../testing";

type User = { userId: Id<"users">; as: ReturnType<Backend["withIdentity"]> };

/** Checkout → webhook events → subscription active → credits refilled → cancellation. */
export async function billingChapter(t: Backend, ada: User) {
  stripeEnv();
  // Stripe's API, played by a stub that answers like Stripe and shows what it was sent.
  const requests = stubStripe({
    "POST /v1/customers": () => customer({ id: "cus_ada", email: "ada@example.com" }),
    "GET /v1/prices": (req) => ({ object: "list", data: [price({ lookupKey: req.query.get("lookup_keys[0]") })] }),
    "POST /v1/checkout/sessions": () =>
      checkoutSession({
        customer: "cus_ada",
        clientReferenceId: ada.userId,
        url: "https://checkout.stripe.com/c/pay/cs_demo",
      }),
    "POST /v1/billing_portal/sessions": () =>
      portalSession({ customer: "cus_ada", returnUrl: "", url: "https://billing.stripe.com/p/session/demo" }),
  });

  chapter("Ada subscribes to Pro through Stripe Checkout");
  const { url } = await ada.as.action(api.billing.createCheckoutSession, { planId: "pro", interval: "month" });
  for (const r of requests) {
    const extra = r.path === "/v1/customers" ? ` (Idempotency-Key ${r.headers.get("idempotency-key")})` : "";
    say(`→ Stripe ${r.method} ${r.path}${extra}`);
  }
  const sent = requests.at(-1)!.form;
  say(
    `checkout carries client_reference_id=${sent.get("client_reference_id")} and subscription metadata userId=${sent.get("subscription_data[metadata][userId]")}`,
  );
  say(`Ada is sent to ${url}`);

  chapter("Stripe reports back through the signed webhook");
  const now = Date.now();
  const end = addMonths(now, 1);
  const stripe = stripeCustomer(ada, { periodStart: now, periodEnd: end });
  const sub = stripe.subscription;
  const send = async (
    label: string,
    type: string,
    object: object,
    at: number,
    opts: DeliveryOptions & { id?: string } = {},
  ) => {
    const sent = await sendEvent(t, type, object, at, opts);
    say(
      `${label}: HTTP ${sent.http}${sent.http === 200 ? `, ${sent.duplicate ? "duplicate, nothing changed" : sent.status}` : ""}`,
    );
  };
  const paid = stripe.invoice({ id: "in_ada_1" });
  await send("checkout.session.completed", "checkout.session.completed", stripe.checkout(), now);
  await send("customer.subscription.created", "customer.subscription.created", sub(), now);
  await send("invoice.paid", "invoice.paid", paid, now, { id: "evt_paid" });
  await send("invoice.paid delivered again", "invoice.paid", paid, now, { id: "evt_paid" });
  await send("invoice.paid with a tampered body", "invoice.paid", paid, now, {
    id: "evt_paid",
    tamper: (body) => body.replace("in_ada_1", "in_ada_2"),
  });

  chapter("The subscription is active and the credits are refilled");
  const active = await ada.as.query(api.subscriptions.getSubscription, {});
  say(
    `subscription: ${active?.planId}, ${active?.status}, renews ${new Date(active!.currentPeriodEnd).toISOString().slice(0, 10)}`,
  );
  const credits = await ada.as.query(api.credits.getCredits, {});
  say(`credits: balance ${credits?.balance}, monthly allowance ${credits?.monthlyAllowance}`);
  say(
    `next sweep refill not before ${new Date(credits!.nextRefillAt).toISOString().slice(0, 10)} (the next invoice refills first)`,
  );

  chapter("Ada cancels in the customer portal");
  const portal = await ada.as.action(api.billing.createPortalSession, {});
  say(`portal: ${portal.url}`);
  await send(
    "customer.subscription.updated (cancel_at set)",
    "customer.subscription.updated",
    sub({ cancelAt: end }),
    now + MINUTE,
  );
  const canceling = await ada.as.query(api.subscriptions.getSubscription, {});
  say(`still ${canceling?.status} until ${new Date(canceling!.cancelAt!).toISOString().slice(0, 10)}`);
  await send(
    "customer.subscription.deleted",
    "customer.subscription.deleted",
    sub({ status: "canceled", cancelAt: end, endedAt: end }),
    now + 2 * MINUTE,
  );
  const after = await ada.as.query(api.credits.getCredits, {});
  say(
    `subscription ${(await ada.as.query(api.subscriptions.getSubscription, {}))?.status}; allowance back to ${after?.monthlyAllowance} from the next refill (balance ${after?.balance} until then)`,
  );
  const inbox = await t.query(internal.stripeEvents.list, { status: "processed" });
  say(`webhook inbox: ${inbox.length} events processed, each exactly once`);
  vi.unstubAllGlobals();
}
