import { useEntitlements } from "convex-saas-backend/react";

/** Email support is a paid feature: decided by the same rules as the server's `requireFeature`. */
export function SupportLink() {
  const entitlements = useEntitlements();
  if (!entitlements) return null;
  if (!entitlements.has("emailSupport")) return <p>Email support comes with Pro and Business.</p>;
  return <a href="mailto:support@example.com">Email support</a>;
}
