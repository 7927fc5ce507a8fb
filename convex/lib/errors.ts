import { ConvexError } from "convex/values";
import type { ErrorCode } from "../../src/errors";

/** Throws the `ConvexError` every client can read: a stable code, a message, details. */
export function fail(
  code: ErrorCode,
  message: string,
  details: Record<string, string | number | boolean | null> = {},
): never {
  throw new ConvexError({ ...details, code, message });
}
