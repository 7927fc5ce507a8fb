import { getDocumentSize } from "convex/values";
import { describe, expect, test } from "vitest";
import { internal } from "./_generated/api";
import { MAX_PAYLOAD_BYTES } from "./model/stripeInbox";
import {
  type Backend,
  creditsOf,
  deliverBody,
  event,
  expectCode,
  MAR_1,
  MINUTE,
  newBackend,
  seedUser,
  sentOf,
  snapshot,
  stateWithoutInbox,
  stripeCustomer,
  useStripeTestEnv,
} from "../testing";

// README, Billing → Guarantees, "The inbox never trips over one event".
// (Signatures, exactly-once and processing failures: stripeEvents.test.ts.)

useStripeTestEnv();

async function setup() {
  const t = newBackend();
  const ada = await seedUser(t, "ada@example.com");
  return { t, ada, stripe: stripeCustomer(ada) };
}

const inbox = (t: Backend) => t.run((ctx) => ctx.db.query("stripeEvents").collect());
const bytes = (text: string) => new TextEncoder().encode(text).length;

describe("payload size is measured in bytes", () => {
  test("an event over 1 MiB in UTF-8 (though under the old limit in characters) is applied and recorded without its body", async () => {
    const { t, ada, stripe } = await setup();
    // "€" is one character and three bytes: 400,000 of them are 1.2 MB.
    const sub = { ...stripe.subscription(), description: "€".repeat(400_000) };
    const evt = event("customer.subscription.created", sub, MAR_1 - MINUTE);
    const body = JSON.stringify(evt, null, 2);
    expect(body.length).toBeLessThan(500_000); // the old limit, in characters
    expect(bytes(body)).toBeGreaterThan(1 << 20); // Convex's document limit

    expect(await sentOf(await deliverBody(t, body))).toMatchObject({ http: 200, ok: true, status: "processed" });
    const [row] = await inbox(t);
    expect(row).toMatchObject({
      eventId: evt.id,
      type: "customer.subscription.created",
      status: "processed",
      attempts: 1,
      lastError: null,
      eventCreatedAt: MAR_1 - MINUTE,
      objectId: "sub_ada",
      stripeCustomerId: "cus_ada",
      userId: ada.userId,
      payload: "",
    });
    expect(getDocumentSize(row!)).toBeLessThan(1 << 20);
    // Applied all the same: the subscription is stored and the upgrade granted.
    const { subscriptions } = await snapshot(t, ["subscriptions"]);
    expect(subscriptions).toEqual([expect.objectContaining({ stripeSubscriptionId: "sub_ada", planId: "pro" })]);
    const state = await stateWithoutInbox(t);
    expect(await creditsOf(t, ada.userId)).toMatchObject({ balance: 1000, ledgerSum: 1000 });
    // Not replayable, and the operator is told why.
    const missing = await expectCode(t.action(internal.stripeEvents.replay, { eventId: evt.id }), "NOT_FOUND");
    expect(missing.message).toContain("too large to keep");
    expect(await stateWithoutInbox(t)).toEqual(state);
  });

  test(`a body of exactly ${MAX_PAYLOAD_BYTES.toLocaleString("en")} bytes is kept whole; one byte more is not`, async () => {
    const { t } = await setup();
    const sized = async (id: string, size: number) => {
      const empty = JSON.stringify(event("customer.updated", { id: "cus_x", object: "customer", name: "" }, MAR_1, id));
      // Two-byte "é" for most of the padding, ASCII for the last byte when the count is odd.
      const pad = size - bytes(empty);
      const name = "é".repeat(Math.floor(pad / 2)) + "e".repeat(pad % 2);
      const body = empty.replace('"name":""', `"name":"${name}"`);
      expect(bytes(body)).toBe(size);
      return body;
    };
    const before = await stateWithoutInbox(t);
    const exact = await sized("evt_exact", MAX_PAYLOAD_BYTES);
    const over = await sized("evt_over", MAX_PAYLOAD_BYTES + 1);
    expect((await deliverBody(t, exact)).status).toBe(200);
    expect((await deliverBody(t, over)).status).toBe(200);
    const rows = await inbox(t);
    expect(rows.map((r) => [r.eventId, r.status, r.objectId, r.payload === "" ? "" : bytes(r.payload)])).toEqual([
      ["evt_exact", "ignored", "cus_x", MAX_PAYLOAD_BYTES],
      ["evt_over", "ignored", "cus_x", ""],
    ]);
    for (const row of rows) expect(getDocumentSize(row)).toBeLessThan(1 << 20);
    expect(await stateWithoutInbox(t)).toEqual(before);
  });
});
