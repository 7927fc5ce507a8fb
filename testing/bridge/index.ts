// The in-process Convex deployment (see ./server.ts): real clients, real
// functions, a convex-test backend. ./serve.ts puts the same bridge on a port
// (Node only, so it is not exported from here).
import type { Backend } from "../backend";
import { ConvexBridge, type BridgeOptions } from "./server";

export { ConvexBridge, type BridgeConnection, type BridgeOptions, type SocketLike } from "./server";
export { Gate } from "./gate";
export { inProcessWebSocket } from "./socket";

/** A bridge over backend `t`: `new ConvexReactClient(bridge.url, { webSocketConstructor: bridge.webSocketConstructor })`. */
export function convexBridge(t: Backend, options?: BridgeOptions): ConvexBridge {
  return new ConvexBridge(t, options);
}
