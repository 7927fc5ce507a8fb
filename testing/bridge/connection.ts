// One client's session on the bridge (./server.ts): its query set, identity,
// and the versions the sync protocol chains from one Transition to the next.
import type { UserIdentity } from "convex/server";
import type { JSONValue, Value } from "convex/values";
import type { ConvexBridge, SocketLike } from "./server";

type Version = { querySet: number; identity: number; ts: number };
type Subscription = { udfPath: string; args: Value; journal: string | null; last?: string };

// The client messages of convex/src/browser/sync/protocol.ts this bridge handles.
type AddQuery = { type: "Add"; queryId: number; udfPath: string; args: JSONValue[]; journal?: string | null };
type RemoveQuery = { type: "Remove"; queryId: number };
type ModifyQuerySet = {
  type: "ModifyQuerySet";
  baseVersion: number;
  newVersion: number;
  modifications: (AddQuery | RemoveQuery)[];
};
type Authenticate =
  | { type: "Authenticate"; tokenType: "User"; value: string; baseVersion: number }
  | { type: "Authenticate"; tokenType: "None" | "Admin"; baseVersion: number };
type Request = { type: "Mutation" | "Action"; requestId: number; udfPath: string; args: JSONValue[] };
type ClientMessage = { type: "Connect" | "Event" } | ModifyQuerySet | Authenticate | Request;

/** One client's session: its query set, identity and the versions the protocol chains. */
export class Connection {
  closed = false;
  private version: Version = { querySet: 0, identity: 0, ts: 0 };
  private identity: UserIdentity | null = null;
  private readonly subscriptions = new Map<number, Subscription>();
  private chain: Promise<void> = Promise.resolve();
  private readonly ping?: ReturnType<typeof setInterval>;

  private readonly bridge: ConvexBridge;
  private readonly socket: SocketLike;

  constructor(bridge: ConvexBridge, socket: SocketLike, pingIntervalMs: number) {
    this.bridge = bridge;
    this.socket = socket;
    if (pingIntervalMs > 0) {
      this.ping = setInterval(() => this.send({ type: "Ping" }), pingIntervalMs);
      (this.ping as { unref?: () => void }).unref?.();
    }
  }

  stopPings() {
    if (this.ping !== undefined) clearInterval(this.ping);
  }

  private send(message: Record<string, unknown>) {
    if (!this.closed) this.socket.send(JSON.stringify(message));
  }

  /** Messages that change this connection's state run in order; requests run beside them. */
  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.chain.then(task);
    this.chain = run.catch((error: unknown) => this.fatal(error));
    return this.bridge.track(this.chain);
  }

  private fatal(error: unknown) {
    this.send({ type: "FatalError", error: error instanceof Error ? error.message : String(error) });
    this.socket.close?.();
  }

  receive(data: string) {
    const message = JSON.parse(data) as ClientMessage;
    switch (message.type) {
      case "Connect":
      case "Event":
        return;
      case "ModifyQuerySet":
        void this.enqueue(() => this.modifyQuerySet(message));
        return;
      case "Authenticate":
        void this.enqueue(() => this.authenticate(message));
        return;
      case "Mutation":
      case "Action": {
        // A request runs as whoever the messages before it authenticated (a
        // deployment reads a connection's messages in order), without waiting
        // for the syncs queued after it.
        const identity = this.chain.then(() => this.identity);
        void this.bridge.track(this.request(message, identity));
        return;
      }
      default:
        this.fatal(new Error(`Unknown message type ${(message as { type: string }).type}`));
    }
  }

  private async modifyQuerySet(message: ModifyQuerySet) {
    if (message.baseVersion !== this.version.querySet) throw new Error("Query set version mismatch");
    const removed: number[] = [];
    for (const mod of message.modifications) {
      if (mod.type === "Add") {
        this.subscriptions.set(mod.queryId, {
          udfPath: mod.udfPath,
          args: mod.args[0] as Value,
          journal: mod.journal ?? null,
        });
      } else {
        this.subscriptions.delete(mod.queryId);
        removed.push(mod.queryId);
      }
    }
    await this.transition({ querySet: message.newVersion }, removed);
  }

  private async authenticate(message: Authenticate) {
    if (message.baseVersion !== this.version.identity) throw new Error("Identity version mismatch");
    if (message.tokenType === "User") {
      try {
        this.identity = await this.bridge.identityOf(message.value);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        this.send({ type: "AuthError", error: reason, baseVersion: message.baseVersion, authUpdateAttempted: true });
        return;
      }
    } else if (message.tokenType === "None") {
      this.identity = null;
    } else {
      throw new Error("Admin authentication is not supported by the bridge");
    }
    // Every result may depend on who asks: resend them all under the new identity.
    for (const sub of this.subscriptions.values()) delete sub.last;
    await this.transition({ identity: message.baseVersion + 1 });
  }

  /** Re-runs this connection's subscriptions at the bridge's current timestamp. */
  sync(): Promise<void> {
    return this.enqueue(() => this.transition({}));
  }

  /** Runs every subscription and sends one Transition from the client's version to the new one. */
  private async transition(next: Partial<Version>, removed: number[] = []) {
    const modifications: Record<string, unknown>[] = removed.map((queryId) => ({ type: "QueryRemoved", queryId }));
    const ts = await this.bridge.exclusive(async () => {
      for (const [queryId, sub] of this.subscriptions) {
        const outcome = await this.bridge.call("query", sub.udfPath, withJournal(sub), this.identity);
        const key = JSON.stringify(outcome);
        if (key === sub.last) continue;
        sub.last = key;
        if (outcome.success) sub.journal ??= journalOf(sub.args, outcome.value);
        const base = { queryId, logLines: [], journal: sub.journal };
        modifications.push(
          outcome.success
            ? { ...base, type: "QueryUpdated", value: outcome.value }
            : { ...base, type: "QueryFailed", errorMessage: outcome.message, errorData: outcome.errorData },
        );
      }
      return this.bridge.timestamp;
    });
    const endVersion: Version = { ...this.version, ...next, ts };
    if (modifications.length === 0 && JSON.stringify(endVersion) === JSON.stringify(this.version)) return;
    this.send({
      type: "Transition",
      startVersion: { ...this.version, ts: encodeTs(this.version.ts) },
      endVersion: { ...endVersion, ts: encodeTs(endVersion.ts) },
      modifications,
    });
    this.version = endVersion;
  }

  /** A mutation or action: waits at the gate, runs alone, answers, then every client syncs. */
  private async request(message: Request, asWhom: Promise<UserIdentity | null>) {
    const identity = await asWhom;
    await this.bridge.gate.pass();
    const kind = message.type === "Mutation" ? "mutation" : "action";
    // An action may have written even when it failed (through its mutations).
    const { outcome, ts, wrote } = await this.bridge.exclusive(async () => {
      const outcome = await this.bridge.call(kind, message.udfPath, message.args[0] ?? {}, identity);
      const wrote = outcome.success || kind === "action";
      return { outcome, wrote, ts: wrote ? this.bridge.commit() : this.bridge.timestamp };
    });
    const type = kind === "mutation" ? "MutationResponse" : "ActionResponse";
    const base = { type, requestId: message.requestId, logLines: [] };
    if (outcome.success) {
      this.send({
        ...base,
        success: true,
        result: outcome.value,
        ...(kind === "mutation" ? { ts: encodeTs(ts) } : {}),
      });
    } else {
      this.send({ ...base, success: false, result: outcome.message, errorData: outcome.errorData });
    }
    // A mutation's promise resolves once a Transition reaches its timestamp.
    if (wrote) await this.bridge.syncAll();
  }
}

/**
 * A paginated query's journal pins its page's end, as a deployment's does, so
 * a page re-run after a write grows or shrinks instead of shifting.
 */
function journalOf(args: Value, result: JSONValue): string | null {
  const opts = (args as { paginationOpts?: { endCursor?: string | null } } | null)?.paginationOpts;
  const continueCursor = (result as { continueCursor?: unknown } | null)?.continueCursor;
  if (!opts || opts.endCursor || typeof continueCursor !== "string") return null;
  return JSON.stringify({ endCursor: continueCursor });
}

function withJournal(sub: Subscription): JSONValue {
  if (sub.journal === null) return sub.args as JSONValue;
  const { endCursor } = JSON.parse(sub.journal) as { endCursor: string };
  const args = sub.args as { paginationOpts: Record<string, JSONValue> } & Record<string, JSONValue>;
  return { ...args, paginationOpts: { ...args.paginationOpts, endCursor } };
}

/** The 8-byte little-endian base64 timestamps of the protocol (ours are small counters). */
function encodeTs(ts: number): string {
  const bytes = new Uint8Array(8);
  for (let i = 0, x = ts; i < 8; i++, x = Math.floor(x / 256)) bytes[i] = x % 256;
  return btoa(String.fromCharCode(...bytes));
}
