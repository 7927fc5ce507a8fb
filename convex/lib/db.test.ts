import { afterEach, describe, expect, test, vi } from "vitest";
import type { GenericDatabaseWriter } from "convex/server";
import type { DataModel, Id } from "../_generated/dataModel";
import { wrapDatabaseWriter } from "convex-helpers/server/rowLevelSecurity";
import schema, { APP_TABLE_NAMES } from "../schema";
import { serviceDb, userDb } from "./db";
import { expectCode, newBackend, seedUser, snapshot } from "../../testing";

afterEach(() => {
  vi.useRealTimers();
});

// These tests drive the wrapper directly, as a handler with a bug would: the
// row rules must hold even when the handler forgets to check ownership.
describe("row rules (user role)", () => {
  test("another user's rows are invisible to get and query", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const bob = await seedUser(t, "bob@example.com");
    await t.run(async (ctx) => {
      const db = userDb(ctx.db, bob.userId);
      const adaProfile = await ctx.db
        .query("profiles")
        .withIndex("by_userId", (q) => q.eq("userId", ada.userId))
        .unique();
      expect(await db.get("profiles", adaProfile!._id)).toBeNull();
      // A scan of the whole table (a handler bug) still yields only Bob's row.
      const visible = await db.query("profiles").collect();
      expect(visible.map((p) => p.userId)).toEqual([bob.userId]);
    });
  });

  test("writes to another user's rows are refused and change nothing", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const bob = await seedUser(t, "bob@example.com");
    const adaNote = await t.run((ctx) =>
      serviceDb(ctx.db).insert("notes", { userId: ada.userId, title: "a", body: "b" }),
    );
    const before = await snapshot(t);
    const asBob = (fn: (db: ReturnType<typeof userDb>) => Promise<unknown>) =>
      t.run((ctx) => fn(userDb(ctx.db, bob.userId)));
    await expectCode(
      asBob((db) => db.patch("notes", adaNote, { title: "hacked" })),
      "NOT_FOUND",
    );
    await expectCode(
      asBob((db) => db.delete("notes", adaNote)),
      "NOT_FOUND",
    );
    await expectCode(
      asBob((db) => db.insert("notes", { userId: ada.userId, title: "x", body: "y" })),
      "FORBIDDEN",
    );
    expect(await snapshot(t)).toEqual(before);
  });

  test("a row cannot be handed to another user by a patch", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const bob = await seedUser(t, "bob@example.com");
    const before = await snapshot(t);
    await expectCode(
      t.run(async (ctx) => {
        const db = userDb(ctx.db, bob.userId);
        const note = await db.insert("notes", { userId: bob.userId, title: "mine", body: "" });
        await db.patch("notes", note, { userId: ada.userId });
      }),
      "FORBIDDEN",
    );
    expect(await snapshot(t)).toEqual(before);
  });

  test("deny by default: tables without a rule are unreadable and unwritable", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    await t.run(async (ctx) => {
      const db = userDb(ctx.db, ada.userId);
      // The users table has no rule: even the caller's own users row is hidden.
      expect(await db.get("users", ada.userId)).toBeNull();
      expect(await db.query("users").collect()).toEqual([]);
    });
    await expectCode(
      t.run((ctx) => userDb(ctx.db, ada.userId).insert("users", { email: "x@y.z" })),
      "FORBIDDEN",
    );
    // Subscriptions are readable by their owner but written only by the service role.
    await expectCode(
      t.run((ctx) =>
        userDb(ctx.db, ada.userId).insert("subscriptions", {
          userId: ada.userId,
          stripeCustomerId: "cus_1",
          stripeSubscriptionId: "sub_1",
          planId: "business",
          status: "active",
          currentPeriodEnd: 0,
        } as never),
      ),
      "FORBIDDEN",
    );
  });

  test("checking a patch reads nothing beyond the row the handler already read", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    // Documents read by: find the caller's profile through the index, then patch it.
    const readThenPatch = (wrap: (db: GenericDatabaseWriter<DataModel>) => GenericDatabaseWriter<DataModel>) =>
      t.run(async (ctx) => {
        const db = wrap(ctx.db);
        const profile = await db
          .query("profiles")
          .withIndex("by_userId", (q) => q.eq("userId", ada.userId))
          .unique();
        await db.patch("profiles", profile!._id, { fullName: "Ada" });
        return (await ctx.meta.getTransactionMetrics()).documentsRead.used;
      });

    // Ours: one read by the query, one that Convex counts for the patch itself.
    expect(await readThenPatch((db) => userDb(db, ada.userId) as unknown as GenericDatabaseWriter<DataModel>)).toBe(2);
    // The stock convex-helpers RLS writer reads the row again before the patch:
    // the reason lib/db.ts exists.
    const own = async (_: unknown, doc: { userId: string }) => doc.userId === ada.userId;
    expect(
      await readThenPatch((db) =>
        wrapDatabaseWriter({}, db, { profiles: { read: own, modify: own } }, { defaultPolicy: "deny" }),
      ),
    ).toBe(3);
  });

  test("a row the handler inserted is patched without reading it first, and still cannot be handed over", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const bob = await seedUser(t, "bob@example.com");
    const before = await snapshot(t);
    const read = await t.run(async (ctx) => {
      const db = userDb(ctx.db, ada.userId);
      const id = await db.insert("notes", { userId: ada.userId, title: "a", body: "" });
      await db.patch("notes", id, { title: "b" });
      await expectCode(db.patch("notes", id, { userId: bob.userId }), "FORBIDDEN");
      return (await ctx.meta.getTransactionMetrics()).documentsRead.used;
    });
    // Only the read Convex counts for the patch itself.
    expect(read).toBe(1);
    const after = await snapshot(t);
    expect(after.notes).toEqual([expect.objectContaining({ userId: ada.userId, title: "b" })]);
    expect({ ...after, notes: [] }).toEqual({ ...before, notes: [] });
  });
});

describe("updatedAt (both roles)", () => {
  test("is set on insert and on every patch, by the write itself", async () => {
    vi.useFakeTimers({ now: new Date("2026-01-01T00:00:00Z") });
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const noteId = await t.run((ctx) =>
      userDb(ctx.db, ada.userId).insert("notes", { userId: ada.userId, title: "t", body: "" }),
    );
    const created = await t.run((ctx) => ctx.db.get("notes", noteId));
    expect(created!.updatedAt).toBe(Date.parse("2026-01-01T00:00:00Z"));

    vi.setSystemTime(new Date("2026-01-02T00:00:00Z"));
    const writes = await t.run(async (ctx) => {
      await userDb(ctx.db, ada.userId).patch("notes", noteId, { title: "u" });
      return (await ctx.meta.getTransactionMetrics()).documentsWritten.used;
    });
    expect(writes).toBe(1);
    expect((await t.run((ctx) => ctx.db.get("notes", noteId)))!.updatedAt).toBe(Date.parse("2026-01-02T00:00:00Z"));

    vi.setSystemTime(new Date("2026-01-03T00:00:00Z"));
    await t.run((ctx) => serviceDb(ctx.db).patch("notes", noteId, { body: "service" }));
    expect((await t.run((ctx) => ctx.db.get("notes", noteId)))!.updatedAt).toBe(Date.parse("2026-01-03T00:00:00Z"));
  });

  test("the service role bypasses row rules", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const count = await t.run(async (ctx) => (await serviceDb(ctx.db).query("users").collect()).length);
    expect(count).toBe(1);
    await t.run((ctx) => serviceDb(ctx.db).patch("users", ada.userId as Id<"users">, { name: "Ada" }));
    expect((await t.run((ctx) => ctx.db.get("users", ada.userId)))!.name).toBe("Ada");
  });
});

describe("schema", () => {
  test("every app table has updatedAt, so the wrapper can keep it", () => {
    for (const table of APP_TABLE_NAMES) {
      const fields = (schema.tables[table].validator as unknown as { fields: Record<string, { kind: string }> }).fields;
      expect(fields.updatedAt?.kind, table).toBe("float64");
    }
  });
});
