import { ConvexError } from "convex/values";
import type { ErrorCode, ErrorDetails } from "../../src/errors";

/** The details argument: optional when the code has no required detail. */
type DetailsArg<C extends ErrorCode> =
  Record<never, never> extends ErrorDetails[C] ? [details?: ErrorDetails[C]] : [details: ErrorDetails[C]];

/**
 * Throws the `ConvexError` every client can read: a stable code, a message, and
 * the details `ErrorDetails` (src/errors.ts) declares for the code, so the
 * server cannot send what clients do not expect.
 */
export function fail<C extends ErrorCode>(code: C, message: string, ...[details]: DetailsArg<C>): never {
  throw new ConvexError({ ...details, code, message });
}
