import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import type { TableNames } from "./_generated/dataModel";
import { serviceDb } from "./lib/db";
import * as RateLimits from "./model/rateLimits";
import { APP_TABLE_NAMES } from "./schema";
import {
  clockAt,
  expectCode,
  MAR_1,
  newBackend,
  type Outbox,
  snapshot,
  startSignUp,
  stubResend,
  useClock,
  verifyEmail,
} from "../testing";
import { RATE_LIMITS } from "../src/limits";

// Verification e-mails cost money (Resend) and land in someone's inbox: one
// address gets at most RATE_LIMITS.verificationEmails of them, however the
// code is asked for (sign-up, signing in unverified, the `email-verification`
// flow without a code, which needs no password). Verification is switched on
// before convex/auth.ts loads (see verification.test.ts).
process.env.AUTH_RESEND_KEY = "re_test_key";

useClock(MAR_1);

let outbox: Outbox;
beforeEach(() => {
  outbox = stubResend();
});
afterEach(() => {
  vi.unstubAllGlobals();
});

const EVERYTHING: TableNames[] = ["users", "authAccounts", "authVerificationCodes", "rateLimits", ...APP_TABLE_NAMES];

const signIn = (t: ReturnType<typeof newBackend>, email: string) =>
  t.action(api.auth.signIn, {
    provider: "password",
    params: { email, password: "correct-horse-1", flow: "signIn" },
  });
/** Asks for a new code with the address alone (no password): anyone can do this. */
const askForCode = (t: ReturnType<typeof newBackend>, email: string) =>
  t.action(api.auth.signIn, { provider: "password", params: { email, flow: "email-verification" } });

describe("verification e-mails: a bucket per address", () => {
  test("past the burst, asking for a code again sends nothing and changes nothing; after the wait one more goes", async () => {
    const t = newBackend();
    const { capacity, period, rate } = RATE_LIMITS.verificationEmails;
    await startSignUp(t, "victim@example.com");
    // Signing in again, and asking with the address alone, spend from the same bucket.
    for (let i = 1; i < capacity; i++)
      await (i % 2 === 0 ? signIn(t, "victim@example.com") : askForCode(t, "Victim@Example.com"));
    expect(outbox.messages).toHaveLength(capacity);
    const lastCode = outbox.codeFor("victim@example.com");
    const before = await snapshot(t, EVERYTHING);

    const refused = await expectCode(signIn(t, "victim@example.com"), "RATE_LIMITED");
    expect(refused).toMatchObject({ retryAfter: period / rate, rateLimit: "verificationEmails" });
    await expectCode(askForCode(t, "VICTIM@example.com "), "RATE_LIMITED");
    expect(outbox.messages).toHaveLength(capacity);
    // Nothing changed: in particular the code last sent is still the one that works.
    expect(await snapshot(t, EVERYTHING)).toEqual(before);

    // Another address has its own bucket.
    await startSignUp(t, "ada@example.com");
    expect(outbox.messages).toHaveLength(capacity + 1);

    clockAt(MAR_1 + (refused.retryAfter as number));
    await askForCode(t, "victim@example.com");
    expect(outbox.messages).toHaveLength(capacity + 2);
    await expectCode(askForCode(t, "victim@example.com"), "RATE_LIMITED");
    expect(lastCode).not.toBe(outbox.codeFor("victim@example.com"));
  });

  test("a refused send leaves the code already sent usable", async () => {
    const t = newBackend();
    await startSignUp(t, "bob@example.com");
    for (let i = 1; i < RATE_LIMITS.verificationEmails.capacity; i++) await askForCode(t, "bob@example.com");
    await expectCode(askForCode(t, "bob@example.com"), "RATE_LIMITED");
    const bob = await verifyEmail(t, "bob@example.com", outbox.codeFor("bob@example.com"));
    expect((await bob.as.query(api.credits.getCredits, {}))?.balance).toBe(100);
  });

  test("the bucket is found by the address and goes with the user's buckets", async () => {
    const t = newBackend();
    await startSignUp(t, "carol@example.com");
    const userId = await t.run(
      async (ctx) =>
        (await ctx.db
          .query("users")
          .withIndex("email", (q) => q.eq("email", "carol@example.com"))
          .unique())!._id,
    );
    const buckets = await t.run((ctx) => RateLimits.userBuckets({ db: serviceDb(ctx.db) }, userId));
    expect(buckets.map((b) => [b.name, b.key])).toEqual([["verificationEmails", "carol@example.com"]]);
    expect(await t.run((ctx) => RateLimits.deleteUserBuckets({ db: serviceDb(ctx.db) }, userId))).toBe(1);
    const rows = (await snapshot(t, ["rateLimits"])).rateLimits as { name: string }[];
    expect(rows.map((r) => r.name)).toEqual(["signUps"]);
  });
});
