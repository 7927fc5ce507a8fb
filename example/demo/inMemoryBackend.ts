// The deployment behind `npm run demo:web`: the test kit's bridge (the Convex
// client's sync protocol over a fresh convex-test backend running this
// package's functions), so the unmodified ConvexReactClient and
// ConvexAuthProvider run against it. Loaded by the dev server (plugin.ts)
// through Vite, which resolves the kit's `import.meta.glob` of the functions;
// importing the kit also sets a throwaway JWT key pair for Convex Auth.
// A demo, not a deployment: one process, nothing persisted.

type Kind = "query" | "mutation" | "action";
/** Convex's status for a function that threw (ConvexHttpClient reads the error from the body). */
const FUNCTION_FAILED = 560;
import type { UserIdentity } from "convex/server";
import type { JSONValue } from "convex/values";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { convexBridge, newBackend } from "convex-saas-backend/testing";

/** The in-memory backend, as plugin.ts uses it. */
export function createDemoBackend() {
  const bridge = convexBridge(newBackend());
  const sockets = new WebSocketServer({ noServer: true });
  let release: (() => void) | null = null;
  return {
    /** Takes a WebSocket upgrade of the client's sync socket (the caller checked the path). */
    handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer) {
      sockets.handleUpgrade(request, socket, head, (ws) => {
        const connection = bridge.handleSocket({ send: (data) => ws.send(data), close: () => ws.close() });
        ws.on("message", (data: Buffer) => connection.message(data.toString("utf8")));
        ws.on("close", () => connection.close());
      });
    },
    /**
     * The HTTP API (`POST /api/query|mutation|action`) that ConvexHttpClient
     * speaks: ConvexAuthProvider refreshes tokens through it (every hour, and
     * after an auth error such as a token from before a restart).
     */
    async httpApi(kind: Kind, body: string, authorization: string | undefined) {
      const { path, args } = JSON.parse(body) as { path: string; args: JSONValue };
      let identity: UserIdentity | null = null;
      if (authorization?.startsWith("Bearer ")) {
        try {
          identity = await bridge.identityOf(authorization.slice("Bearer ".length));
        } catch (error) {
          return { status: 401, body: JSON.stringify({ code: "Unauthenticated", message: String(error) }) };
        }
      }
      const jsonArgs = Array.isArray(args) ? (args[0] ?? {}) : args;
      const outcome = await bridge.exclusive(() => bridge.call(kind, path, jsonArgs, identity));
      if (kind !== "query") await bridge.refresh();
      return outcome.success
        ? { status: 200, body: JSON.stringify({ status: "success", value: outcome.value, logLines: [] }) }
        : {
            status: FUNCTION_FAILED,
            body: JSON.stringify({
              status: "error",
              errorMessage: outcome.message,
              errorData: outcome.errorData,
              logLines: [],
            }),
          };
    },
    /** Holds every mutation and action before it runs: what a slow server looks like to the client. */
    hold() {
      release ??= bridge.gate.hold();
    },
    release() {
      release?.();
      release = null;
    },
  };
}
