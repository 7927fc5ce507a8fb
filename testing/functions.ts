// What the deployed modules register, found by loading them the way
// convex-test does: every exported function with its visibility and kind, and
// every HTTP route. For allowlist tests (convex/api.test.ts).
import type { HttpRouter } from "convex/server";
import { modules } from "./backend";

type Flags = {
  isPublic?: boolean;
  isInternal?: boolean;
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  isHttp?: boolean;
};

/** e.g. "public mutation", "internal action", "http action" (reachable only through a route). */
export type FunctionKind = `${"public" | "internal"} ${"query" | "mutation" | "action"}` | "http action";

function kindOf(value: unknown): FunctionKind | null {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return null;
  const f = value as Flags;
  if (f.isHttp) return "http action";
  const kind = f.isQuery ? "query" : f.isMutation ? "mutation" : f.isAction ? "action" : null;
  if (kind === null) return null;
  if (f.isPublic) return `public ${kind}`;
  if (f.isInternal) return `internal ${kind}`;
  return null;
}

/**
 * Every registered function of the deployed modules (`modules` of
 * testing/backend.ts), as `"module:export" → kind`, sorted by name. The
 * module is the path under convex/ without its extension, as in `api`.
 */
export async function registeredFunctions(): Promise<Record<string, FunctionKind>> {
  const found: [string, FunctionKind][] = [];
  for (const [path, load] of Object.entries(modules)) {
    const module = path.replace(/^\.\.\/convex\//, "").replace(/\.[cm]?[jt]s$/, "");
    if (module.startsWith("_generated/")) continue;
    const exports = (await load()) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exports)) {
      const kind = kindOf(value);
      if (kind !== null) found.push([`${module}:${name}`, kind]);
    }
  }
  return Object.fromEntries(found.sort(([a], [b]) => a.localeCompare(b)));
}

/** Every HTTP route of convex/http.ts, as "METHOD /path" (a prefix route ends in "*"), sorted. */
export async function httpRoutes(): Promise<string[]> {
  const http = ((await modules["../convex/http.ts"]!()) as { default: HttpRouter }).default;
  return http
    .getRoutes()
    .map(([path, method]) => `${method} ${path}`)
    .sort();
}
