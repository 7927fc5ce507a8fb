// An in-process Convex deployment for the real clients: it speaks the sync
// protocol of `convex/browser` (the one ConvexReactClient uses over its
// WebSocket) and runs each request on a convex-test backend, so hook tests and
// the offline demo drive the real client against the real functions.
// Transport-agnostic: `handleSocket` takes anything that can send a string
// (the in-process WebSocket of ./socket.ts in tests, a `ws` socket in ./serve.ts).
//
// Deliberately simple: one request at a time (a global lock), and after every
// write each subscribed query of every connection re-runs; only changed results
// are sent. Only public functions can be called, as on a real deployment.
import type { UserIdentity } from "convex/server";
import { convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";
import { createLocalJWKSet, jwtVerify, type JWTPayload } from "jose";
import { modules as deployedModules, type Backend } from "../backend";
import { Connection } from "./connection";
import { Gate } from "./gate";
import { answerHttpApi, isHttpApi, preflight } from "./httpApi";
import { inProcessWebSocket } from "./socket";

/** What the bridge needs of a socket: a way to send a text frame (and optionally to close it). */
export type SocketLike = { send(data: string): void; close?(): void };

/** What `handleSocket` returns: feed it the socket's text frames, and tell it when the socket closed. */
export type BridgeConnection = { message(data: string): void; close(): void };

type Kind = "query" | "mutation" | "action";
type Modules = Record<string, () => Promise<unknown>>;
/** A function's result or error, JSON-encoded as the protocol carries it. */
export type Outcome = { success: true; value: JSONValue } | { success: false; message: string; errorData?: JSONValue };

/** The error as a deployment reports it: ConvexError data intact (so `error.data.code` works), else the message. */
function failure(error: unknown): Outcome {
  const e = error as { message?: string; data?: Value; name?: string };
  const message = typeof e?.message === "string" ? e.message : String(error);
  if (e && typeof e === "object" && "data" in e && e.data !== undefined) {
    return { success: false, message, errorData: convexToJson(e.data) };
  }
  return { success: false, message };
}

export type BridgeOptions = {
  /** The deployed modules (default: this package's `convex/`, as the test kit loads them). */
  modules?: Modules;
  /** Sync-protocol Pings keep idle clients from reconnecting after 60 s (0: none). Default 20 s. */
  pingIntervalMs?: number;
  /**
   * Also `refresh()` this often (0, the default: never), so clients see writes
   * the bridge does not hear of, like scheduled functions (for a demo server).
   */
  refreshIntervalMs?: number;
};

export class ConvexBridge {
  /** The deployment URL to give the client (only its shape matters in process; `serve` has its own). */
  readonly url = "http://127.0.0.1:3210";
  /** Holds mutations and actions before they run (`bridge.gate.hold()`), to observe a client before the server answers. */
  readonly gate = new Gate();
  /** For `new ConvexReactClient(bridge.url, { webSocketConstructor })`: sockets that connect in process. */
  readonly webSocketConstructor: typeof WebSocket = inProcessWebSocket(this);
  private ts = 1;
  private lock: Promise<unknown> = Promise.resolve();
  private readonly connections = new Set<Connection>();
  private readonly functions: Map<string, () => Promise<unknown>>;
  private readonly jwks = createLocalJWKSet(JSON.parse(process.env.JWKS ?? '{"keys":[]}') as { keys: [] });
  private work = new Set<Promise<unknown>>();
  private readonly refresher?: ReturnType<typeof setInterval>;

  readonly backend: Backend;
  private readonly options: BridgeOptions;

  constructor(backend: Backend, options: BridgeOptions = {}) {
    this.backend = backend;
    this.options = options;
    // "../convex/dir/file.ts" → "dir/file", the module part of a udf path.
    this.functions = new Map(
      Object.entries(options.modules ?? deployedModules).map(([key, load]) => [
        key.replace(/^.*?convex\//, "").replace(/\.[cm]?[jt]s$/, ""),
        load,
      ]),
    );
    if (options.refreshIntervalMs) {
      this.refresher = setInterval(() => void this.track(this.refresh()), options.refreshIntervalMs);
      (this.refresher as { unref?: () => void }).unref?.();
    }
  }

  /** Stops the periodic refresh and every connection's Pings (the sockets are the transport's to close). */
  close() {
    if (this.refresher !== undefined) clearInterval(this.refresher);
    for (const connection of this.connections) connection.stopPings();
  }

  /** Attaches a socket (an accepted WebSocket); returns where to deliver its frames. */
  handleSocket(socket: SocketLike): BridgeConnection {
    const connection = new Connection(this, socket, this.options.pingIntervalMs ?? 20_000);
    this.connections.add(connection);
    return {
      message: (data) => connection.receive(data),
      close: () => {
        connection.closed = true;
        connection.stopPings();
        this.connections.delete(connection);
      },
    };
  }

  /**
   * Serves an HTTP request as a deployment does: ConvexHttpClient's
   * `/api/query|mutation|action`, else the http actions (`convex/http.ts`);
   * then every client syncs.
   */
  async handleHttp(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (isHttpApi(url.pathname)) {
      return request.method === "OPTIONS" ? preflight() : await answerHttpApi(this, request, url.pathname);
    }
    const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.text();
    const response = await this.exclusive(() =>
      this.backend.fetch(url.pathname + url.search, { method: request.method, headers: request.headers, body }),
    );
    await this.refresh();
    return response;
  }

  /**
   * A `fetch` that serves requests to `url` with `handleHttp` and passes any
   * other to the fetch it replaced. ConvexAuthProvider refreshes tokens with
   * ConvexHttpClient (`POST <url>/api/action`), so in-process tests stub
   * the global: `vi.stubGlobal("fetch", bridge.fetch)`.
   */
  readonly fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    return request.url.startsWith(this.url) ? this.handleHttp(request) : this.outsideFetch(request);
  };
  private readonly outsideFetch = globalThis.fetch;

  /**
   * Re-runs every subscription after a write the bridge did not see (a `t.run`,
   * a webhook through `t.fetch`, a scheduled function) and sends what changed.
   */
  async refresh(): Promise<void> {
    this.ts++;
    await this.syncAll();
  }

  /** Every connection re-runs its subscriptions at the current timestamp. */
  async syncAll(): Promise<void> {
    await Promise.all([...this.connections].map((c) => c.sync()));
  }

  /** A write committed: the next timestamp. */
  commit(): number {
    return ++this.ts;
  }

  /** Resolves when no request or sync is in flight (requests held at the gate excepted). */
  async settled(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  /** Runs `fn` alone: convex-test transactions do not overlap, and a sync sees one state. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Tracks `promise` for `settled()`. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.work.add(promise);
    void promise.finally(() => this.work.delete(promise)).catch(() => undefined);
    return promise;
  }

  get timestamp() {
    return this.ts;
  }

  /** Calls a public function of `kind` as `identity`, with JSON-encoded args, as a deployment would. */
  async call(kind: Kind, udfPath: string, jsonArgs: JSONValue, identity: UserIdentity | null): Promise<Outcome> {
    try {
      const name = await this.publicFunction(kind, udfPath);
      const args = jsonToConvex(jsonArgs) as Record<string, Value>;
      const as = identity === null ? this.backend : this.backend.withIdentity(identity);
      const run = as[kind] as (name: string, args: Record<string, Value>) => Promise<Value | undefined>;
      const value = await run.call(as, name, args);
      return { success: true, value: convexToJson(value === undefined ? null : value) };
    } catch (error) {
      return failure(error);
    }
  }

  /** "credits:getCredits" (or "credits.js:getCredits") when it names a public function of that kind. */
  private async publicFunction(kind: Kind, udfPath: string): Promise<string> {
    const [file = "", exportName = "default"] = udfPath.split(":");
    const modulePath = file.replace(/\.js$/, "");
    const load = this.functions.get(modulePath);
    const fn = load && ((await load()) as Record<string, Record<string, unknown> | undefined>)[exportName];
    const isKind = { query: "isQuery", mutation: "isMutation", action: "isAction" }[kind];
    if (!fn || fn.isPublic !== true || fn[isKind] !== true) {
      throw new Error(`Could not find public function for '${udfPath}'. Did you forget to run \`npx convex dev\`?`);
    }
    return `${modulePath}:${exportName}`;
  }

  /** The identity a Convex Auth token carries, after checking its signature, issuer and expiry as Convex does. */
  async identityOf(token: string): Promise<UserIdentity> {
    const { payload } = await jwtVerify(token, this.jwks, {
      issuer: process.env.CONVEX_SITE_URL,
      audience: "convex",
    });
    return identityFromClaims(payload);
  }
}

function identityFromClaims(payload: JWTPayload): UserIdentity {
  const { sub, iss } = payload;
  if (!sub || !iss) throw new Error("Token without sub or iss");
  return { subject: sub, issuer: iss, tokenIdentifier: `${iss}|${sub}` };
}
