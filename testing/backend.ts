/// <reference types="vite/client" />
// A fresh in-memory backend (convex-test) with this package's schema and
// functions, and users signed in the two ways tests need.
import { convexTest, type TestConvex } from "convex-test";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { serviceDb } from "../convex/lib/db";
import { onSignUp } from "../convex/model/users";
import schema from "../convex/schema";
import { ensureResend } from "./email";

/** Every deployed module (files with two dots, like tests, are not deployed). */
export const modules = import.meta.glob(["../convex/**/*.*s", "!../convex/**/*.*.*s"]);

export type Backend = TestConvex<typeof schema>;
export type TransactionLimits = NonNullable<
  Parameters<typeof convexTest>[0] extends infer O ? (O extends { transactionLimits?: infer L } ? L : never) : never
>;

/** Auth env for @convex-dev/auth: a fresh RS256 key pair per test file, and the URLs it signs for. */
async function authEnv() {
  const { privateKey, publicKey } = await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  );
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", privateKey));
  const base64 = btoa(String.fromCharCode(...pkcs8));
  const pem = `-----BEGIN PRIVATE KEY----- ${base64.match(/.{1,64}/g)!.join(" ")} -----END PRIVATE KEY-----`;
  const jwk = await crypto.subtle.exportKey("jwk", publicKey);
  process.env.JWT_PRIVATE_KEY = pem;
  process.env.JWKS = JSON.stringify({ keys: [{ use: "sig", alg: "RS256", ...jwk }] });
  process.env.SITE_URL = "http://localhost:5173";
  process.env.CONVEX_SITE_URL = "https://test.convex.site";
}
process.env.AUTH_LOG_LEVEL ??= "ERROR";
await authEnv();

/**
 * A fresh in-memory backend. `transactionLimits: true` enforces Convex's
 * per-transaction limits; an object scales them down.
 */
export function newBackend(transactionLimits?: TransactionLimits): Backend {
  return convexTest({ schema, modules, transactionLimits });
}

/** A signed-in user: their id, and the backend as they call it. */
export type TestUser = { userId: Id<"users">; as: ReturnType<Backend["withIdentity"]> };

/** The backend as `userId` calls it (the `userId|sessionId` subject that Convex Auth issues). */
export function signedInAs(t: Backend, userId: Id<"users">, session = "session"): TestUser {
  return { userId, as: t.withIdentity({ subject: `${userId}|${session}` }) };
}

/** The `sub` of a JWT that @convex-dev/auth issued. */
function subjectOf(token: string): string {
  const payload = token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/");
  return (JSON.parse(atob(payload)) as { sub: string }).sub;
}

/** The user a sign-in result's token is for, as they call the backend. */
function userFromTokens(t: Backend, tokens: { token: string } | null | undefined): TestUser {
  if (!tokens) throw new Error("the sign-in returned no tokens");
  const subject = subjectOf(tokens.token);
  return { userId: subject.split("|")[0] as Id<"users">, as: t.withIdentity({ subject }) };
}

/**
 * Signs up through the real Password provider (and its callbacks) and returns
 * the signed-in user. When e-mail verification is on (AUTH_RESEND_KEY set in
 * the test file), the code goes to a fake Resend (`stubResend`, installed if
 * `fetch` is not one) and the user enters it from the e-mail, as a person would.
 */
export async function signUpWithPassword(t: Backend, email: string, password = "correct-horse-1"): Promise<TestUser> {
  const outbox = process.env.AUTH_RESEND_KEY ? ensureResend() : null;
  const result = await startSignUp(t, email, password);
  if (result.tokens) return userFromTokens(t, result.tokens);
  if (outbox === null) throw new Error("sign-up waits for e-mail verification, but AUTH_RESEND_KEY is not set");
  return await verifyEmail(t, email, outbox.codeFor(email.trim().toLowerCase()));
}

/** The Password sign-up call alone: with verification on, it sends the code and signs nobody in (no tokens). */
export async function startSignUp(t: Backend, email: string, password = "correct-horse-1") {
  return await t.action(api.auth.signIn, { provider: "password", params: { email, password, flow: "signUp" } });
}

/** Enters `code` for `email` (Password's `email-verification` flow) and returns the signed-in user. */
export async function verifyEmail(t: Backend, email: string, code: string): Promise<TestUser> {
  const result = await t.action(api.auth.signIn, {
    provider: "password",
    params: { email, code, flow: "email-verification" },
  });
  return userFromTokens(t, result.tokens);
}

/**
 * A user as sign-up leaves them, made directly (much faster than the Password
 * flow, which hashes with scrypt): the users row Convex Auth would insert, then
 * the same sign-up work (`onSignUp`: profile and credits account).
 */
export async function seedUser(t: Backend, email: string): Promise<TestUser> {
  const userId = await t.run(async (ctx) => {
    const id = await ctx.db.insert("users", { email });
    await onSignUp({ db: serviceDb(ctx.db) }, { userId: id, email });
    return id;
  });
  return signedInAs(t, userId, `session-${email}`);
}
