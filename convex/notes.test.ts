import { describe, expect, test } from "vitest";
import { api } from "./_generated/api";
import { expectCode, newBackend, seedUser, snapshot } from "../testing";

// The worked example's tests: copy them with the table.
describe("notes (worked example of a user-owned table)", () => {
  test("the owner creates, lists, reads, updates and removes notes", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const first = await ada.as.mutation(api.notes.create, { title: " First ", body: "one" });
    const second = await ada.as.mutation(api.notes.create, { title: "Second", body: "two" });

    const page = await ada.as.query(api.notes.list, { paginationOpts: { numItems: 1, cursor: null } });
    expect(page.page.map((n) => n.title)).toEqual(["Second"]);
    const rest = await ada.as.query(api.notes.list, { paginationOpts: { numItems: 10, cursor: page.continueCursor } });
    expect(rest.page.map((n) => n.title)).toEqual(["First"]);

    const updated = await ada.as.mutation(api.notes.update, { noteId: first, body: "uno" });
    expect(updated).toMatchObject({ title: "First", body: "uno" });
    expect(await ada.as.query(api.notes.get, { noteId: first })).toEqual(updated);

    await ada.as.mutation(api.notes.remove, { noteId: second });
    await expectCode(ada.as.query(api.notes.get, { noteId: second }), "NOT_FOUND");
  });

  test("another user cannot list, read, change or remove them", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const bob = await seedUser(t, "bob@example.com");
    const noteId = await ada.as.mutation(api.notes.create, { title: "Private", body: "secret" });
    const before = await snapshot(t);

    expect((await bob.as.query(api.notes.list, { paginationOpts: { numItems: 10, cursor: null } })).page).toEqual([]);
    await expectCode(bob.as.query(api.notes.get, { noteId }), "NOT_FOUND");
    await expectCode(bob.as.mutation(api.notes.update, { noteId, title: "mine now" }), "NOT_FOUND");
    await expectCode(bob.as.mutation(api.notes.remove, { noteId }), "NOT_FOUND");
    expect(await snapshot(t)).toEqual(before);
  });

  test("bad input is INVALID_ARGUMENT and changes nothing", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const noteId = await ada.as.mutation(api.notes.create, { title: "ok", body: "" });
    const before = await snapshot(t);
    await expectCode(ada.as.mutation(api.notes.create, { title: " ", body: "" }), "INVALID_ARGUMENT");
    await expectCode(ada.as.mutation(api.notes.create, { title: "t".repeat(201), body: "" }), "INVALID_ARGUMENT");
    await expectCode(ada.as.mutation(api.notes.update, { noteId, body: "b".repeat(10_001) }), "INVALID_ARGUMENT");
    expect(await snapshot(t)).toEqual(before);
  });
});
