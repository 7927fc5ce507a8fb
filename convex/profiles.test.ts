import { describe, expect, test } from "vitest";
import { api } from "./_generated/api";
import { expectCode, newBackend, seedUser, snapshot } from "../testing";

describe("profiles", () => {
  test("the owner reads and edits their profile; fullName is trimmed", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const updated = await ada.as.mutation(api.profiles.updateProfile, {
      fullName: "  Ada Lovelace ",
      avatarUrl: "https://cdn.example.com/ada.png",
    });
    expect(updated).toMatchObject({ fullName: "Ada Lovelace", avatarUrl: "https://cdn.example.com/ada.png" });
    expect(await ada.as.query(api.profiles.getProfile, {})).toEqual(updated);
  });

  test("null clears a field", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    await ada.as.mutation(api.profiles.updateProfile, { fullName: "Ada", avatarUrl: "https://x.example/a.png" });
    const cleared = await ada.as.mutation(api.profiles.updateProfile, { avatarUrl: null });
    expect(cleared.avatarUrl).toBeUndefined();
    expect((await ada.as.query(api.profiles.getProfile, {}))?.avatarUrl).toBeUndefined();
    expect((await ada.as.query(api.profiles.getProfile, {}))?.fullName).toBe("Ada");
  });

  test("another user sees and edits only their own profile", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const bob = await seedUser(t, "bob@example.com");
    await bob.as.mutation(api.profiles.updateProfile, { fullName: "Bob" });
    expect((await bob.as.query(api.profiles.getProfile, {}))?.userId).toBe(bob.userId);
    expect((await ada.as.query(api.profiles.getProfile, {}))?.fullName).toBeUndefined();
  });

  test("a signed-in user without a profile gets null, and NOT_FOUND on update", async () => {
    const t = newBackend();
    const userId = await t.run((ctx) => ctx.db.insert("users", {}));
    const as = t.withIdentity({ subject: `${userId}|s` });
    expect(await as.query(api.profiles.getProfile, {})).toBeNull();
    await expectCode(as.mutation(api.profiles.updateProfile, { fullName: "X" }), "NOT_FOUND");
  });

  const bad: [string, Record<string, unknown>][] = [
    ["empty fullName", { fullName: "" }],
    ["blank fullName", { fullName: "    " }],
    ["fullName over 100 characters", { fullName: "x".repeat(101) }],
    ["http avatar", { avatarUrl: "http://example.com/a.png" }],
    ["javascript: avatar", { avatarUrl: "javascript:alert(1)" }],
    ["relative avatar", { avatarUrl: "/a.png" }],
    ["avatar over 2048 characters", { avatarUrl: `https://example.com/${"a".repeat(2040)}` }],
    ["a good name with a bad avatar", { fullName: "Fine", avatarUrl: "ftp://example.com/a" }],
  ];
  test.each(bad)("%s is INVALID_ARGUMENT and changes nothing", async (_what, args) => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const before = await snapshot(t);
    await expectCode(ada.as.mutation(api.profiles.updateProfile, args), "INVALID_ARGUMENT");
    expect(await snapshot(t)).toEqual(before);
  });

  test("fields other than fullName and avatarUrl are not writable", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const before = await snapshot(t);
    for (const extra of [{ email: "evil@example.com" }, { userId: ada.userId }, { updatedAt: 1 }]) {
      // Rejected by the args validator before the handler runs.
      await expect(ada.as.mutation(api.profiles.updateProfile, extra as never)).rejects.toThrow(
        /Validator|extra field/i,
      );
    }
    expect(await snapshot(t)).toEqual(before);
  });

  test("fullName of exactly 100 characters and an avatar of exactly 2048 are accepted", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const avatarUrl = `https://example.com/${"a".repeat(2048 - 20)}`;
    expect(avatarUrl).toHaveLength(2048);
    const updated = await ada.as.mutation(api.profiles.updateProfile, { fullName: "n".repeat(100), avatarUrl });
    expect(updated.fullName).toHaveLength(100);
  });
});
