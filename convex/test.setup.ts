/// <reference types="vite/client" />
// Test helpers (two dots in the name: never deployed).
import { convexTest } from "convex-test";
import type { TestConvex } from "convex-test";
import { api } from "./_generated/api";
import type { Id, TableNames } from "./_generated/dataModel";
import { serviceDb } from "./lib/db";
import { onSignUp } from "./model/users";
import schema, { APP_TABLE_NAMES } from "./schema";

export const modules = import.meta.glob(["./**/*.*s", "!./**/*.*.*s"]);

export type Backend = TestConvex<typeof schema>;
export type TransactionLimits = Parameters<typeof convexTest>[0] extends infer O
  ? O extends { transactionLimits?: infer L }
    ? L
    : never
  : never;

/** Auth env for @convex-dev/auth: a fresh RS256 key pair, made once per test file. */
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

/** A fresh in-memory backend with this package's schema and functions. */
export function newBackend(transactionLimits?: TransactionLimits): Backend {
  return convexTest({ schema, modules, transactionLimits });
}

/** The `userId|sessionId` subject of a JWT that @convex-dev/auth issued. */
function subjectOf(token: string): string {
  const payload = token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/");
  return (JSON.parse(atob(payload)) as { sub: string }).sub;
}

/** Signs up through the real Password provider and returns the signed-in client. */
export async function signUpWithPassword(t: Backend, email: string, password = "correct-horse-1") {
  const result = await t.action(api.auth.signIn, {
    provider: "password",
    params: { email, password, flow: "signUp" },
  });
  const subject = subjectOf(result.tokens!.token);
  const userId = subject.split("|")[0] as Id<"users">;
  return { userId, as: t.withIdentity({ subject }) };
}

/**
 * A user as sign-up leaves them, made directly (faster than the Password flow,
 * which hashes with scrypt): the users row, profile and credits account.
 */
export async function seedUser(t: Backend, email: string) {
  const userId = await t.run(async (ctx) => {
    const id = await ctx.db.insert("users", { email });
    await onSignUp({ db: serviceDb(ctx.db) }, { userId: id, email });
    return id;
  });
  return { userId, as: t.withIdentity({ subject: `${userId}|session-${email}` }) };
}

// Every app table (a new one is covered without editing this list).
const APP_STATE: TableNames[] = ["users", ...APP_TABLE_NAMES];

/** Every row of the app's tables, to prove a rejected call changed nothing. */
export async function snapshot(t: Backend, tables: TableNames[] = APP_STATE) {
  return await t.run(async (ctx) => {
    const out: Record<string, unknown[]> = {};
    for (const table of tables) out[table] = await ctx.db.query(table).collect();
    return out;
  });
}

/** Runs `call`, expects a ConvexError with `code`, and returns its data. */
export async function expectCode(call: Promise<unknown>, code: string) {
  try {
    await call;
  } catch (error) {
    const data = (error as { data?: { code?: string } }).data;
    if (data?.code === code) return data as { code: string; message: string } & Record<string, unknown>;
    throw new Error(`expected ConvexError ${code}, got: ${(error as Error).message}`);
  }
  throw new Error(`expected ConvexError ${code}, but the call succeeded`);
}

/** A user's balance and the sum of their ledger deltas: the two must always be equal. */
export async function creditState(t: Backend, userId: Id<"users">) {
  return await t.run(async (ctx) => {
    const account = await ctx.db
      .query("credits")
      .withIndex("by_userId", (q) => q.eq("userId", userId))
      .unique();
    const entries = await ctx.db
      .query("creditLedger")
      .withIndex("by_userId", (q) => q.eq("userId", userId))
      .collect();
    return {
      balance: account?.balance ?? 0,
      ledgerSum: entries.reduce((sum, e) => sum + e.delta, 0),
      entries: entries.length,
      account,
    };
  });
}

/** States of every scheduled function so far (a failed batch shows up as "failed"). */
export async function scheduledStates(t: Backend) {
  return await t.run(async (ctx) =>
    (await ctx.db.system.query("_scheduled_functions").collect()).map((job) => ({
      name: job.name,
      state: job.state.kind,
    })),
  );
}

/**
 * `n` users with 7 credits of a 100 allowance, due for a refill at `dueAt`,
 * written straight to the tables (no profiles) in chunks that fit the limits.
 */
export async function seedDueUsers(t: Backend, n: number, dueAt: number, chunk = 2_000) {
  for (let done = 0; done < n; done += chunk) {
    await t.run(async (ctx) => {
      for (let i = done; i < Math.min(n, done + chunk); i++) {
        const userId = await ctx.db.insert("users", { email: `user${i}@example.com` });
        const common = { userId, updatedAt: dueAt };
        await ctx.db.insert("credits", {
          ...common,
          balance: 7,
          monthlyAllowance: 100,
          lastRefillAt: dueAt - 1,
          refillAnchorAt: dueAt - 31 * 24 * 60 * 60 * 1000,
          nextRefillAt: dueAt,
          refillCount: 0,
        });
        await ctx.db.insert("creditLedger", { ...common, delta: 7, balanceAfter: 7, kind: "signup" });
      }
    });
  }
}
