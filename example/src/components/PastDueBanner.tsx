import { appErrorOf } from "convex-saas-backend";
import { useBillingPortal, useEntitlements } from "convex-saas-backend/react";
import { useState } from "react";

/** Shown while Stripe retries a failed payment (past_due): the plan still applies, the card needs updating. */
export function PastDueBanner() {
  const entitlements = useEntitlements();
  const portal = useBillingPortal();
  const [error, setError] = useState<string | null>(null);
  if (!entitlements?.paymentFailed) return null;

  async function updateCard() {
    setError(null);
    try {
      location.assign((await portal({})).url);
    } catch (e) {
      // RATE_LIMITED's message says when to try again.
      setError(appErrorOf(e)?.message ?? "Something went wrong");
    }
  }

  return (
    <p role="status" className="banner">
      Your last payment failed. Update your card to keep your {entitlements.plan.name} plan.{" "}
      <button onClick={() => void updateCard()}>Update card</button>
      {error !== null && <span role="alert"> {error}</span>}
    </p>
  );
}
