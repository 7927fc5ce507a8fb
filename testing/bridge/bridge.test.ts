// The bridge speaks the real client's protocol: ConvexClient (convex/browser,
// the client ConvexReactClient wraps) against the real functions, signed in
// with the token the real `auth:signIn` issues.
import { ConvexClient } from "convex/browser";
import { ConvexError } from "convex/values";
import { afterEach, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { newBackend } from "../backend";
import { expectConsole } from "../console";
import { spend } from "../credits";
import { convexBridge, type BridgeOptions } from ".";

const clients: ConvexClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

async function setUp(options?: BridgeOptions) {
  const t = newBackend();
  const bridge = convexBridge(t, options);
  const client = new ConvexClient(bridge.url, { webSocketConstructor: bridge.webSocketConstructor });
  clients.push(client);
  const { tokens } = await client.action(api.auth.signIn, {
    provider: "password",
    params: { email: "ada@example.com", password: "correct-horse-1", flow: "signUp" },
  });
  return { t, bridge, client, token: tokens!.token };
}

/** The values a subscription received, and a way to wait for one. */
function watch<T>(subscribe: (onValue: (v: T) => void, onError: (e: Error) => void) => unknown) {
  const values: (T | Error)[] = [];
  let wake = () => {};
  subscribe(
    (v) => (values.push(v), wake()),
    (e) => (values.push(e), wake()),
  );
  const until = async (ok: (v: T | Error) => boolean) => {
    while (!values.some(ok)) await new Promise<void>((resolve) => (wake = resolve));
    return values.find(ok)!;
  };
  return { values, until };
}

const balanceIs = (n: number) => (v: unknown) => (v as { balance?: number } | null)?.balance === n;

describe("the bridge", () => {
  test("a signed-in client sees its credits, and its own spend before the mutation's promise resolves", async () => {
    const { client, token } = await setUp();
    client.setAuth(async () => token);
    const credits = watch<{ balance: number } | null>((v, e) => client.onUpdate(api.credits.getCredits, {}, v, e));
    await credits.until(balanceIs(100));

    await expect(client.mutation(api.credits.consumeCredits, { amount: 30 })).resolves.toEqual({ balance: 70 });
    // Read-your-writes: the promise resolves only once the query has the new state.
    expect(client.client.localQueryResult("credits:getCredits", {})).toMatchObject({ balance: 70 });
  });

  test("ConvexError data reaches the client intact, so error.data.code works", async () => {
    const { client, token } = await setUp();
    client.setAuth(async () => token);
    const errors = expectConsole("error", "INSUFFICIENT_CREDITS");
    const error = await client.mutation(api.credits.consumeCredits, { amount: 500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConvexError);
    expect((error as ConvexError<{ code: string }>).data).toMatchObject({
      code: "INSUFFICIENT_CREDITS",
      balance: 100,
      required: 500,
    });
    expect(errors.messages).toHaveLength(1);
  });

  test("signed out, a user query fails with UNAUTHENTICATED; a bad token is refused", async () => {
    const { client, token } = await setUp();
    const credits = watch<unknown>((v, e) => client.onUpdate(api.credits.getCredits, {}, v, e));
    const failed = await credits.until((v) => v instanceof Error);
    expect((failed as ConvexError<{ code: string }>).data.code).toBe("UNAUTHENTICATED");

    // The client drops the refused token and reconnects without it, saying so.
    expectConsole("log", "WebSocket reconnected");
    const forged = token.slice(0, -4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
    const authChanges: boolean[] = [];
    client.setAuth(
      async () => forged,
      (ok) => authChanges.push(ok),
    );
    while (authChanges.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(authChanges).toEqual([false]);
  });

  test("internal functions cannot be called, as on a deployment", async () => {
    const { client, token } = await setUp();
    client.setAuth(async () => token);
    expectConsole("error", "Could not find public function");
    await expect(
      client.mutation("credits:adjustCredits" as never, { userId: "x", delta: 1_000, reason: "free money" } as never),
    ).rejects.toThrow(/Could not find public function for 'credits:adjustCredits'/);
  });

  test("writes the bridge did not see reach clients after refresh(); the gate holds requests", async () => {
    const { t, bridge, client, token } = await setUp();
    client.setAuth(async () => token);
    const credits = watch<{ balance: number } | null>((v, e) => client.onUpdate(api.credits.getCredits, {}, v, e));
    await credits.until(balanceIs(100));
    const userId = await t.run(async (ctx) => (await ctx.db.query("users").first())!._id);

    await spend(t, userId, 40);
    await bridge.refresh();
    await credits.until(balanceIs(60));

    const release = bridge.gate.hold();
    const spent = client.mutation(api.credits.consumeCredits, { amount: 10 });
    await bridge.gate.arrived();
    expect(await t.run(async (ctx) => (await ctx.db.query("credits").first())!.balance)).toBe(60);
    release();
    await expect(spent).resolves.toEqual({ balance: 50 });
    await bridge.settled();
  });

  test("with refreshIntervalMs, clients see writes the bridge did not hear of (scheduled work) unasked", async () => {
    const { t, bridge, client, token } = await setUp({ refreshIntervalMs: 20 });
    client.setAuth(async () => token);
    const credits = watch<{ balance: number } | null>((v, e) => client.onUpdate(api.credits.getCredits, {}, v, e));
    await credits.until(balanceIs(100));
    const userId = await t.run(async (ctx) => (await ctx.db.query("users").first())!._id);
    await spend(t, userId, 15);
    await credits.until(balanceIs(85));
    bridge.close();
  });
});
