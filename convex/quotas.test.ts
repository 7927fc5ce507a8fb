import { describe, expect, test } from "vitest";
import { api } from "./_generated/api";
import type { Id, TableNames } from "./_generated/dataModel";
import { serviceDb } from "./lib/db";
import { createNote } from "./model/notes";
import { APP_TABLE_NAMES } from "./schema";
import { type Backend, expectCode, JAN_31, newBackend, seedUser, snapshot, spend, useClock } from "../testing";
import { QUOTAS } from "../src/limits";

// One story per quota (src/limits.ts): the call past it is LIMIT_REACHED with
// `limit` (or INVALID_ARGUMENT for sizes), changes nothing, and passes once
// there is room again.

useClock(JAN_31);

const EVERYTHING: TableNames[] = ["users", "rateLimits", ...APP_TABLE_NAMES];

describe("held reservations: at most 20 per user", () => {
  test("the 21st is refused; once one ends there is room again", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const reserve = () => ada.as.mutation(api.credits.reserveCredits, { amount: 1 });
    const held = [];
    for (let i = 0; i < QUOTAS.heldReservations; i++) held.push(await reserve());
    const before = await snapshot(t, EVERYTHING);
    expect(await expectCode(reserve(), "LIMIT_REACHED")).toMatchObject({ limit: QUOTAS.heldReservations });
    expect(await snapshot(t, EVERYTHING)).toEqual(before);

    await ada.as.mutation(api.credits.releaseReservation, { reservationId: held[0]!.reservationId });
    await reserve();
    await expectCode(reserve(), "LIMIT_REACHED");
    // Someone else's reservations do not count against hers.
    const bob = await seedUser(t, "bob@example.com");
    await bob.as.mutation(api.credits.reserveCredits, { amount: 1 });
  });
});

/** `n` notes made the way notes.create makes them (counter kept), without the rate limit. */
async function seedNotes(t: Backend, userId: Id<"users">, n: number) {
  await t.run(async (ctx) => {
    for (let i = 0; i < n; i++) await createNote({ db: serviceDb(ctx.db) }, userId, { title: `n${i}`, body: "" });
  });
}

describe("notes: at most 1,000 per user, titles of 200 and bodies of 10,000 characters", () => {
  test("the 1,001st note is refused; after a delete there is room for one", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    await seedNotes(t, ada.userId, QUOTAS.notes);
    const before = await snapshot(t, EVERYTHING);
    const create = () => ada.as.mutation(api.notes.create, { title: "one more", body: "" });
    expect(await expectCode(create(), "LIMIT_REACHED")).toMatchObject({ limit: QUOTAS.notes });
    expect(await snapshot(t, EVERYTHING)).toEqual(before);

    const page = await ada.as.query(api.notes.list, { paginationOpts: { numItems: 1, cursor: null } });
    await ada.as.mutation(api.notes.remove, { noteId: page.page[0]!._id });
    await create();
    await expectCode(create(), "LIMIT_REACHED");
  });

  test("notes kept before the quota existed are counted once, on the next create or delete", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const bob = await seedUser(t, "bob@example.com");
    // Rows as an older version stored them: no counter.
    await t.run(async (ctx) => {
      for (const { userId } of [ada, bob]) {
        for (let i = 0; i < 3; i++) await serviceDb(ctx.db).insert("notes", { userId, title: "old", body: "" });
      }
    });
    const counts = async () =>
      ((await snapshot(t, ["noteCounts"])).noteCounts as { userId: string; count: number }[])
        .map((c) => [c.userId === ada.userId ? "ada" : "bob", c.count])
        .sort();
    await ada.as.mutation(api.notes.create, { title: "new", body: "" });
    const { page } = await bob.as.query(api.notes.list, { paginationOpts: { numItems: 1, cursor: null } });
    await bob.as.mutation(api.notes.remove, { noteId: page[0]!._id });
    expect(await counts()).toEqual([
      ["ada", 4],
      ["bob", 2],
    ]);
  });

  test("a title over 200 or a body over 10,000 characters is INVALID_ARGUMENT; at the limit it passes", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const title = "t".repeat(QUOTAS.noteTitleLength);
    const body = "b".repeat(QUOTAS.noteBodyLength);
    const noteId = await ada.as.mutation(api.notes.create, { title, body });
    const before = await snapshot(t, EVERYTHING);
    await expectCode(ada.as.mutation(api.notes.create, { title: title + "t", body: "" }), "INVALID_ARGUMENT");
    await expectCode(ada.as.mutation(api.notes.create, { title: "ok", body: body + "b" }), "INVALID_ARGUMENT");
    await expectCode(ada.as.mutation(api.notes.update, { noteId, body: body + "b" }), "INVALID_ARGUMENT");
    expect(await snapshot(t, EVERYTHING)).toEqual(before);
  });
});

describe("every paginated list takes 1 to 100 items a page", () => {
  const lists = {
    "notes.list": (as: Awaited<ReturnType<typeof seedUser>>["as"], numItems: number) =>
      as.query(api.notes.list, { paginationOpts: { numItems, cursor: null } }),
    "credits.listCreditHistory": (as: Awaited<ReturnType<typeof seedUser>>["as"], numItems: number) =>
      as.query(api.credits.listCreditHistory, { paginationOpts: { numItems, cursor: null } }),
  };

  test.each(Object.entries(lists))("%s refuses 0, 101, 1.5 and a million; 1 and 100 pass", async (_name, list) => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    // At least a full page in both lists: 120 notes; the sign-up grant and 99 spends in the ledger.
    await seedNotes(t, ada.userId, 120);
    for (let i = 0; i < 99; i++) await spend(t, ada.userId, 1);
    for (const numItems of [0, -1, QUOTAS.pageSize + 1, 1.5, 1_000_000, Number.NaN]) {
      const error = await expectCode(list(ada.as, numItems), "INVALID_ARGUMENT");
      expect(error.field).toBe("paginationOpts.numItems");
    }
    expect((await list(ada.as, 1)).page).toHaveLength(1);
    expect((await list(ada.as, QUOTAS.pageSize)).page).toHaveLength(QUOTAS.pageSize);
  });
  test("an endCursor (which makes Convex ignore numItems) or a client's maximumRowsRead reads no more than two pages", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    await seedNotes(t, ada.userId, 1_000);
    // A cursor near the end of the list, as paging through it gives.
    let cursor: string | null = null;
    for (let i = 0; i < 9; i++) {
      const page: { continueCursor: string } = await ada.as.query(api.notes.list, {
        paginationOpts: { numItems: 100, cursor },
      });
      cursor = page.continueCursor;
    }
    const all = await ada.as.query(api.notes.list, {
      paginationOpts: { numItems: 1, cursor: null, endCursor: cursor, maximumRowsRead: 1_000_000 },
    });
    expect(all.page.length).toBeGreaterThan(0);
    expect(all.page.length).toBeLessThanOrEqual(2 * QUOTAS.pageSize);
    expect(all.isDone).toBe(false);
    // A page refetched between two cursors (what usePaginatedQuery does) is still served whole.
    const first = await ada.as.query(api.notes.list, { paginationOpts: { numItems: 100, cursor: null } });
    const again = await ada.as.query(api.notes.list, {
      paginationOpts: { numItems: 100, cursor: null, endCursor: first.continueCursor },
    });
    expect(again.page.map((n) => n._id)).toEqual(first.page.map((n) => n._id));
  });
});
