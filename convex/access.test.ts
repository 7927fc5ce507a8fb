/// <reference types="vite/client" />
import { describe, expect, test } from "vitest";
import { api } from "./_generated/api";
import { type Backend, expectCode, newBackend, seedUser, snapshot } from "../testing";

// Every public function in the package, found by loading the deployed modules,
// so a function added without an entry below fails this file.
const deployed = import.meta.glob<Record<string, unknown>>(["./**/*.ts", "!./**/*.*.ts", "!./_generated/**"], {
  eager: true,
});

type Registered = {
  isPublic?: boolean;
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  exportArgs(): string;
  exportReturns(): string | null;
};

function publicFunctions(): Map<string, Registered> {
  const found = new Map<string, Registered>();
  for (const [path, exports] of Object.entries(deployed)) {
    const module = path.replace(/^\.\//, "").replace(/\.ts$/, "");
    for (const [name, value] of Object.entries(exports)) {
      const fn = value as Registered;
      if (
        fn &&
        (typeof fn === "object" || typeof fn === "function") &&
        fn.isPublic &&
        (fn.isQuery || fn.isMutation || fn.isAction)
      ) {
        found.set(`${module}:${name}`, fn);
      }
    }
  }
  return found;
}

// @convex-dev/auth's own endpoints: they are how a user signs in, so they are
// open by design (signIn validates credentials, signOut ends the caller's session).
const AUTH_LIBRARY = new Set(["auth:signIn", "auth:signOut", "auth:isAuthenticated"]);

const someId = "000000000000000000000000000notes";

/** How an anonymous client would call each public function (with valid args). */
const ANONYMOUS: Record<string, (t: Backend) => Promise<unknown>> = {
  "profiles:getProfile": (t) => t.query(api.profiles.getProfile, {}),
  "profiles:updateProfile": (t) => t.mutation(api.profiles.updateProfile, { fullName: "Eve" }),
  "subscriptions:getSubscription": (t) => t.query(api.subscriptions.getSubscription, {}),
  "credits:getCredits": (t) => t.query(api.credits.getCredits, {}),
  "notes:list": (t) => t.query(api.notes.list, { paginationOpts: { numItems: 10, cursor: null } }),
  "notes:get": (t) => t.query(api.notes.get, { noteId: someId as never }),
  "notes:create": (t) => t.mutation(api.notes.create, { title: "x", body: "y" }),
  "notes:update": (t) => t.mutation(api.notes.update, { noteId: someId as never, title: "x" }),
  "notes:remove": (t) => t.mutation(api.notes.remove, { noteId: someId as never }),
  "credits:consumeCredits": (t) => t.mutation(api.credits.consumeCredits, { amount: 1 }),
  "credits:reserveCredits": (t) => t.mutation(api.credits.reserveCredits, { amount: 1 }),
  "credits:commitReservation": (t) => t.mutation(api.credits.commitReservation, { reservationId: "r" }),
  "credits:releaseReservation": (t) => t.mutation(api.credits.releaseReservation, { reservationId: "r" }),
  "credits:listCreditHistory": (t) =>
    t.query(api.credits.listCreditHistory, { paginationOpts: { numItems: 10, cursor: null } }),
  "billing:createCheckoutSession": (t) =>
    t.action(api.billing.createCheckoutSession, { planId: "pro", interval: "month" }),
  "billing:createPortalSession": (t) => t.action(api.billing.createPortalSession, {}),
  // Admin functions: signed-in admins only (admin.test.ts covers non-admins and admins).
  "admin:listUsers": (t) => t.query(api.admin.listUsers, { paginationOpts: { numItems: 10, cursor: null } }),
  "admin:getUser": (t) => t.query(api.admin.getUser, { userId: someId }),
  "admin:adjustCredits": (t) => t.mutation(api.admin.adjustCredits, { userId: someId, delta: 5, reason: "x" }),
  "admin:listEvents": (t) =>
    t.query(api.admin.listEvents, { status: "failed", paginationOpts: { numItems: 10, cursor: null } }),
  "admin:replayEvent": (t) => t.action(api.admin.replayEvent, { eventId: "evt_1" }),
  "admin:stats": (t) => t.query(api.admin.stats, {}),
  "admin:listAudit": (t) => t.query(api.admin.listAudit, { paginationOpts: { numItems: 10, cursor: null } }),
};

describe("every public function", () => {
  const functions = publicFunctions();

  test("is listed here, so its anonymous access is tested", () => {
    const listed = new Set([...Object.keys(ANONYMOUS), ...AUTH_LIBRARY]);
    expect([...functions.keys()].filter((name) => !listed.has(name))).toEqual([]);
    expect([...listed].filter((name) => !functions.has(name))).toEqual([]);
  });

  test("declares args and returns validators", () => {
    for (const [name, fn] of functions) {
      if (AUTH_LIBRARY.has(name)) continue;
      expect(JSON.parse(fn.exportArgs()).type, `${name} args`).toBe("object");
      expect(fn.exportReturns(), `${name} returns`).not.toBeNull();
      expect(JSON.parse(fn.exportReturns()!).type, `${name} returns`).not.toBe("any");
    }
  });

  test.each(Object.entries(ANONYMOUS))("%s refuses anonymous callers and changes nothing", async (_name, call) => {
    const t = newBackend();
    await seedUser(t, "owner@example.com");
    const before = await snapshot(t);
    await expectCode(call(t), "UNAUTHENTICATED");
    expect(await snapshot(t)).toEqual(before);
  });
});

describe("owners see their own rows, others their own or nothing", () => {
  test("profile and credits getters answer for the caller only", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const bob = await seedUser(t, "bob@example.com");
    for (const user of [ada, bob]) {
      expect((await user.as.query(api.profiles.getProfile, {}))?.userId).toBe(user.userId);
      expect(await user.as.query(api.credits.getCredits, {})).toMatchObject({ balance: 100 });
    }
  });

  test("a signed-in user whose rows do not exist gets null", async () => {
    const t = newBackend();
    const userId = await t.run((ctx) => ctx.db.insert("users", {}));
    const as = t.withIdentity({ subject: `${userId}|s` });
    expect(await as.query(api.profiles.getProfile, {})).toBeNull();
    expect(await as.query(api.credits.getCredits, {})).toBeNull();
    expect(await as.query(api.subscriptions.getSubscription, {})).toBeNull();
  });
});
