// The deployment's HTTP API (`/api/query`, `/api/mutation`, `/api/action`),
// what ConvexHttpClient (and server-side rendering helpers built on it) call,
// answered by the bridge. `Authorization: Bearer <token>` is checked like the
// socket's Authenticate message.
import type { UserIdentity } from "convex/server";
import type { JSONValue } from "convex/values";
import type { ConvexBridge } from "./server";

const KINDS = { "/api/query": "query", "/api/mutation": "mutation", "/api/action": "action" } as const;

// ConvexHttpClient reads a failed function's body from this status.
const STATUS_CODE_UDF_FAILED = 560;

// A browser app calls from its own origin (Vite's port), as it calls a deployment.
const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "POST, OPTIONS",
  "access-control-allow-headers": "content-type, authorization, convex-client",
};

/** The answer to a browser's CORS preflight for the HTTP API. */
export function preflight(): Response {
  return new Response(null, { status: 204, headers: CORS });
}

/** True for the paths this module answers. */
export function isHttpApi(pathname: string): pathname is keyof typeof KINDS {
  return pathname in KINDS;
}

/** Runs the function a ConvexHttpClient request names and answers as a deployment does. */
export async function answerHttpApi(bridge: ConvexBridge, request: Request, pathname: keyof typeof KINDS) {
  const kind = KINDS[pathname];
  const json = (status: number, body: object) =>
    new Response(JSON.stringify(body), { status, headers: { ...CORS, "content-type": "application/json" } });
  let identity: UserIdentity | null = null;
  const token = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
  if (token !== undefined) {
    try {
      identity = await bridge.identityOf(token);
    } catch (error) {
      return json(401, { code: "Unauthenticated", message: error instanceof Error ? error.message : String(error) });
    }
  }
  const { path, args } = (await request.json()) as { path: string; args: JSONValue[] };
  const outcome = await bridge.exclusive(async () => {
    const outcome = await bridge.call(kind, path, args[0] ?? {}, identity);
    if (outcome.success || kind === "action") bridge.commit();
    return outcome;
  });
  if (kind !== "query") await bridge.syncAll();
  return outcome.success
    ? json(200, { status: "success", value: outcome.value, logLines: [] })
    : json(STATUS_CODE_UDF_FAILED, {
        status: "error",
        errorMessage: outcome.message,
        errorData: outcome.errorData,
        logLines: [],
      });
}
