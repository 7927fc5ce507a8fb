// A WebSocket that never leaves the process: what `new ConvexReactClient(url,
// { webSocketConstructor })` opens in tests. Frames are delivered on
// microtasks, in order, like a network that is fast but still asynchronous.
import type { BridgeConnection, ConvexBridge } from "./server";

type Listener = ((event: { data?: string; code?: number; reason?: string; wasClean?: boolean }) => void) | null;

/** A WebSocket class whose sockets connect to `bridge` (pass it as the client's `webSocketConstructor`). */
export function inProcessWebSocket(bridge: ConvexBridge): typeof WebSocket {
  class BridgeSocket {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    readyState = 0;
    onopen: Listener = null;
    onmessage: Listener = null;
    onclose: Listener = null;
    onerror: Listener = null;
    private connection: BridgeConnection | null = null;

    readonly url: string;

    constructor(url: string) {
      this.url = url;
      queueMicrotask(() => {
        if (this.readyState !== 0) return;
        this.readyState = 1;
        this.connection = bridge.handleSocket({
          send: (data) => queueMicrotask(() => this.readyState === 1 && this.onmessage?.({ data })),
          close: () => this.close(1011, "closed by the bridge"),
        });
        this.onopen?.({});
      });
    }

    send(data: string) {
      if (this.readyState !== 1) throw new Error("WebSocket is not open");
      this.connection!.message(data);
    }

    close(code = 1000, reason = "") {
      if (this.readyState >= 2) return;
      this.readyState = 3;
      this.connection?.close();
      queueMicrotask(() => this.onclose?.({ code, reason, wasClean: true }));
    }
  }
  return BridgeSocket as unknown as typeof WebSocket;
}
