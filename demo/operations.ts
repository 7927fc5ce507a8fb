import { vi } from "vitest";
import { internal } from "../convex/_generated/api";
import { HANDLED_EVENT_TYPES } from "../convex/model/stripeHandlers";
import { chapter, say } from "./story";
import { type Backend, stripeAccount, stripeEnv, stubStripe, webhookEndpoint } from "../testing";

/** The operator's view: `billing:doctor` finds a webhook endpoint missing an event type, then passes once it is added. */
export async function operationsChapter(t: Backend) {
  stripeEnv();
  chapter("The operator asks the doctor: npx convex run billing:doctor");
  const missing = HANDLED_EVENT_TYPES.filter((type) => type !== "invoice.paid");
  stubStripe(stripeAccount({ endpoints: [webhookEndpoint({ events: missing })] }));
  const sick = await t.action(internal.billing.doctor, {});
  for (const check of sick.checks) say(`${check.ok ? "✓" : "✗ to fix:"} ${check.name}: ${check.detail}`);
  say(`ok: ${sick.ok}`);

  chapter("invoice.paid is added to the endpoint in the Dashboard; the doctor again");
  stubStripe(stripeAccount());
  const well = await t.action(internal.billing.doctor, {});
  const events = well.checks.find((check) => check.name === "webhook events")!;
  say(`${events.ok ? "✓" : "✗ to fix:"} ${events.name}: ${events.detail}`);
  say(`ok: ${well.ok} (${well.checks.length} checks)`);
  vi.unstubAllGlobals();
  return well;
}
