// The bridge on a local port (Node only): the in-memory backend as a
// deployment URL a browser can use, `new ConvexReactClient("http://127.0.0.1:<port>")`.
// WebSocket upgrades (the client's sync socket, at /api/<version>/sync) go to
// the bridge; other requests go to the deployment's http actions (convex/http.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import type { ConvexBridge } from "./server";

export type ServedBridge = { url: string; server: Server; close(): Promise<void> };

/** Serves `bridge` on `port` (0: any free port); `url` is the deployment URL to give clients. */
export async function serveBridge(bridge: ConvexBridge, { port = 0, host = "127.0.0.1" } = {}): Promise<ServedBridge> {
  const server = createServer((req, res) => void forwardHttp(bridge, req, res));
  const sockets = attachBridge(server, bridge);
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${actual}`,
    server,
    close: () => {
      bridge.close();
      for (const ws of sockets.clients) ws.terminate();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Sends every WebSocket upgrade on `server` to `bridge` (for a server that also serves other things). */
export function attachBridge(server: Server, bridge: ConvexBridge): WebSocketServer {
  const sockets = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    sockets.handleUpgrade(req, socket, head, (ws) => {
      const connection = bridge.handleSocket({ send: (data) => ws.send(data), close: () => ws.close() });
      ws.on("message", (data: Buffer) => connection.message(data.toString("utf8")));
      ws.on("close", () => connection.close());
    });
  });
  server.on("close", () => sockets.close());
  return sockets;
}

/** A Node request as a fetch Request to the bridge's http actions, and the Response back. */
export async function forwardHttp(bridge: ConvexBridge, req: IncomingMessage, res: ServerResponse) {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === "string") headers.set(name, value);
    }
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const request = new Request(new URL(req.url ?? "/", "http://bridge.local"), {
      method: req.method,
      headers,
      body: hasBody ? Buffer.concat(chunks).toString("utf8") : undefined,
    });
    const response = await bridge.handleHttp(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (error) {
    res.writeHead(500, { "content-type": "text/plain" });
    res.end(error instanceof Error ? error.message : String(error));
  }
}
