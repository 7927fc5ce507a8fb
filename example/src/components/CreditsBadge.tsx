import { useCredits } from "convex-saas-backend/react";

/** The signed-in user's balance; every badge on the page moves with a spend. */
export function CreditsBadge() {
  const credits = useCredits();
  if (credits === undefined) return <span className="badge">…</span>;
  if (credits === null) return null;
  return (
    <span className="badge" data-testid="credits">
      {credits.balance} credits
    </span>
  );
}
