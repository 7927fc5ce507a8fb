import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { AWAITING_VERIFICATION } from "./model/ledger";
import { onAuthenticated } from "./model/users";
import { serviceDb } from "./lib/db";
import {
  type Backend,
  creditsOf,
  newBackend,
  type Outbox,
  signUpWithPassword,
  snapshot,
  startSignUp,
  stubResend,
  verifyEmail,
} from "../testing";

// Verification is switched on by AUTH_RESEND_KEY when convex/auth.ts is first
// loaded; this file sets it before anything loads it (each test file has its
// own module registry, so the others sign up without verification).
process.env.AUTH_RESEND_KEY = "re_test_key";
process.env.AUTH_EMAIL_FROM = "Acme <auth@acme.test>";

let outbox: Outbox;
beforeEach(() => {
  outbox = stubResend();
});
afterEach(() => {
  vi.unstubAllGlobals();
});

async function userIdOf(t: Backend, email: string) {
  const users = await t.run((ctx) =>
    ctx.db
      .query("users")
      .withIndex("email", (q) => q.eq("email", email))
      .collect(),
  );
  expect(users).toHaveLength(1);
  return users[0]!._id;
}

const ledgerOf = (t: Backend, userId: Id<"users">) =>
  t.run((ctx) =>
    ctx.db
      .query("creditLedger")
      .withIndex("by_userId", (q) => q.eq("userId", userId))
      .collect(),
  );

describe("free credits wait for a verified e-mail", () => {
  test("sign up → 0 credits → verify with the e-mailed code → the free allowance, once", async () => {
    const t = newBackend();
    const started = await startSignUp(t, "Ada@Example.com");
    expect(started.tokens ?? null).toBeNull(); // nobody is signed in before the code is entered

    // The e-mail went out through Resend's API, with the configured key and sender.
    expect(outbox.messages).toEqual([
      expect.objectContaining({ to: ["ada@example.com"], from: "Acme <auth@acme.test>", apiKey: "re_test_key" }),
    ]);
    const userId = await userIdOf(t, "ada@example.com");
    const state = await snapshot(t, ["profiles", "credits", "creditLedger"]);
    expect(state.profiles).toEqual([expect.objectContaining({ userId, email: "ada@example.com" })]);
    expect(state.credits).toEqual([
      expect.objectContaining({ userId, balance: 0, monthlyAllowance: 0, nextRefillAt: AWAITING_VERIFICATION }),
    ]);
    expect(state.creditLedger).toEqual([]);

    // Typed as at sign-up: the address is normalized before the code is checked.
    const ada = await verifyEmail(t, "Ada@Example.com", outbox.codeFor("ada@example.com"));
    expect(ada.userId).toBe(userId);
    const user = await t.run((ctx) => ctx.db.get("users", userId));
    expect(user).toMatchObject({ email: "ada@example.com", emailVerificationTime: expect.any(Number) });
    const credits = await ada.as.query(api.credits.getCredits, {});
    expect(credits).toMatchObject({ balance: 100, monthlyAllowance: 100 });
    // Refills now fall monthly from the verification date.
    expect(credits!.nextRefillAt).toBeGreaterThan(Date.now());
    expect(credits!.nextRefillAt).toBeLessThan(Date.now() + 32 * 24 * 3600_000);
    expect(await ledgerOf(t, userId)).toEqual([
      expect.objectContaining({ kind: "signup", delta: 100, balanceAfter: 100, idempotencyKey: "signup" }),
    ]);
  });

  test("a second verification (a new code after signing in again) grants nothing", async () => {
    const t = newBackend();
    const ada = await signUpWithPassword(t, "ada@example.com");
    const before = await snapshot(t, ["credits", "creditLedger"]);

    // Signing in with the password of a verified account signs in at once, and grants nothing.
    const again = await t.action(api.auth.signIn, {
      provider: "password",
      params: { email: "ada@example.com", password: "correct-horse-1", flow: "signIn" },
    });
    expect(again.tokens?.token).toEqual(expect.any(String));
    expect(await snapshot(t, ["credits", "creditLedger"])).toEqual(before);

    // Verification run again for the same user (what Convex Auth calls after a code): nothing more.
    await t.run(async (ctx) => {
      await onAuthenticated(
        { db: serviceDb(ctx.db) },
        { userId: ada.userId, isNew: false, type: "verification", profile: {}, requireVerifiedEmail: true },
      );
    });
    expect(await snapshot(t, ["credits", "creditLedger"])).toEqual(before);
    expect((await creditsOf(t, ada.userId)).balance).toBe(100);
  });

  test("signing in before verifying sends a new code, which replaces the first; it grants once", async () => {
    const t = newBackend();
    await startSignUp(t, "bob@example.com");
    const first = outbox.codeFor("bob@example.com");
    const signIn = await t.action(api.auth.signIn, {
      provider: "password",
      params: { email: "bob@example.com", password: "correct-horse-1", flow: "signIn" },
    });
    expect(signIn.tokens ?? null).toBeNull();
    expect(outbox.messages).toHaveLength(2);
    const bob = await verifyEmail(t, "bob@example.com", outbox.codeFor("bob@example.com"));
    expect((await creditsOf(t, bob.userId)).balance).toBe(100);
    // The first code was replaced by the second (one code per account at a time).
    await expect(verifyEmail(t, "bob@example.com", first)).rejects.toThrow(/Could not verify code/);
    expect(await ledgerOf(t, bob.userId)).toHaveLength(1);
    expect((await creditsOf(t, bob.userId)).balance).toBe(100);
  });

  test("a wrong code, or another address's code, is refused and grants nothing", async () => {
    const t = newBackend();
    await startSignUp(t, "ada@example.com");
    await startSignUp(t, "eve@example.com");
    const adaCode = outbox.codeFor("ada@example.com");
    const wrong = adaCode === "00000000" ? "11111111" : "00000000";
    const before = await snapshot(t, ["users", "credits", "creditLedger"]);

    for (const [email, code] of [
      ["ada@example.com", wrong],
      ["eve@example.com", adaCode], // Ada's code typed with Eve's address
    ] as const) {
      await expect(verifyEmail(t, email, code), `${email} ${code}`).rejects.toThrow(/Could not verify code/);
    }
    expect(await snapshot(t, ["users", "credits", "creditLedger"])).toEqual(before);
    // Ada's code still works for Ada.
    const ada = await verifyEmail(t, "ada@example.com", adaCode);
    expect((await creditsOf(t, ada.userId)).balance).toBe(100);
    expect((await creditsOf(t, await userIdOf(t, "eve@example.com"))).balance).toBe(0);
  });

  test("an account waiting for verification is not reached by the refill sweep", async () => {
    const t = newBackend();
    await startSignUp(t, "ada@example.com");
    const userId = await userIdOf(t, "ada@example.com");
    const due = await t.run((ctx) =>
      ctx.db
        .query("credits")
        .withIndex("by_nextRefillAt", (q) => q.lte("nextRefillAt", Date.now() + 10 * 365 * 24 * 3600_000))
        .collect(),
    );
    expect(due.map((row) => row.userId)).not.toContain(userId);
  });

  test("an OAuth user whose provider vouched for the e-mail gets the allowance at once", async () => {
    const t = newBackend();
    const userId = await t.run(async (ctx) => {
      // What Convex Auth writes for an OAuth sign-in (it sets emailVerificationTime), then its callback.
      const id = await ctx.db.insert("users", { email: "grace@example.com", emailVerificationTime: Date.now() });
      await onAuthenticated(
        { db: serviceDb(ctx.db) },
        { userId: id, isNew: true, type: "oauth", profile: { email: "grace@example.com" }, requireVerifiedEmail: true },
      );
      return id;
    });
    expect(await creditsOf(t, userId)).toMatchObject({ balance: 100 });
    expect(await ledgerOf(t, userId)).toEqual([expect.objectContaining({ kind: "signup", delta: 100 })]);
  });

  test("one address, one allowance: a password account verified after an OAuth account with its e-mail gets none", async () => {
    const t = newBackend();
    // A password sign-up waits for its code; meanwhile the same person (or not) signs in with Google.
    await startSignUp(t, "grace@example.com");
    const passwordUser = await userIdOf(t, "grace@example.com");
    const oauthUser = await t.run(async (ctx) => {
      // Convex Auth links an OAuth sign-in only to a user whose e-mail is verified: this one is new.
      const id = await ctx.db.insert("users", { email: "grace@example.com", emailVerificationTime: Date.now() });
      await onAuthenticated(
        { db: serviceDb(ctx.db) },
        { userId: id, isNew: true, type: "oauth", profile: { email: "grace@example.com" }, requireVerifiedEmail: true },
      );
      return id;
    });
    expect((await creditsOf(t, oauthUser)).balance).toBe(100);

    await verifyEmail(t, "grace@example.com", outbox.codeFor("grace@example.com"));
    expect((await creditsOf(t, passwordUser)).balance).toBe(0);
    expect(await ledgerOf(t, passwordUser)).toEqual([]);
    expect(await ledgerOf(t, oauthUser)).toHaveLength(1);
  });
});
