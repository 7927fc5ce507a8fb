import { describe, expect, test } from "vitest";
import { api, internal } from "./_generated/api";
import { expectCode, newBackend, signUpWithPassword, snapshot } from "../testing";

describe("sign-up", () => {
  test("a password sign-up creates exactly one profile and one credits row", async () => {
    const t = newBackend();
    const { userId, as } = await signUpWithPassword(t, "Ada@Example.com");

    const state = await snapshot(t);
    expect(state.users).toHaveLength(1);
    expect(state.profiles).toEqual([
      expect.objectContaining({ userId, email: "ada@example.com", updatedAt: expect.any(Number) }),
    ]);
    expect(state.credits).toEqual([expect.objectContaining({ userId, balance: 100, monthlyAllowance: 100 })]);
    expect(state.creditLedger).toEqual([
      expect.objectContaining({ userId, delta: 100, balanceAfter: 100, kind: "signup" }),
    ]);
    expect(await as.query(api.profiles.getProfile, {})).toMatchObject({ email: "ada@example.com" });
  });

  test("signing in again creates nothing", async () => {
    const t = newBackend();
    await signUpWithPassword(t, "ada@example.com");
    const before = await snapshot(t, ["profiles", "credits", "creditLedger"]);
    const again = await t.action(api.auth.signIn, {
      provider: "password",
      params: { email: "ada@example.com", password: "correct-horse-1", flow: "signIn" },
    });
    expect(again.tokens?.token).toEqual(expect.any(String));
    expect(await snapshot(t, ["profiles", "credits", "creditLedger"])).toEqual(before);
  });

  test("a weak password is refused with INVALID_ARGUMENT and creates no user", async () => {
    const t = newBackend();
    for (const password of ["short1", "allletters", "password1"]) {
      const data = await expectCode(
        t.action(api.auth.signIn, {
          provider: "password",
          params: { email: "weak@example.com", password, flow: "signUp" },
        }),
        "INVALID_ARGUMENT",
      );
      expect(data.field).toBe("password");
    }
    expect((await snapshot(t)).users).toEqual([]);
  });

  test("an invalid email is refused", async () => {
    const t = newBackend();
    await expectCode(
      t.action(api.auth.signIn, {
        provider: "password",
        params: { email: "not-an-email", password: "correct-horse-1", flow: "signUp" },
      }),
      "INVALID_ARGUMENT",
    );
    expect((await snapshot(t)).users).toEqual([]);
  });

  test("createProfile is idempotent", async () => {
    const t = newBackend();
    const userId = await t.run((ctx) => ctx.db.insert("users", { email: "x@example.com" }));
    const args = { userId, email: "x@example.com", fullName: "X" };
    const first = await t.mutation(internal.users.createProfile, args);
    const before = await snapshot(t);
    const second = await t.mutation(internal.users.createProfile, args);
    expect(first.created).toBe(true);
    expect(second).toEqual({ created: false, profileId: first.profileId });
    expect(await snapshot(t)).toEqual(before);
  });
});
