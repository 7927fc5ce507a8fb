import { describe, expect, test } from "vitest";
import { idOf, invoiceFacts, subscriptionFacts } from "./stripeObjects";
import { APR_1, invoice, MAR_1, subscription } from "../../testing";

describe("subscriptionFacts", () => {
  test("reads the period from the item (current API) and converts seconds to ms", () => {
    const facts = subscriptionFacts(
      subscription({
        id: "sub_1",
        customer: "cus_1",
        userId: "u1",
        lookupKey: "business_yearly",
        interval: "year",
        periodStart: MAR_1,
        periodEnd: APR_1,
        cancelAt: APR_1,
        trialEnd: MAR_1,
      }),
    );
    expect(facts).toEqual({
      stripeSubscriptionId: "sub_1",
      stripeCustomerId: "cus_1",
      metadataUserId: "u1",
      planId: "business",
      priceId: "price_business_yearly",
      priceLookupKey: "business_yearly",
      interval: "year",
      status: "active",
      currentPeriodStart: MAR_1,
      currentPeriodEnd: APR_1,
      cancelAtPeriodEnd: false,
      cancelAt: APR_1,
      trialEnd: MAR_1,
    });
  });

  test("reads the top-level period of older API versions, and an expanded customer", () => {
    const sub = subscription({
      id: "sub_1",
      customer: "cus_1",
      periodStart: MAR_1,
      periodEnd: APR_1,
      legacyPeriod: true,
    });
    const facts = subscriptionFacts({ ...sub, customer: { id: "cus_1", object: "customer" } });
    expect(facts).toMatchObject({
      currentPeriodStart: MAR_1,
      currentPeriodEnd: APR_1,
      stripeCustomerId: "cus_1",
      metadataUserId: null,
    });
  });

  test("an unknown lookup key gives no plan; a missing period or status is an error, not a guess", () => {
    const sub = subscription({ id: "sub_1", customer: "cus_1", lookupKey: null, periodStart: MAR_1, periodEnd: APR_1 });
    expect(subscriptionFacts(sub)).toMatchObject({ planId: null, priceLookupKey: null });
    expect(() => subscriptionFacts({ ...sub, items: { object: "list", data: [] } })).toThrow(/priced item/);
    expect(() => subscriptionFacts({ ...sub, status: "weird" })).toThrow(/unknown status/);
    const legacy = subscription({
      id: "sub_1",
      customer: "cus_1",
      periodStart: MAR_1,
      periodEnd: APR_1,
      legacyPeriod: true,
    });
    expect(() => subscriptionFacts({ ...legacy, current_period_end: undefined })).toThrow(/no current period/);
  });
});

describe("invoiceFacts", () => {
  test("finds the subscription (and its metadata snapshot) under parent.subscription_details and the paid period on its line", () => {
    const spec = {
      id: "in_1",
      customer: "cus_1",
      subscription: "sub_1",
      userId: "u1",
      billingReason: "subscription_cycle",
      periodStart: MAR_1,
      periodEnd: APR_1,
    } as const;
    const inv = invoice(spec);
    expect(invoiceFacts(inv)).toEqual({
      invoiceId: "in_1",
      stripeCustomerId: "cus_1",
      stripeSubscriptionId: "sub_1",
      metadataUserId: "u1",
      amountPaid: 2000,
      billingReason: "subscription_cycle",
      period: { start: MAR_1, end: APR_1 },
    });
    expect(invoiceFacts(invoice({ ...spec, id: "in_2", userId: null })).metadataUserId).toBeNull();
  });

  test("falls back to the legacy top-level subscription; a non-subscription invoice has none", () => {
    const legacy = invoice({
      id: "in_1",
      customer: "cus_1",
      subscription: "sub_1",
      billingReason: "subscription_create",
      periodStart: MAR_1,
      periodEnd: APR_1,
      legacy: true,
    });
    expect(invoiceFacts(legacy).stripeSubscriptionId).toBe("sub_1");
    const manual = invoice({
      id: "in_2",
      customer: "cus_1",
      subscription: null,
      billingReason: "manual",
      periodStart: MAR_1,
      periodEnd: APR_1,
    });
    expect(invoiceFacts(manual)).toMatchObject({ stripeSubscriptionId: null, period: null });
  });
});

test("idOf reads ids and expanded objects, and nothing else", () => {
  expect(idOf("cus_1")).toBe("cus_1");
  expect(idOf({ id: "cus_1" })).toBe("cus_1");
  expect([idOf(null), idOf(""), idOf({}), idOf(42)]).toEqual([null, null, null, null]);
});
