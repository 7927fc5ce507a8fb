import { describe, expect, test } from "vitest";
import { api, internal } from "./_generated/api";
import {
  type Backend,
  expectCode,
  MAR_1,
  newBackend,
  registeredFunctions,
  seedAdmin,
  seedUser,
  sendOk,
  snapshot,
  stripeCustomer,
  type TestUser,
  useStripeTestEnv,
} from "../testing";

useStripeTestEnv();

const page = { numItems: 10, cursor: null };

/** A backend with Ada (an ordinary user, 100 credits) and an admin. */
async function cast() {
  const t = newBackend();
  const ada = await seedUser(t, "ada@example.com");
  const admin = await seedAdmin(t);
  return { t, ada, admin };
}

const auditOf = (t: Backend) => t.run((ctx) => ctx.db.query("adminAudit").order("desc").collect());

/** Every admin function, called by `user` with valid arguments about `target`. */
const CALLS: Record<string, (user: TestUser, target: TestUser) => Promise<unknown>> = {
  listUsers: (u) => u.as.query(api.admin.listUsers, { paginationOpts: page }),
  getUser: (u, target) => u.as.query(api.admin.getUser, { userId: target.userId }),
  adjustCredits: (u, target) =>
    u.as.mutation(api.admin.adjustCredits, { userId: target.userId, delta: 50, reason: "Goodwill" }),
  listEvents: (u) => u.as.query(api.admin.listEvents, { status: "unmatched", paginationOpts: page }),
  replayEvent: (u) => u.as.action(api.admin.replayEvent, { eventId: "evt_ada_sub" }),
  stats: (u) => u.as.query(api.admin.stats, {}),
  listAudit: (u) => u.as.query(api.admin.listAudit, { paginationOpts: page }),
};

describe("admin functions refuse signed-in users who are not admins", () => {
  test("every public admin function is tested here", async () => {
    const admin = Object.entries(await registeredFunctions())
      .filter(([name, kind]) => name.startsWith("admin:") && kind.startsWith("public"))
      .map(([name]) => name.slice("admin:".length));
    expect(admin.sort()).toEqual(Object.keys(CALLS).sort());
  });

  test.each(Object.entries(CALLS))("%s: FORBIDDEN, nothing changed", async (_name, call) => {
    const { t, ada } = await cast();
    await sendOk(t, "customer.subscription.created", stripeCustomer(ada).subscription(), MAR_1, { id: "evt_ada_sub" });
    const before = await snapshot(t);
    await expectCode(call(ada, ada), "FORBIDDEN");
    expect(await snapshot(t)).toEqual(before);
  });

  test("a revoked admin is refused again", async () => {
    const { t, ada, admin } = await cast();
    await t.mutation(internal.admin.revokeAdmin, { email: "admin@example.com" });
    await expectCode(CALLS.stats!(admin, ada), "FORBIDDEN");
  });
});

describe("a user cannot make themselves admin", () => {
  test("no public function writes a role: profile edits with extra fields are rejected, roles stay empty", async () => {
    const { t, ada } = await cast();
    const roles = () => t.run((ctx) => ctx.db.query("roles").collect());
    const before = await roles();
    // Validators reject fields a function does not declare.
    await expect(ada.as.mutation(api.profiles.updateProfile, { role: "admin" } as never)).rejects.toThrow();
    await expect(
      ada.as.mutation(api.notes.create, { title: "x", body: "y", role: "admin" } as never),
    ).rejects.toThrow();
    await ada.as.mutation(api.profiles.updateProfile, { fullName: "Ada admin" });
    expect(await roles()).toEqual(before);
    await expectCode(CALLS.stats!(ada, ada), "FORBIDDEN");
  });

  test("row rules hide the roles table from public functions", async () => {
    const { t, ada } = await cast();
    const { userDb } = await import("./lib/db");
    await t.run(async (ctx) => {
      const db = userDb(ctx.db, ada.userId);
      expect(await db.query("roles").collect()).toEqual([]);
      await expectCode(db.insert("roles", { userId: ada.userId, role: "admin" }), "FORBIDDEN");
    });
  });

  test("granting needs an existing, unique e-mail; roles are audited as the cli", async () => {
    const { t, ada } = await cast();
    await expectCode(t.mutation(internal.admin.grantAdmin, { email: "nobody@example.com" }), "NOT_FOUND");
    await expectCode(t.mutation(internal.admin.grantAdmin, { email: "not an address" }), "INVALID_ARGUMENT");
    expect(await t.mutation(internal.admin.grantAdmin, { email: " ADA@example.com " })).toEqual({ userId: ada.userId });
    expect(await ada.as.query(api.admin.stats, {})).toMatchObject({ users: 2 });
    const audit = await auditOf(t);
    expect(audit[0]).toMatchObject({ actor: "cli", action: "grantAdmin", target: ada.userId, args: {} });
  });
});

describe("admins", () => {
  test("list users with plan, status and balance, and find one by e-mail", async () => {
    const { t, ada, admin } = await cast();
    await sendOk(t, "customer.subscription.created", stripeCustomer(ada).subscription(), MAR_1);
    const all = await admin.as.query(api.admin.listUsers, { paginationOpts: page });
    expect(all.page.map((row) => row.email)).toEqual(["ada@example.com", "admin@example.com"]);
    expect(all.page[0]).toMatchObject({ userId: ada.userId, planId: "pro", status: "active", balance: 100 });
    expect(all.page[1]).toMatchObject({ planId: "free", status: "none", fullName: null });
    const found = await admin.as.query(api.admin.listUsers, { paginationOpts: page, email: "Ada@Example.com" });
    expect(found.page.map((row) => row.userId)).toEqual([ada.userId]);
    const none = await admin.as.query(api.admin.listUsers, { paginationOpts: page, email: "eve@example.com" });
    expect(none.page).toEqual([]);
  });

  test("pages are 1 to 100 rows", async () => {
    const { admin } = await cast();
    for (const numItems of [0, 101, 1.5]) {
      const paginationOpts = { numItems, cursor: null };
      await expectCode(admin.as.query(api.admin.listUsers, { paginationOpts }), "INVALID_ARGUMENT");
      await expectCode(admin.as.query(api.admin.listAudit, { paginationOpts }), "INVALID_ARGUMENT");
      await expectCode(admin.as.query(api.admin.listEvents, { status: "failed", paginationOpts }), "INVALID_ARGUMENT");
    }
  });

  test("see one user's profile, credits, subscriptions, ledger and Stripe events; NOT_FOUND for others", async () => {
    const { t, ada, admin } = await cast();
    await sendOk(t, "customer.subscription.created", stripeCustomer(ada).subscription(), MAR_1, { id: "evt_1" });
    const seen = await admin.as.query(api.admin.getUser, { userId: ada.userId });
    expect(seen.profile).toMatchObject({ userId: ada.userId, email: "ada@example.com" });
    expect(seen.credits).toMatchObject({ balance: 100, monthlyAllowance: 1_000 });
    expect(seen.subscriptions.map((s) => s.planId)).toEqual(["pro"]);
    expect(seen.ledger.map((e) => e.kind)).toEqual(["signup"]);
    expect(seen.events.map((e) => e.eventId)).toEqual(["evt_1"]);
    expect(seen.events[0]).not.toHaveProperty("payload");
    await expectCode(admin.as.query(api.admin.getUser, { userId: "not-an-id" }), "NOT_FOUND");
    const userWithoutProfile = await t.run((ctx) => ctx.db.insert("users", {}));
    await expectCode(admin.as.query(api.admin.getUser, { userId: userWithoutProfile }), "NOT_FOUND");
  });

  test("adjust credits: signed whole numbers, never below 0, once per key, the admin on the ledger and in the audit", async () => {
    const { t, ada, admin } = await cast();
    const adjust = (args: { delta: number; reason?: string; idempotencyKey?: string; userId?: string }) =>
      admin.as.mutation(api.admin.adjustCredits, { userId: ada.userId, reason: "Support ticket 42", ...args });
    expect(await adjust({ delta: 50, idempotencyKey: "t-42" })).toEqual({ balance: 150 });
    expect(await adjust({ delta: 50, idempotencyKey: "t-42" })).toEqual({ balance: 150 });
    expect(await adjust({ delta: -30 })).toEqual({ balance: 120 });
    const before = await snapshot(t);
    await expectCode(adjust({ delta: -121 }), "INSUFFICIENT_CREDITS");
    await expectCode(adjust({ delta: 1.5 }), "INVALID_ARGUMENT");
    await expectCode(adjust({ delta: 0 }), "INVALID_ARGUMENT");
    await expectCode(adjust({ delta: 5, reason: " " }), "INVALID_ARGUMENT");
    await expectCode(adjust({ delta: 5, reason: "x".repeat(201) }), "INVALID_ARGUMENT");
    await expectCode(adjust({ delta: 5, userId: "nobody" }), "NOT_FOUND");
    expect(await snapshot(t)).toEqual(before);

    const { ledger } = await admin.as.query(api.admin.getUser, { userId: ada.userId });
    expect(ledger.slice(0, 2).map((e) => [e.kind, e.delta, e.actor])).toEqual([
      ["adjust", -30, admin.userId],
      ["adjust", 50, admin.userId],
    ]);
    const audit = await admin.as.query(api.admin.listAudit, { paginationOpts: page });
    const adjustments = audit.page.filter((row) => row.action === "adjustCredits");
    // Each call is audited, the repeat of a key too (it changed nothing but was asked for).
    expect(adjustments.map((row) => [row.actor, row.target, row.args.delta, row.args.idempotencyKey])).toEqual([
      [admin.userId, ada.userId, -30, null],
      [admin.userId, ada.userId, 50, "t-42"],
      [admin.userId, ada.userId, 50, "t-42"],
    ]);
  });

  test("list the Stripe inbox by status and replay an event (audited); NOT_FOUND for an unknown one", async () => {
    const { t, ada, admin } = await cast();
    // Ada's customer before it is linked to her: the subscription is unmatched.
    const stripe = stripeCustomer(ada);
    const orphan = { ...stripe.subscription(), metadata: {} };
    await sendOk(t, "customer.subscription.created", orphan, MAR_1, { id: "evt_orphan" });
    const unmatched = await admin.as.query(api.admin.listEvents, { status: "unmatched", paginationOpts: page });
    expect(unmatched.page.map((e) => e.eventId)).toEqual(["evt_orphan"]);
    expect(unmatched.page[0]).not.toHaveProperty("payload");

    await sendOk(t, "checkout.session.completed", stripe.checkout(), MAR_1);
    expect(await admin.as.action(api.admin.replayEvent, { eventId: "evt_orphan" })).toMatchObject({
      ok: true,
      status: "processed",
    });
    expect(await ada.as.query(api.subscriptions.getSubscription, {})).toMatchObject({ planId: "pro" });
    const before = await snapshot(t);
    await expectCode(admin.as.action(api.admin.replayEvent, { eventId: "evt_nope" }), "NOT_FOUND");
    expect(await snapshot(t)).toEqual(before);
    expect((await auditOf(t))[0]).toMatchObject({
      actor: admin.userId,
      action: "replayEvent",
      target: ada.userId,
      args: { eventId: "evt_orphan", status: "processed" },
    });
  });

  test("the operator's internal functions share the helpers and are audited as the cli", async () => {
    const { t, ada } = await cast();
    const adjust = { userId: ada.userId, delta: 7, reason: "Refund", kind: "refund" as const };
    expect(await t.mutation(internal.credits.adjustCredits, adjust)).toEqual({ balance: 107 });
    await sendOk(t, "customer.subscription.created", stripeCustomer(ada).subscription(), MAR_1, { id: "evt_1" });
    await t.action(internal.stripeEvents.replay, { eventId: "evt_1" });
    const audit = await auditOf(t);
    expect(audit.slice(0, 2).map((row) => [row.actor, row.action, row.target])).toEqual([
      ["cli", "replayEvent", ada.userId],
      ["cli", "adjustCredits", ada.userId],
    ]);
    const entry = await t.run((ctx) =>
      ctx.db
        .query("creditLedger")
        .withIndex("by_userId", (q) => q.eq("userId", ada.userId))
        .order("desc")
        .first(),
    );
    expect(entry).toMatchObject({ kind: "refund", actor: "cli" });
  });
});

describe("hooks for account deletion", () => {
  test("anonymizeUser replaces a user's id in audit rows about them and by them, in batches", async () => {
    const { t, ada, admin } = await cast();
    for (let i = 0; i < 3; i++) {
      await admin.as.mutation(api.admin.adjustCredits, { userId: ada.userId, delta: 1, reason: `r${i}` });
    }
    await admin.as.mutation(api.admin.adjustCredits, { userId: admin.userId, delta: 1, reason: "self" });
    const { serviceDb } = await import("./lib/db");
    const Audit = await import("./model/audit");
    const run = (userId: typeof ada.userId, hashed: string) =>
      t.run((ctx) => Audit.anonymizeUser({ db: serviceDb(ctx.db) }, userId, hashed, [], 2));
    expect(await run(ada.userId, "deleted:ada")).toMatchObject({ more: true });
    expect(await run(ada.userId, "deleted:ada")).toMatchObject({ more: false });
    const rows = await auditOf(t);
    expect(rows.filter((row) => row.target === ada.userId)).toEqual([]);
    expect(rows.filter((row) => row.target === "deleted:ada")).toHaveLength(3);
    // The admin's own rows: as actor (4) and as target (the grant, the self-adjustment).
    while ((await run(admin.userId, "deleted:admin")).more);
    const after = await auditOf(t);
    expect(after.some((row) => row.actor === admin.userId || row.target === admin.userId)).toBe(false);
    expect(after.filter((row) => row.actor === "deleted:admin")).toHaveLength(4);
  });
});
