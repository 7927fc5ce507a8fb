import { describe, expect, test } from "vitest";
import { api } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import {
  APR_1,
  billingStory,
  checkoutSession,
  creditsOf,
  MAR_1,
  MINUTE,
  seedUser,
  snapshot,
  spend,
  stateWithoutInbox,
  subscription,
  useStripeTestEnv,
  stripeCustomer,
  stubStripe,
} from "../testing";

// customer.subscription.created|updated|deleted and checkout.session.completed:
// the subscriptions row, its ordering, and the allowance that follows the plan.

useStripeTestEnv();

/** Ada's first invoice (pro, March), paid. */
const invoiceFor = (userId: Id<"users">) => stripeCustomer({ userId }).invoice();

async function story() {
  const { t, ada, stripe, send } = await billingStory();
  const row = () => ada.as.query(api.subscriptions.getSubscription, {});
  return { t, ada, sub: stripe.subscription, send, row };
}

const state = stateWithoutInbox;

describe("subscription rows", () => {
  test("created stores every field, in ms; a first subscription's credits wait for its paid invoice", async () => {
    const { t, ada, sub, send, row } = await story();
    await spend(t, ada.userId, 30);
    expect(await send("customer.subscription.created", sub({ trialEnd: null }), MAR_1)).toMatchObject({
      status: "processed",
    });
    expect(await row()).toMatchObject({
      userId: ada.userId,
      stripeCustomerId: "cus_ada",
      stripeSubscriptionId: "sub_ada",
      planId: "pro",
      priceId: "price_pro_monthly",
      priceLookupKey: "pro_monthly",
      interval: "month",
      status: "active",
      currentPeriodStart: MAR_1,
      currentPeriodEnd: APR_1,
      cancelAtPeriodEnd: false,
      cancelAt: null,
      trialEnd: null,
      lastEventAt: MAR_1,
    });
    // The allowance is the plan's at once; the credits come with the paid invoice,
    // so the first month is not granted twice (by the upgrade, then the refill).
    const { account, ledger } = await creditsOf(t, ada.userId);
    expect(account).toMatchObject({ balance: 70, monthlyAllowance: 1000 });
    expect(ledger.map((e) => e.kind)).toEqual(["signup", "consume"]);
    await send("invoice.paid", invoiceFor(ada.userId), MAR_1);
    expect((await creditsOf(t, ada.userId)).account).toMatchObject({ balance: 1000, paidThrough: APR_1 });
  });

  test("the first month is paid once: credits spent between created and its invoice are not granted again", async () => {
    const { t, ada, sub, send } = await story();
    const spendAll = async (userId: Id<"users">) => spend(t, userId, (await creditsOf(t, userId)).balance);
    await send("customer.subscription.created", sub(), MAR_1);
    await spendAll(ada.userId);
    await send("invoice.paid", invoiceFor(ada.userId), MAR_1 + MINUTE);
    await spendAll(ada.userId);
    // The same events in the other order, for Bob.
    const bob = await seedUser(t, "bob@example.com");
    const bobs = stripeCustomer(bob, { name: "bob" });
    stubStripe({ "GET /v1/subscriptions/*": () => bobs.subscription() }); // the invoice's subscription, fetched
    await send("invoice.paid", bobs.invoice(), MAR_1);
    await spendAll(bob.userId);
    await send("customer.subscription.created", bobs.subscription(), MAR_1 + MINUTE);
    await spendAll(bob.userId);
    for (const userId of [ada.userId, bob.userId]) {
      const { ledger } = await creditsOf(t, userId);
      // Everything either could ever spend: at most the free 100 at sign-up and one paid month of 1,000
      // (a refill sets the balance, so unspent free credits are absorbed into the paid month).
      const granted = ledger.filter((e) => e.delta > 0).reduce((sum, e) => sum + e.delta, 0);
      expect(granted).toBeGreaterThanOrEqual(1000);
      expect(granted).toBeLessThanOrEqual(1100);
    }
  });

  test("an older API version's subscription (period top-level) is read the same", async () => {
    const { sub, send, row } = await story();
    await send("customer.subscription.created", sub({ legacyPeriod: true }), MAR_1);
    expect(await row()).toMatchObject({ currentPeriodStart: MAR_1, currentPeriodEnd: APR_1 });
  });

  test("updated arriving before created creates the row; the older created then changes nothing", async () => {
    const { t, sub, send, row } = await story();
    await send("customer.subscription.updated", sub({ cancelAt: APR_1 }), MAR_1 + MINUTE);
    expect(await row()).toMatchObject({ status: "active", cancelAt: APR_1, lastEventAt: MAR_1 + MINUTE });
    const before = await state(t);
    expect(await send("customer.subscription.created", sub(), MAR_1)).toMatchObject({ status: "ignored" });
    expect(await state(t)).toEqual(before);
  });

  test("an older updated after a newer one changes nothing; equal timestamps apply in arrival order", async () => {
    const { t, sub, send, row } = await story();
    await send("customer.subscription.created", sub(), MAR_1);
    await send("customer.subscription.updated", sub({ lookupKey: "business_monthly" }), MAR_1 + 2 * MINUTE);
    const before = await state(t);
    expect(
      await send("customer.subscription.updated", sub({ lookupKey: "pro_monthly" }), MAR_1 + MINUTE),
    ).toMatchObject({
      status: "ignored",
      note: "Older than the change already applied",
    });
    expect(await state(t)).toEqual(before);
    // Same second as the last one applied: it is applied (arrival order).
    await send(
      "customer.subscription.updated",
      sub({ lookupKey: "business_yearly", interval: "year" }),
      MAR_1 + 2 * MINUTE,
    );
    expect(await row()).toMatchObject({ planId: "business", interval: "year" });
  });

  test("a subscription without metadata.userId is matched through the customer link", async () => {
    const { t, ada, send, row } = await story();
    await send(
      "checkout.session.completed",
      checkoutSession({ customer: "cus_ada", clientReferenceId: ada.userId, userId: ada.userId }),
      MAR_1,
    );
    expect((await snapshot(t)).stripeCustomers).toEqual([
      expect.objectContaining({ userId: ada.userId, stripeCustomerId: "cus_ada" }),
    ]);
    const noMeta = subscription({
      id: "sub_portal",
      customer: "cus_ada",
      userId: null,
      periodStart: MAR_1,
      periodEnd: APR_1,
    });
    expect(await send("customer.subscription.created", noMeta, MAR_1)).toMatchObject({ status: "processed" });
    expect(await row()).toMatchObject({ stripeSubscriptionId: "sub_portal", userId: ada.userId });
  });

  test("checkout.session.completed links once; a customer already linked to someone else is never moved", async () => {
    const { t, ada, send } = await story();
    const bob = await seedUser(t, "bob@example.com");
    await send(
      "checkout.session.completed",
      checkoutSession({ customer: "cus_ada", clientReferenceId: ada.userId, userId: ada.userId }),
      MAR_1,
    );
    const before = await state(t);
    expect(
      await send(
        "checkout.session.completed",
        checkoutSession({ id: "cs_2", customer: "cus_ada", clientReferenceId: ada.userId, userId: ada.userId }),
        MAR_1,
      ),
    ).toMatchObject({ status: "processed" });
    expect(
      await send(
        "checkout.session.completed",
        checkoutSession({ id: "cs_3", customer: "cus_ada", clientReferenceId: bob.userId, userId: bob.userId }),
        MAR_1,
      ),
    ).toMatchObject({ status: "needs_attention" });
    expect(await state(t)).toEqual(before);
  });
});

describe("plan changes and cancellation", () => {
  test("upgrade adds the difference at once through the ledger; downgrade waits for the next refill", async () => {
    const { t, ada, sub, send } = await story();
    await send("customer.subscription.created", sub(), MAR_1);
    await send("invoice.paid", invoiceFor(ada.userId), MAR_1);
    await spend(t, ada.userId, 200);
    await send("customer.subscription.updated", sub({ lookupKey: "business_monthly" }), MAR_1 + MINUTE);
    let { account, ledger } = await creditsOf(t, ada.userId);
    expect(account).toMatchObject({ balance: 800 + 9000, monthlyAllowance: 10_000 });
    expect(ledger.at(-1)).toMatchObject({ kind: "upgrade", delta: 9000 });

    await send("customer.subscription.updated", sub({ lookupKey: "pro_monthly" }), MAR_1 + 2 * MINUTE);
    ({ account, ledger } = await creditsOf(t, ada.userId));
    // Nobody loses credits mid-period: only the allowance drops.
    expect(account).toMatchObject({ balance: 9800, monthlyAllowance: 1000 });
    expect(ledger.at(-1)).toMatchObject({ kind: "upgrade", delta: 9000 });
  });

  test("a portal cancellation (cancel_at set) keeps the plan until deleted; deleted means free from then on", async () => {
    const { t, ada, sub, send, row } = await story();
    await send("customer.subscription.created", sub(), MAR_1);
    await send("invoice.paid", invoiceFor(ada.userId), MAR_1);
    await send("customer.subscription.updated", sub({ cancelAt: APR_1, canceledAt: MAR_1 + MINUTE }), MAR_1 + MINUTE);
    expect(await row()).toMatchObject({ status: "active", cancelAt: APR_1, cancelAtPeriodEnd: false });
    expect((await creditsOf(t, ada.userId)).account).toMatchObject({ monthlyAllowance: 1000, balance: 1000 });

    // Older API versions flag the same thing with cancel_at_period_end.
    await send("customer.subscription.updated", sub({ cancelAt: APR_1, cancelAtPeriodEnd: true }), MAR_1 + 2 * MINUTE);
    expect(await row()).toMatchObject({ cancelAtPeriodEnd: true });

    await send("customer.subscription.deleted", sub({ status: "canceled", cancelAt: APR_1, endedAt: APR_1 }), APR_1);
    expect(await row()).toMatchObject({ status: "canceled", planId: "pro" });
    const { account } = await creditsOf(t, ada.userId);
    // The balance stays until the next refill, which will be the free plan's.
    expect(account).toMatchObject({ monthlyAllowance: 100, balance: 1000 });
  });

  test("trialing and past_due keep the plan's allowance; unpaid, paused and incomplete mean free", async () => {
    const { t, ada, sub, send } = await story();
    const allowanceAfter = async (status: string, at: number) => {
      await send("customer.subscription.updated", sub({ status }), at);
      return (await creditsOf(t, ada.userId)).account!.monthlyAllowance;
    };
    expect(await allowanceAfter("trialing", MAR_1)).toBe(1000);
    expect(await allowanceAfter("past_due", MAR_1 + 1000)).toBe(1000);
    expect(await allowanceAfter("unpaid", MAR_1 + 2000)).toBe(100);
    expect(await allowanceAfter("active", MAR_1 + 3000)).toBe(1000);
    expect(await allowanceAfter("paused", MAR_1 + 4000)).toBe(100);
    expect(await allowanceAfter("incomplete", MAR_1 + 5000)).toBe(100);
  });

  test("an unknown price is stored with its price id and free entitlements, flagged, with no paid credits", async () => {
    const { t, ada, sub, send, row } = await story();
    const before = await creditsOf(t, ada.userId);
    const result = await send(
      "customer.subscription.created",
      sub({ lookupKey: "enterprise_monthly", priceId: "price_ent" }),
      MAR_1,
    );
    expect(result).toMatchObject({ status: "needs_attention", note: expect.stringContaining("price_ent") });
    expect(await row()).toMatchObject({
      planId: "free",
      priceId: "price_ent",
      priceLookupKey: "enterprise_monthly",
      status: "active",
    });
    expect(await creditsOf(t, ada.userId)).toEqual(before);
  });
});

describe("several subscriptions", () => {
  test("getSubscription returns the active one; ending an old one keeps the allowance of the live one", async () => {
    const { t, ada, sub, send, row } = await story();
    await send("customer.subscription.created", sub({ id: "sub_old", status: "active" }), MAR_1);
    await send("customer.subscription.created", sub({ id: "sub_new", lookupKey: "business_monthly" }), MAR_1 + MINUTE);
    await send("customer.subscription.deleted", sub({ id: "sub_old", status: "canceled" }), MAR_1 + 2 * MINUTE);
    expect(await row()).toMatchObject({ stripeSubscriptionId: "sub_new", status: "active" });
    expect((await creditsOf(t, ada.userId)).account).toMatchObject({ monthlyAllowance: 10_000 });
  });
});
