import { PLAN_IDS, PLANS, appErrorOf, hasEnded } from "convex-saas-backend";
import { useBillingPortal, useCheckout, useEntitlements } from "convex-saas-backend/react";
import { useState } from "react";

/** The plan catalogue (src/plans.ts): upgrade through Stripe Checkout, change or cancel in the portal. */
export function PricingTable() {
  // The plan by the server's own rules (past_due keeps it, canceled is free).
  const entitlements = useEntitlements();
  const checkout = useCheckout();
  const portal = useBillingPortal();
  const [error, setError] = useState<string | null>(null);
  if (!entitlements) return <p>Loading…</p>;
  const current = entitlements.planId;
  // A subscription Stripe still holds (unpaid, incomplete, paused) gives the free
  // plan but has an open invoice: its fix is in the portal, not a second
  // subscription (the server refuses that checkout too).
  const { status } = entitlements;
  const billable = current !== "free" || (status !== null && !hasEnded(status));

  // Both actions return a Stripe page to send the user to.
  async function go(open: () => Promise<{ url: string }>) {
    setError(null);
    try {
      location.assign((await open()).url);
    } catch (e) {
      setError(appErrorOf(e)?.message ?? "Something went wrong");
    }
  }

  return (
    <section className="plans">
      {PLAN_IDS.map((id) => (
        <article key={id} aria-current={id === current ? "true" : undefined}>
          <h2>{PLANS[id].name}</h2>
          <ul>
            {PLANS[id].features.map((feature) => (
              <li key={feature}>{feature}</li>
            ))}
          </ul>
          {id === current ? (
            <p>Your plan</p>
          ) : !billable ? (
            <button onClick={() => void go(() => checkout({ planId: id, interval: "month" }))}>Upgrade</button>
          ) : null}
        </article>
      ))}
      {billable && <button onClick={() => void go(() => portal({}))}>Manage billing</button>}
      {error !== null && <p role="alert">{error}</p>}
    </section>
  );
}
