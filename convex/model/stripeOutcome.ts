// What applying one Stripe event came to: recorded on its inbox row.
import type { Id } from "../_generated/dataModel";
import type { IngestResult, StripeEventStatus } from "../lib/validators";

export type Handled = {
  kind: "handled";
  status: Exclude<StripeEventStatus, "failed">;
  note: string | null;
  userId: Id<"users"> | null;
  stripeCustomerId: string | null;
};
/** invoice.paid for a subscription we have never seen: the caller fetches it from Stripe and calls again. */
export type NeedsSubscription = Extract<IngestResult, { kind: "needs_subscription" }>;
export type Outcome = Handled | NeedsSubscription;

/** An outcome for the inbox: status, a note for people, and whose event it was. */
export const handled = (
  status: Handled["status"],
  note: string | null,
  who: { userId?: Id<"users"> | null; stripeCustomerId?: string | null } = {},
): Handled => ({
  kind: "handled",
  status,
  note,
  userId: who.userId ?? null,
  stripeCustomerId: who.stripeCustomerId ?? null,
});
