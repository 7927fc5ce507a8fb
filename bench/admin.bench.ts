import { expect, test } from "vitest";
import { api, internal } from "../convex/_generated/api";
import { SHARDS } from "../convex/model/stats";
import { measure, measureOne, writeSection } from "./report";
import { fillStatsShards, MAR_1, newBackend, seedAdmin, seedUser, sendOk, stripeCustomer, stripeEnv } from "../testing";

// Documents read and written by each admin call, and by the sign-up work the
// stats add to. The admin builders read the caller's role (1 document); the
// user builders read nothing for it.

test("admin: documents per call", async () => {
  stripeEnv();
  const t = newBackend(true);
  const admin = await seedAdmin(t);
  const users = [];
  for (let i = 0; i < 30; i++) users.push(await seedUser(t, `user${i}@example.com`));
  await fillStatsShards(t);
  const ada = users[0]!;
  await sendOk(t, "customer.subscription.created", stripeCustomer(ada).subscription(), MAR_1, { id: "evt_1" });
  for (let i = 0; i < 10; i++) {
    await admin.as.mutation(api.admin.adjustCredits, { userId: users[i]!.userId, delta: 1, reason: "bench" });
  }
  const page = { numItems: 10, cursor: null };
  const rows = [
    ["profiles.getProfile (an ordinary user)", await measureOne(() => ada.as.query(api.profiles.getProfile, {}))],
    ["credits.getCredits (an ordinary user)", await measureOne(() => ada.as.query(api.credits.getCredits, {}))],
    [
      `admin.stats (${SHARDS} shards, any number of users)`,
      await measureOne(() => admin.as.query(api.admin.stats, {})),
    ],
    [
      "admin.listUsers (page of 10)",
      await measureOne(() => admin.as.query(api.admin.listUsers, { paginationOpts: page })),
    ],
    [
      "admin.listUsers (by e-mail)",
      await measureOne(() => admin.as.query(api.admin.listUsers, { paginationOpts: page, email: "user3@example.com" })),
    ],
    [
      "admin.getUser (1 subscription, 3 ledger entries, 1 event)",
      await measureOne(() => admin.as.query(api.admin.getUser, { userId: ada.userId })),
    ],
    [
      "admin.adjustCredits",
      await measureOne(() =>
        admin.as.mutation(api.admin.adjustCredits, { userId: ada.userId, delta: 5, reason: "bench" }),
      ),
    ],
    [
      "admin.listEvents (page of 10)",
      await measureOne(() => admin.as.query(api.admin.listEvents, { status: "processed", paginationOpts: page })),
    ],
    [
      "admin.listAudit (page of 10)",
      await measureOne(() => admin.as.query(api.admin.listAudit, { paginationOpts: page })),
    ],
    [
      "users.createProfile (sign-up work: profile, account, ledger entry, stats shard)",
      await measureOne(async () => {
        const userId = await t.run((ctx) => ctx.db.insert("users", { email: "new@example.com" }));
        await t.mutation(internal.users.createProfile, { userId, email: "new@example.com" });
      }),
    ],
  ] as const;
  const replay = await measure(() => admin.as.action(api.admin.replayEvent, { eventId: "evt_1" }));
  // The role check is the admin's one extra read; ordinary getters stay at 1.
  expect(rows[0][1].documentsRead).toBe(1);
  expect(rows[1][1].documentsRead).toBe(1);
  expect(rows[2][1]).toMatchObject({ documentsRead: 1 + SHARDS, documentsWritten: 0 });
  writeSection(
    "50-admin",
    "Admin API and stats",
    "One call each, as an admin (the role check reads 1 document) among 31 users, with every stats shard present. " +
      "`admin.replayEvent` is an action: its calls are listed in order (role check, payload, ingest, audit).",
    ["function", "documents read", "documents written"],
    [
      ...rows.map(([name, c]) => [name, c.documentsRead, c.documentsWritten]),
      [
        "admin.replayEvent (action)",
        replay.map((c) => c.documentsRead).join(" + "),
        replay.map((c) => c.documentsWritten).join(" + "),
      ],
    ],
  );
});
