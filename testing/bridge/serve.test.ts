// @vitest-environment node
// The bridge on a real port, as `demo:web` uses it: a client over a real
// WebSocket (the `ws` package), and the http actions over real HTTP.
import { ConvexClient } from "convex/browser";
import { afterEach, expect, test } from "vitest";
import WebSocket from "ws";
import { api } from "../../convex/_generated/api";
import { newBackend } from "../backend";
import { convexBridge } from ".";
import { serveBridge, type ServedBridge } from "./serve";

let served: ServedBridge | undefined;
let client: ConvexClient | undefined;
afterEach(async () => {
  await client?.close();
  await served?.close();
});

test("a client signs up and spends over a real socket; http actions answer over HTTP", async () => {
  served = await serveBridge(convexBridge(newBackend()));
  client = new ConvexClient(served.url, { webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket });
  const { tokens } = await client.action(api.auth.signIn, {
    provider: "password",
    params: { email: "ada@example.com", password: "correct-horse-1", flow: "signUp" },
  });
  client.setAuth(async () => tokens!.token);
  await expect(client.mutation(api.credits.consumeCredits, { amount: 25 })).resolves.toEqual({ balance: 75 });

  const jwks = await fetch(`${served.url}/.well-known/jwks.json`);
  expect(jwks.status).toBe(200);
  expect(((await jwks.json()) as { keys: unknown[] }).keys).toHaveLength(1);
});
