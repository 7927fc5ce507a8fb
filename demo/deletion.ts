import { vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import { chapter, refused, say } from "./story";
import { type Backend, sendEvent, signUpWithPassword, stripeCustomer, stripeEnv, stubStripe } from "../testing";

/** A user with a live subscription deletes their account: what goes, what Stripe is told, what stays. */
export async function deletionChapter(t: Backend) {
  chapter("Grace deletes her account");
  stripeEnv();
  const grace = await signUpWithPassword(t, "grace@example.com");
  await grace.as.mutation(api.profiles.updateProfile, { fullName: "Grace Hopper" });
  await grace.as.mutation(api.notes.create, { title: "Compiler", body: "A-0" });
  await grace.as.mutation(api.credits.reserveCredits, { amount: 5 });
  const stripe = stripeCustomer(grace, { name: "grace", periodStart: Date.now() });
  await t.mutation(internal.billing.linkCustomer, { userId: grace.userId, stripeCustomerId: stripe.customer });
  await sendEvent(t, "customer.subscription.created", stripe.subscription(), Date.now());
  const sub = await grace.as.query(api.subscriptions.getSubscription, {});
  say(`Grace has a note, 5 credits on hold and a ${sub?.planId} subscription (${sub?.status})`);
  const requests = stubStripe({ "DELETE /v1/subscriptions/*": () => stripe.subscription({ status: "canceled" }) });

  const first = await grace.as.mutation(api.users.deleteAccount, {});
  say(`deleteAccount: ${first.deleted} rows deleted in the first transaction${first.more ? ", more in batches" : ""}`);
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  for (const r of requests) say(`→ Stripe ${r.method} ${r.path} (cancelled at once, retried on 429/5xx)`);
  say(`her old token: getProfile → ${JSON.stringify(await grace.as.query(api.profiles.getProfile, {}))}`);
  await refused("her old token writing a note", grace.as.mutation(api.notes.create, { title: "back", body: "" }));
  await refused("deleting the account again", grace.as.mutation(api.users.deleteAccount, {}));
  const late = await sendEvent(
    t,
    "customer.subscription.deleted",
    stripe.subscription({ status: "canceled" }),
    Date.now(),
  );
  say(`Stripe's late customer.subscription.deleted: HTTP ${late.http}, ${late.status}, linked to no one`);
  const kept = await t.run(async (ctx) => await ctx.db.query("deletedAccounts").first());
  say(
    `kept for the books: ${kept?.hashedUserId.slice(0, 19)}…, final balance ${kept?.finalBalance}, subscription cancelled: ${kept?.subscriptionCanceled}`,
  );
  const again = await signUpWithPassword(t, "grace@example.com");
  const credits = await again.as.query(api.credits.getCredits, {});
  say(`Grace signs up again with the same e-mail: a new account (${again.userId}), ${credits?.balance} free credits`);
  vi.unstubAllGlobals();
  return { canceled: kept?.subscriptionCanceled ?? false };
}
