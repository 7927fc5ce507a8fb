import { expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import { SWEEP_BATCH } from "../convex/model/refills";
import { type Call, measure, measureOne, writeSection } from "./report";
import { type Backend, JAN_31, newBackend, seedDueUsers, seedUser } from "../testing";

test("credits: documents per call", async () => {
  vi.useFakeTimers();
  vi.setSystemTime(JAN_31);
  const t = newBackend(true);
  const { userId, as } = await seedUser(t, "bench@example.com");
  await seedUser(t, "other@example.com");
  const reserve = (amount: number) => as.mutation(api.credits.reserveCredits, { amount });
  const [r1, r2, r3, r4] = [await reserve(5), await reserve(5), await reserve(5), await reserve(5)];
  const page = { paginationOpts: { numItems: 10, cursor: null } };
  const rows: [string, Call][] = [
    ["credits.getCredits", await measureOne(() => as.query(api.credits.getCredits, {}))],
    ["credits.consumeCredits", await measureOne(() => as.mutation(api.credits.consumeCredits, { amount: 1 }))],
    [
      "credits.consumeCredits (new idempotency key)",
      await measureOne(() => as.mutation(api.credits.consumeCredits, { amount: 1, idempotencyKey: "k1" })),
    ],
    [
      "credits.consumeCredits (repeated key: first result)",
      await measureOne(() => as.mutation(api.credits.consumeCredits, { amount: 1, idempotencyKey: "k1" })),
    ],
    ["credits.reserveCredits", await measureOne(() => reserve(5))],
    [
      "credits.commitReservation (all)",
      await measureOne(() => as.mutation(api.credits.commitReservation, { reservationId: r1.reservationId })),
    ],
    [
      "credits.commitReservation (part, rest returned)",
      await measureOne(() =>
        as.mutation(api.credits.commitReservation, { reservationId: r2.reservationId, amount: 2 }),
      ),
    ],
    [
      "credits.releaseReservation",
      await measureOne(() => as.mutation(api.credits.releaseReservation, { reservationId: r3.reservationId })),
    ],
    [
      "credits.expireReservation (internal, scheduled)",
      await measureOne(() => t.mutation(internal.credits.expireReservation, { reservationId: r4.reservationId })),
    ],
    ["credits.listCreditHistory (page of 10)", await measureOne(() => as.query(api.credits.listCreditHistory, page))],
  ];
  expect(userId).toBeTruthy();
  const [get, consume, keyed] = rows.map(([, c]) => c);
  // The targets of the credits issue; a write also reads the users row once
  // (a deleted account's token writes nothing: README, "Account deletion").
  expect(get).toMatchObject({ documentsRead: 1, documentsWritten: 0 });
  expect(consume).toMatchObject({ documentsRead: 3, documentsWritten: 2 });
  expect(keyed).toMatchObject({ documentsRead: 3, documentsWritten: 2 });
  writeSection(
    "20-credits",
    "Credits: per call",
    "One call each, signed in, with the default limits enforced. A ledger key lookup that finds nothing reads nothing; a patch counts one read of the row it merges into.",
    ["function", "documents read", "documents written"],
    rows.map(([name, c]) => [name, c.documentsRead, c.documentsWritten]),
  );
  vi.useRealTimers();
});

/** Seeds `n` due users, runs the sweep to the end, and sums what every transaction did. */
async function refillRun(n: number) {
  // Fake the clock and timers the scheduler uses, not \`performance\` (the wall time below).
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  vi.setSystemTime(JAN_31);
  const t: Backend = newBackend(true);
  await seedDueUsers(t, n, JAN_31);
  const started = performance.now();
  const calls = await measure(async () => {
    await t.mutation(internal.credits.refillDue, {});
    await t.finishAllScheduledFunctions(vi.runAllTimers, 10_000);
  });
  const seconds = (performance.now() - started) / 1000;
  const idleCall = await measureOne(() => t.mutation(internal.credits.refillDue, {}));
  vi.useRealTimers();
  const sweeps = calls.filter((c) => c.name === "credits:refillDue");
  const sum = (k: "documentsRead" | "documentsWritten") => sweeps.reduce((s, c) => s + c[k], 0);
  const max = (k: "documentsRead" | "documentsWritten") => Math.max(...sweeps.map((c) => c[k]));
  expect(sum("documentsWritten")).toBe(2 * n);
  expect(idleCall).toMatchObject({ documentsRead: 0, documentsWritten: 0 });
  return {
    n,
    transactions: sweeps.length,
    read: sum("documentsRead"),
    written: sum("documentsWritten"),
    maxRead: max("documentsRead"),
    maxWritten: max("documentsWritten"),
    seconds,
    idleCall,
  };
}

test("credits: refill of N due users", async () => {
  const runs = [];
  for (const n of [1_000, 10_000, 100_000]) runs.push(await refillRun(n));
  writeSection(
    "21-credits-refill",
    "Credits: monthly refill of N due users",
    [
      `\`internal.credits.refillDue\` run once, then through the batches (${SWEEP_BATCH.toLocaleString("en-US")} accounts each) it schedules`,
      "for itself, with the default limits enforced (no transaction may exceed them). Users seeded",
      "straight into the tables. When N is a multiple of the batch, the last transaction finds nobody",
      "left and costs nothing.",
      "The last column is the sweep that follows, with nobody due: it reads and writes nothing",
      "whatever the number of users. Wall time is convex-test's in-memory database, not Convex's.",
    ].join("\n"),
    [
      "due users",
      "transactions",
      "documents read",
      "documents written",
      "written per user",
      "max read / written in one transaction",
      "convex-test seconds",
      "next sweep (nobody due): read / written",
    ],
    runs.map((r) => [
      r.n.toLocaleString("en"),
      r.transactions,
      r.read.toLocaleString("en"),
      r.written.toLocaleString("en"),
      r.written / r.n,
      `${r.maxRead} / ${r.maxWritten}`,
      r.seconds.toFixed(1),
      `${r.idleCall.documentsRead} / ${r.idleCall.documentsWritten}`,
    ]),
  );
});
