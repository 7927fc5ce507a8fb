import { useBillingPortal, useSubscription } from "convex-saas-backend/react";

/** Shown while Stripe retries a failed payment: the plan still applies, the card needs updating. */
export function PastDueBanner() {
  const subscription = useSubscription();
  const portal = useBillingPortal();
  if (subscription?.status !== "past_due") return null;
  return (
    <p role="status" className="banner">
      Your last payment failed. Update your card to keep your plan.{" "}
      <button onClick={() => void portal({}).then(({ url }) => location.assign(url))}>Update card</button>
    </p>
  );
}
