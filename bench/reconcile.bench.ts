import { expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { serviceDb } from "../convex/lib/db";
import { insertAccount } from "../convex/model/ledger";
import { measure, writeSection, type Call } from "./report";
import {
  APR_1,
  clockAt,
  HOUR,
  MAR_1,
  newBackend,
  stripeAccount,
  stripeEnv,
  stubStripe,
  subscription,
  subscriptionList,
  type Listed,
} from "../testing";

// billing:reconcile and billing:doctor: documents read and written per
// reconciled subscription (the page mutation, divided by its 100
// subscriptions), and Stripe requests.

const N = 200;

test("reconciliation: documents per subscription, Stripe requests per 100", async () => {
  stripeEnv();
  clockAt(MAR_1 + HOUR, { timers: true });
  const t = newBackend(true);
  const ids = await t.run(async (ctx) => {
    const db = serviceDb(ctx.db);
    const out: Id<"users">[] = [];
    for (let i = 0; i < N; i++) {
      const userId = await db.insert("users", { email: `user${i}@example.com`, emailVerificationTime: MAR_1 });
      await insertAccount({ db }, userId, { openedAt: MAR_1, balance: 100 });
      out.push(userId);
    }
    return out;
  });
  const sub = (i: number, lookupKey = "pro_monthly", userId: string | null = ids[i]!) =>
    subscription({ id: `sub_${i}`, customer: `cus_${i}`, userId, lookupKey, periodStart: MAR_1, periodEnd: APR_1 });
  let current: Listed[] = [];
  const requests = stubStripe(subscriptionList(() => current));
  const rows: (string | number)[][] = [];
  const run = async (label: string, next: Listed[]) => {
    current = next;
    const before = requests.length;
    const calls: Call[] = await measure(async () => {
      await t.action(internal.billing.reconcile, {});
      await t.finishAllScheduledFunctions(vi.runAllTimers);
    });
    const pages = calls.filter((c) => c.name === "stripeOps:applyReconcilePage");
    const read = pages.reduce((sum, c) => sum + c.documentsRead, 0);
    const written = pages.reduce((sum, c) => sum + c.documentsWritten, 0);
    const perPage =
      pages.length === 0
        ? "-"
        : `${Math.max(...pages.map((c) => c.documentsRead))} / ${Math.max(...pages.map((c) => c.documentsWritten))}`;
    rows.push([
      label,
      N,
      (read / N).toFixed(2),
      (written / N).toFixed(2),
      perPage,
      ((requests.length - before) * 100) / N,
    ]);
  };
  // Half with our checkout's metadata.userId on the subscription, half adopted by the customer's verified e-mail.
  const fresh = (i: number): Listed =>
    i % 2 === 0
      ? { subscription: sub(i) }
      : { subscription: sub(i, "pro_monthly", null), email: `user${i}@example.com` };
  await run(
    "not stored yet (half adopted by verified e-mail)",
    ids.map((_, i) => fresh(i)),
  );
  await run(
    "unchanged (the daily run, nothing missed)",
    ids.map((_, i) => fresh(i)),
  );
  await run(
    "plan switched in Stripe (pro → business, no invoice paid yet: allowance only)",
    ids.map((_, i) => ({ ...fresh(i), subscription: sub(i, "business_monthly", i % 2 === 0 ? ids[i]! : null) })),
  );
  await run(
    "unknown customers (unmatched, recorded once)",
    ids.map((_, i) => ({
      subscription: subscription({ id: `sub_x${i}`, customer: `cus_x${i}`, periodStart: MAR_1, periodEnd: APR_1 }),
    })),
  );
  await run(
    "unknown customers again (already recorded)",
    ids.map((_, i) => ({
      subscription: subscription({ id: `sub_x${i}`, customer: `cus_x${i}`, periodStart: MAR_1, periodEnd: APR_1 }),
    })),
  );

  // The doctor: Stripe requests for a set-up account.
  const doctorRequests = stubStripe(stripeAccount());
  const doctorCalls = await measure(() => t.action(internal.billing.doctor, {}));
  vi.unstubAllGlobals();
  vi.useRealTimers();
  const health = doctorCalls.find((c) => c.name === "stripeOps:inboxHealth")!;
  expect(doctorRequests).toHaveLength(4);
  writeSection(
    "40-reconcile",
    "Stripe reconciliation and the doctor",
    `\`billing:reconcile\` over ${N} subscriptions (2 pages of 100: one Stripe list request with \`expand[]=data.customer\` and one \`stripeOps:applyReconcilePage\` transaction each). ` +
      "Documents per subscription are the page transactions' totals divided by the subscriptions; a subscription that already matches Stripe is read, never written. " +
      `\`billing:doctor\`: ${doctorRequests.length} Stripe requests (prices by lookup key, active prices, webhook endpoints, portal configuration; one more per further 100 active prices) ` +
      `and one query reading ${health.documentsRead} documents (up to 101 per inbox status counted, 100 processed events).`,
    [
      "run",
      "subscriptions",
      "read per subscription",
      "written per subscription",
      "max read / written in one page",
      "Stripe requests per 100",
    ],
    rows,
  );
  for (const row of rows) expect(row[5]).toBe(1);
});
