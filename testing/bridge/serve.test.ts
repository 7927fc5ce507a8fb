// @vitest-environment node
// The bridge on a real port, as `demo:web` uses it: a client over a real
// WebSocket (the `ws` package), and the http actions over real HTTP.
import { ConvexClient, ConvexHttpClient } from "convex/browser";
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

test("ConvexHttpClient's HTTP API runs public functions as the token's user, errors with their data", async () => {
  const bridge = convexBridge(newBackend());
  served = await serveBridge(bridge);
  const http = new ConvexHttpClient(served.url, { logger: false });
  const { tokens } = await http.action(api.auth.signIn, {
    provider: "password",
    params: { email: "ada@example.com", password: "correct-horse-1", flow: "signUp" },
  });
  await expect(http.query(api.credits.getCredits, {})).rejects.toMatchObject({ data: { code: "UNAUTHENTICATED" } });
  http.setAuth(tokens!.token);
  await expect(http.mutation(api.credits.consumeCredits, { amount: 10 })).resolves.toEqual({ balance: 90 });
  await expect(http.query(api.credits.getCredits, {})).resolves.toMatchObject({ balance: 90 });
  await expect(http.mutation(api.credits.consumeCredits, { amount: 1_000 })).rejects.toMatchObject({
    data: { code: "INSUFFICIENT_CREDITS", balance: 90, required: 1_000 },
  });
  await expect(http.mutation("credits:adjustCredits" as never, {} as never)).rejects.toThrow(/Could not find public/);

  // A browser app on another origin (Vite's port) may call it, as it may call a deployment.
  const preflight = await fetch(`${served.url}/api/action`, {
    method: "OPTIONS",
    headers: { origin: "http://localhost:5173" },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");
});
