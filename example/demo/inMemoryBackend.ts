// The deployment behind `npm run demo:web`: the test kit's bridge (the Convex
// client's sync protocol over a fresh convex-test backend running this
// package's functions), so the unmodified ConvexReactClient and
// ConvexAuthProvider run against it. Loaded by the dev server (plugin.ts)
// through Vite, which resolves the kit's `import.meta.glob` of the functions;
// importing the kit also sets a throwaway JWT key pair for Convex Auth.
// A demo, not a deployment: one process, nothing persisted.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { convexBridge, newBackend } from "convex-saas-backend/testing";

/** The in-memory backend, as plugin.ts uses it. */
export function createDemoBackend() {
  // Refreshes now and then so tabs see writes of scheduled functions too.
  const bridge = convexBridge(newBackend(), { refreshIntervalMs: 5_000 });
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
     * An HTTP request for the deployment: ConvexHttpClient's API
     * (`/api/query|mutation|action`), through which ConvexAuthProvider
     * refreshes tokens (every hour, and after an auth error such as a token
     * from before a restart).
     */
    async handleHttp(request: IncomingMessage, body: string): Promise<Response> {
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === "string") headers.set(name, value);
      }
      const url = new URL(request.url ?? "/", bridge.url);
      return bridge.handleHttp(
        new Request(url, { method: request.method, headers, body: body === "" ? undefined : body }),
      );
    },
    /** Stops the bridge's timers (the dev server closes the sockets). */
    close() {
      bridge.close();
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
