import { useBillingPortal, useEntitlements } from "convex-saas-backend/react";

/** Shown while Stripe retries a failed payment (past_due): the plan still applies, the card needs updating. */
export function PastDueBanner() {
  const entitlements = useEntitlements();
  const portal = useBillingPortal();
  if (!entitlements?.paymentFailed) return null;
  return (
    <p role="status" className="banner">
      Your last payment failed. Update your card to keep your {entitlements.plan.name} plan.{" "}
      <button onClick={() => void portal({}).then(({ url }) => location.assign(url))}>Update card</button>
    </p>
  );
}
