import { describe, expect, test } from "vitest";
import { api, internal } from "./_generated/api";
import { creditsOf, expectCode, newBackend, seedUser, snapshot, startSignUp } from "../testing";

// Every public text field goes through lib/text.ts: what is stored is NFC,
// without control, bidi or invisible characters, and its length is counted
// after cleaning. The helper's own table of nasty inputs is lib/text.test.ts.
describe("user text is stored clean", () => {
  test("profile: fullName cleaned; avatarUrl stored as new URL(v).href", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const updated = await ada.as.mutation(api.profiles.updateProfile, {
      fullName: "\u202E\u200BAda\u3164 Lovelace\u0000",
      avatarUrl: "https://CDN.Example.com/a/../ada pic.png",
    });
    expect(updated).toMatchObject({ fullName: "Ada Lovelace", avatarUrl: "https://cdn.example.com/ada%20pic.png" });
  });

  test("profile made by an operator (internal.users.createProfile): the same rules", async () => {
    const t = newBackend();
    const userId = await t.run((ctx) => ctx.db.insert("users", { email: "ada@example.com" }));
    const args = { userId, email: "ada@example.com", avatarUrl: "https://X.example/a" };
    await expectCode(t.mutation(internal.users.createProfile, { ...args, fullName: "\u200B" }), "INVALID_ARGUMENT");
    await t.mutation(internal.users.createProfile, { ...args, fullName: " Ada\u202E " });
    expect(await snapshot(t, ["profiles"])).toEqual({
      profiles: [expect.objectContaining({ fullName: "Ada", avatarUrl: "https://x.example/a" })],
    });
  });

  test.each([
    ["zero-width only", "\u200B\u200C\u200D"],
    ["Hangul filler only", "\u3164\u3164"],
    ["bidi overrides only", "\u202E\u202D\u2066"],
    ["control characters only", "\u0000\u0007\u001B"],
  ])("profile: a fullName of %s is INVALID_ARGUMENT and changes nothing", async (_what, fullName) => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const before = await snapshot(t);
    const error = await expectCode(ada.as.mutation(api.profiles.updateProfile, { fullName }), "INVALID_ARGUMENT");
    expect(error).toMatchObject({ field: "fullName" });
    expect(await snapshot(t)).toEqual(before);
  });

  test("notes: title is one clean line, body keeps its lines; an invisible-only title is refused", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const noteId = await ada.as.mutation(api.notes.create, {
      title: " Plan\u200B for\tMonday\u202E ",
      body: "line 1\r\n\tindented\u0000\u200B\r\nline 3",
    });
    expect(await ada.as.query(api.notes.get, { noteId })).toMatchObject({
      title: "Plan for Monday",
      body: "line 1\n\tindented\nline 3",
    });
    const before = await snapshot(t);
    await expectCode(ada.as.mutation(api.notes.create, { title: "\u3164\u200B", body: "x" }), "INVALID_ARGUMENT");
    await expectCode(ada.as.mutation(api.notes.update, { noteId, title: "\u202E" }), "INVALID_ARGUMENT");
    expect(await snapshot(t)).toEqual(before);
  });

  test("ledger: a consume reason is cleaned; an invisible-only one is refused", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    await ada.as.mutation(api.credits.consumeCredits, { amount: 1, reason: "\u202Eimage\u200B generation\u0007" });
    expect((await creditsOf(t, ada.userId)).ledger.at(-1)).toMatchObject({
      kind: "consume",
      reason: "image generation",
    });
    const before = await snapshot(t);
    await expectCode(
      ada.as.mutation(api.credits.consumeCredits, { amount: 1, reason: "\u200B\u3164" }),
      "INVALID_ARGUMENT",
    );
    expect(await snapshot(t)).toEqual(before);
  });

  test("sign-up: an e-mail with invisible characters is INVALID_ARGUMENT and creates nothing", async () => {
    const t = newBackend();
    for (const email of ["ada\u200B@example.com", "\u202Eada@example.com", "ad\u00ADa@example.com"]) {
      const error = await expectCode(startSignUp(t, email), "INVALID_ARGUMENT");
      expect(error).toMatchObject({ field: "email" });
    }
    expect(await snapshot(t, ["users", "authAccounts", "profiles", "credits"])).toEqual({
      users: [],
      authAccounts: [],
      profiles: [],
      credits: [],
    });
  });
});
