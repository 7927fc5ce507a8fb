import { useCredits } from "convex-saas-backend/react";

/** The balance: `undefined` while loading, `null` signed out; a spend moves every badge at once. */
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
