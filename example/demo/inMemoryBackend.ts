// The in-memory Convex behind `npm run demo:web`: the package's real functions
// in convex-test, spoken to over the Convex client's own sync protocol, so the
// unmodified ConvexReactClient (and ConvexAuthProvider) run against it. Loaded
// by the dev server (plugin.ts) through Vite, which resolves the test kit's
// `import.meta.glob`. A demo, not a deployment: one process, no persistence.
import { makeFunctionReference } from "convex/server";
import { ConvexError, convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";
import { createLocalJWKSet, jwtVerify } from "jose";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { newBackend } from "convex-saas-backend/testing";

type Backend = ReturnType<typeof newBackend>;
type Caller = Pick<Backend, "query" | "mutation" | "action">;
type Identity = { subject: string; issuer: string; tokenIdentifier: string };
type Version = { querySet: number; identity: number; ts: number };
type ClientMessage =
  | { type: "Connect" | "Event" }
  | { type: "Authenticate"; tokenType: "User" | "None" | "Admin"; value?: string; baseVersion: number }
  | {
      type: "ModifyQuerySet";
      newVersion: number;
      modifications: (
        { type: "Add"; queryId: number; udfPath: string; args: JSONValue[] } | { type: "Remove"; queryId: number }
      )[];
    }
  | { type: "Mutation" | "Action"; requestId: number; udfPath: string; args: JSONValue[] };

/** Timestamps go on the wire as little-endian u64 in base64. */
function encodeTs(ts: number): string {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(ts), true);
  return Buffer.from(bytes).toString("base64");
}

/** What a failed call sends: the message, and the `ConvexError` data intact (as Convex does). */
function failure(error: unknown): { message: string; errorData?: JSONValue } {
  if (error instanceof ConvexError)
    return { message: String(error.message), errorData: convexToJson(error.data as Value) };
  return { message: error instanceof Error ? error.message : String(error) };
}

/** One in-memory backend and every browser tab connected to it. */
export class InMemoryBackend {
  readonly t: Backend = newBackend();
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly connections = new Set<Connection>();
  /** Bumped by every call that may write; queries re-run at each new value. */
  ts = 1;
  /** Serializes all work, so every tab sees the writes in one order. */
  private queue: Promise<unknown> = Promise.resolve();
  private held: (() => void)[] | null = null;

  constructor() {
    this.wss.on("connection", (socket) => {
      const connection = new Connection(this, socket);
      this.connections.add(connection);
      socket.on("close", () => this.connections.delete(connection));
    });
  }

  /** Takes over the WebSocket upgrades the Convex client makes (`/api/<version>/sync`). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (!/^\/api\/[^/]+\/sync$/.test(new URL(request.url ?? "/", "http://x").pathname)) return false;
    this.wss.handleUpgrade(request, socket, head, (ws) => this.wss.emit("connection", ws, request));
    return true;
  }

  /** Holds every mutation and action until `release()`: what a slow server looks like to the client. */
  hold() {
    this.held ??= [];
  }

  release() {
    const held = this.held ?? [];
    this.held = null;
    for (const resume of held) resume();
  }

  /** Runs `work` after everything before it; a call waits at the gate while held. */
  run<T>(work: () => Promise<T>, gated = false): Promise<T> {
    const gate = gated && this.held !== null ? new Promise<void>((resume) => this.held!.push(resume)) : null;
    const next = (gate ?? Promise.resolve()).then(() => (this.queue = this.queue.then(work, work)) as Promise<T>);
    return next;
  }

  /** After a write (which bumped `ts`): every tab's queries re-run. */
  async broadcast() {
    for (const connection of this.connections) await connection.refresh();
  }

  async identityOf(token: string): Promise<Identity> {
    const jwks = createLocalJWKSet(JSON.parse(process.env.JWKS!) as { keys: [] });
    const { payload } = await jwtVerify(token, jwks, { issuer: process.env.CONVEX_SITE_URL, audience: "convex" });
    return { subject: payload.sub!, issuer: payload.iss!, tokenIdentifier: `${payload.iss}|${payload.sub}` };
  }
}

/** One browser tab: its query set and identity, versioned as the client expects. */
class Connection {
  private version: Version = { querySet: 0, identity: 0, ts: 0 };
  private readonly queries = new Map<number, { udfPath: string; args: Record<string, Value> }>();
  private caller: Caller;
  private readonly backend: InMemoryBackend;
  private readonly socket: WebSocket;

  constructor(backend: InMemoryBackend, socket: WebSocket) {
    this.backend = backend;
    this.socket = socket;
    this.caller = backend.t;
    socket.on("message", (data) => {
      const message = JSON.parse(String(data)) as ClientMessage;
      const mutates = message.type === "Mutation" || message.type === "Action";
      void backend
        .run(() => this.receive(message), mutates)
        .catch((error: unknown) => {
          this.send({ type: "FatalError", error: failure(error).message });
        });
    });
  }

  private send(message: Record<string, unknown>) {
    this.socket.send(JSON.stringify(message));
  }

  private async receive(message: ClientMessage) {
    switch (message.type) {
      case "Authenticate": {
        if (message.tokenType === "User") {
          try {
            this.caller = this.backend.t.withIdentity(await this.backend.identityOf(message.value!));
          } catch (error) {
            const reason = failure(error).message;
            this.send({
              type: "AuthError",
              error: reason,
              baseVersion: message.baseVersion,
              authUpdateAttempted: true,
            });
            return;
          }
        } else this.caller = this.backend.t;
        return this.transition({ identity: message.baseVersion + 1 });
      }
      case "ModifyQuerySet": {
        const removed: number[] = [];
        for (const change of message.modifications) {
          if (change.type === "Add") {
            this.queries.set(change.queryId, {
              udfPath: change.udfPath,
              args: jsonToConvex(change.args[0] ?? {}) as Record<string, Value>,
            });
          } else {
            this.queries.delete(change.queryId);
            removed.push(change.queryId);
          }
        }
        return this.transition({ querySet: message.newVersion }, removed);
      }
      case "Mutation":
      case "Action":
        return this.call(message);
      default:
        return; // Connect and Event need no answer.
    }
  }

  private async call({ type, requestId, udfPath, args }: Extract<ClientMessage, { type: "Mutation" | "Action" }>) {
    const fnArgs = jsonToConvex(args[0] ?? {}) as Record<string, Value>;
    let response: Record<string, unknown>;
    try {
      const result = (await (type === "Mutation"
        ? this.caller.mutation(makeFunctionReference<"mutation">(udfPath), fnArgs)
        : this.caller.action(makeFunctionReference<"action">(udfPath), fnArgs))) as Value;
      response = { success: true, result: convexToJson(result ?? null), logLines: [] };
    } catch (error) {
      const { message, errorData } = failure(error);
      response = { success: false, result: message, logLines: [], ...(errorData === undefined ? {} : { errorData }) };
    }
    // As Convex does: the answer, then the new state. The client resolves a
    // mutation's promise (and drops its optimistic update) on the first
    // transition that reaches the mutation's ts.
    this.backend.ts += 1;
    if (type === "Mutation" && response.success) response.ts = encodeTs(this.backend.ts);
    this.send({ type: type === "Mutation" ? "MutationResponse" : "ActionResponse", requestId, ...response });
    await this.backend.broadcast();
  }

  /** Re-runs this tab's queries at the backend's current state. */
  refresh() {
    return this.transition({});
  }

  private async transition(change: Partial<Version>, removed: number[] = []) {
    const start = this.version;
    const end = { ...start, ...change, ts: this.backend.ts };
    const modifications: Record<string, unknown>[] = removed.map((queryId) => ({ type: "QueryRemoved", queryId }));
    for (const [queryId, { udfPath, args }] of this.queries) {
      try {
        const value = (await this.caller.query(makeFunctionReference<"query">(udfPath), args)) as Value;
        modifications.push({
          type: "QueryUpdated",
          queryId,
          value: convexToJson(value ?? null),
          logLines: [],
          journal: null,
        });
      } catch (error) {
        const { message, errorData } = failure(error);
        modifications.push({
          type: "QueryFailed",
          queryId,
          errorMessage: message,
          logLines: [],
          journal: null,
          ...(errorData === undefined ? {} : { errorData }),
        });
      }
    }
    this.version = end;
    const wire = (v: Version) => ({ querySet: v.querySet, identity: v.identity, ts: encodeTs(v.ts) });
    this.send({ type: "Transition", startVersion: wire(start), endVersion: wire(end), modifications });
  }
}
