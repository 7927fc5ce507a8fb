import { getDocumentSize } from "convex/values";
import { describe, expect, test } from "vitest";
import { internal } from "./_generated/api";
import { MAX_PAYLOAD_BYTES } from "./model/stripeInbox";
import { THIN_EVENT_NOTE } from "./model/stripeBody";
import {
  type Backend,
  deliver,
  deliverBody,
  event,
  expectCode,
  expectConsole,
  MAR_1,
  MINUTE,
  newBackend,
  sec,
  seedUser,
  sendOk,
  sentOf,
  snapshot,
  stateWithoutInbox,
  stripeCustomer,
  thinEvent,
  useStripeTestEnv,
} from "../testing";

// README, Billing → Guarantees, "The inbox never trips over one event": a
// correctly signed body is always answered and recorded, whatever it holds.
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
    // Applied all the same: everything but the inbox is as the same event with a small body leaves it.
    const { subscriptions } = await snapshot(t, ["subscriptions"]);
    expect(subscriptions).toEqual([expect.objectContaining({ stripeSubscriptionId: "sub_ada", planId: "pro" })]);
    const state = await stateWithoutInbox(t);
    const twin = await setup();
    await sendOk(twin.t, "customer.subscription.created", twin.stripe.subscription(), MAR_1 - MINUTE);
    expect(state).toEqual(await stateWithoutInbox(twin.t));
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

describe("a signed body that is not a Stripe event is answered 400 and recorded as failed", () => {
  const envelope = { object: "event", id: "evt_broken", type: "invoice.paid", created: sec(MAR_1) };
  const cases: [string, string, { eventId: string | RegExp; type: string; error: string }][] = [
    ["not JSON", "<html>oops</html>", { eventId: /^body-sha256:[0-9a-f]{64}$/, type: "unknown", error: "not JSON" }],
    ["an empty object", "{}", { eventId: /^body-sha256:[0-9a-f]{64}$/, type: "unknown", error: 'not "event"' }],
    ["a JSON array", "[1,2]", { eventId: /^body-sha256:/, type: "unknown", error: "not a JSON object" }],
    [
      "data.object null",
      JSON.stringify({ ...envelope, data: { object: null } }),
      { eventId: "evt_broken", type: "invoice.paid", error: "no data.object" },
    ],
    [
      "data missing",
      JSON.stringify(envelope),
      { eventId: "evt_broken", type: "invoice.paid", error: "no data.object" },
    ],
    [
      "an id that is not a string",
      JSON.stringify({ ...envelope, id: 42, data: { object: { id: "in_1" } } }),
      { eventId: /^body-sha256:/, type: "invoice.paid", error: "no id" },
    ],
  ];

  test.each(cases)("%s", async (_, body, expected) => {
    const { t } = await setup();
    const errors = expectConsole("error", "Stripe webhook body rejected: Not a Stripe snapshot event");
    const before = await stateWithoutInbox(t);
    const sent = await sentOf(await deliverBody(t, body));
    expect(sent).toEqual({
      http: 400,
      ok: false,
      status: "failed",
      duplicate: false,
      rejected: true,
      note: expect.stringContaining(expected.error),
    });
    const rows = await inbox(t);
    expect(rows).toEqual([
      expect.objectContaining({
        eventId: typeof expected.eventId === "string" ? expected.eventId : expect.stringMatching(expected.eventId),
        type: expected.type,
        status: "failed",
        attempts: 1,
        lastError: expect.stringContaining(expected.error),
        processedAt: null,
        payload: body,
      }),
    ]);
    expect(await stateWithoutInbox(t)).toEqual(before);

    // Delivered again (Stripe retries non-2xx answers): the same row counts it.
    expect((await deliverBody(t, body)).status).toBe(400);
    expect(await inbox(t)).toEqual([expect.objectContaining({ eventId: rows[0]!.eventId, attempts: 2 })]);
    // A replay of the stored body is rejected the same way, not a crash.
    expect(await t.action(internal.stripeEvents.replay, { eventId: rows[0]!.eventId })).toMatchObject({
      ok: false,
      rejected: true,
    });
    expect(await inbox(t)).toEqual([expect.objectContaining({ attempts: 3 })]);
    expect(await stateWithoutInbox(t)).toEqual(before);
    expect(errors.messages).toHaveLength(3);
  });

  test("two different bodies without an id get two rows; a tampered one is refused and nothing is written", async () => {
    const { t } = await setup();
    expectConsole("error", "Stripe webhook body rejected");
    expect((await deliverBody(t, "{}")).status).toBe(400);
    expect((await deliverBody(t, '{"hello":"world"}')).status).toBe(400);
    const rows = await inbox(t);
    // Keyed by the body's SHA-256, so the same body always lands on the same row.
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("{}")));
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    expect(rows[0]!.eventId).toBe(`body-sha256:${hex}`);
    expect(new Set(rows.map((r) => r.eventId)).size).toBe(2);
    const before = await snapshot(t);
    const res = await deliverBody(t, "{}", { tamper: () => "{ }" });
    expect([res.status, await res.text()]).toEqual([400, "Invalid signature"]);
    expect(await snapshot(t)).toEqual(before);
  });
});

describe("thin (v2) events", () => {
  test("a correctly signed thin event is answered 400 and recorded as failed, with a note to subscribe to snapshot events", async () => {
    const { t } = await setup();
    const errors = expectConsole(
      "error",
      "Stripe webhook body rejected: Thin events (v2.core.event) are not supported",
    );
    const before = await stateWithoutInbox(t);
    const thin = thinEvent({ id: "evt_test_thin_1", createdMs: MAR_1 - MINUTE, relatedObjectId: "mtr_test_1" });
    const body = JSON.stringify(thin);
    const sent = await sentOf(await deliverBody(t, body));
    expect(sent).toMatchObject({ http: 400, ok: false, status: "failed", rejected: true, note: THIN_EVENT_NOTE });
    expect(await inbox(t)).toEqual([
      expect.objectContaining({
        eventId: "evt_test_thin_1",
        type: "v1.billing.meter.error_report_triggered",
        status: "failed",
        attempts: 1,
        lastError: THIN_EVENT_NOTE,
        note: THIN_EVENT_NOTE,
        eventCreatedAt: MAR_1 - MINUTE,
        objectId: "mtr_test_1",
        processedAt: null,
        payload: body,
      }),
    ]);
    expect(THIN_EVENT_NOTE).toContain("subscribe this endpoint to snapshot events");
    expect(await stateWithoutInbox(t)).toEqual(before);
    // Listed with the failures an operator reviews.
    expect(await t.query(internal.stripeEvents.list, { status: "failed" })).toEqual([
      expect.objectContaining({ eventId: "evt_test_thin_1", note: THIN_EVENT_NOTE }),
    ]);
    expect(errors.messages).toHaveLength(1);
  });

  test("a thin event with a wrong, missing or stale signature is still 400 with nothing written", async () => {
    const { t } = await setup();
    const thin = thinEvent({ createdMs: MAR_1 });
    const before = await snapshot(t);
    for (const opts of [{ secret: "whsec_someone_else" }, { unsigned: true }, { timestamp: sec(MAR_1) - 301 }]) {
      const res = await deliver(t, thin, opts);
      expect([res.status, await res.text()]).toEqual([400, "Invalid signature"]);
    }
    expect(await snapshot(t)).toEqual(before);
  });
});
