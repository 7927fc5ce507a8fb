import { describe, expect, test } from "vitest";
import { serviceDb } from "./lib/db";
import { linkCustomer } from "./model/customers";
import { billingStory, DAY, MAR_1, refundedCharge, snapshot, stateWithoutInbox, useStripeTestEnv } from "../testing";

// charge.refunded and the refund policy (README, "Refund policy"): no
// automatic clawback; the event is kept for a person to decide.

useStripeTestEnv();

describe("charge.refunded", () => {
  test("is recorded for a person to decide; credits are not taken back", async () => {
    const { t, ada, stripe, send } = await billingStory();
    await send("customer.subscription.created", stripe.subscription(), MAR_1);
    await send("invoice.paid", stripe.invoice(), MAR_1);
    await t.run((ctx) => linkCustomer({ db: serviceDb(ctx.db) }, ada.userId, "cus_ada"));
    const before = await stateWithoutInbox(t);
    const result = await send("charge.refunded", refundedCharge({ id: "ch_1", customer: "cus_ada" }), MAR_1 + DAY);
    expect(result).toMatchObject({ status: "needs_attention", note: expect.stringContaining("ch_1") });
    expect(await stateWithoutInbox(t)).toEqual(before);
    expect((await snapshot(t)).stripeEvents).toContainEqual(
      expect.objectContaining({ type: "charge.refunded", userId: ada.userId }),
    );
  });

  test("for an unknown customer is unmatched", async () => {
    const { send } = await billingStory();
    expect(await send("charge.refunded", refundedCharge({ id: "ch_2", customer: "cus_nobody" }), MAR_1)).toMatchObject({
      status: "unmatched",
    });
  });
});
