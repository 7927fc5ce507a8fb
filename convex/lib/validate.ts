import type { PaginationOptions } from "convex/server";
import { QUOTAS } from "../../src/limits";
import { fail } from "./errors";

// Validators only check types (`v.number()` accepts NaN and Infinity, and a
// validator failure is not a ConvexError), so every range and format rule is
// checked here and reported as INVALID_ARGUMENT.

/** A trimmed string of `min`..`max` characters. */
export function trimmedText(field: string, value: string, min: number, max: number): string {
  const trimmed = value.trim();
  if (trimmed.length < min || trimmed.length > max) {
    fail("INVALID_ARGUMENT", `${field} must be ${min} to ${max} characters`, { field });
  }
  return trimmed;
}

/** An absolute `https:` URL of at most `max` characters, in its normalized form (`new URL(value).href`). */
export function httpsUrl(field: string, value: string, max = 2048): string {
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    url = null;
  }
  if (url === null || url.href.length > max || url.protocol !== "https:" || url.hostname === "") {
    fail("INVALID_ARGUMENT", `${field} must be an https: URL of at most ${max} characters`, {
      field,
    });
  }
  // One spelling per address (host lower-cased, punycode, escapes), so what is stored is what a browser loads.
  return url.href;
}

/** A whole number in `min`..`max` (rejects NaN, Infinity and fractions). */
export function integerInRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    fail("INVALID_ARGUMENT", `${field} must be a whole number from ${min} to ${max}`, { field });
  }
  return value;
}

/**
 * Rows one page may read. Convex ignores `numItems` when the client sends an
 * `endCursor` (it returns everything up to it), so reads are capped too: two
 * pages, room for rows inserted since a page was first read. Past it Convex
 * stops and answers `pageStatus: "SplitRequired"`, which usePaginatedQuery
 * handles by splitting the page.
 */
const MAX_ROWS_READ = 2 * QUOTAS.pageSize;

/**
 * The page options of a paginated list, with `numItems` bounded to
 * 1..QUOTAS.pageSize and the rows read to MAX_ROWS_READ (whatever the client's
 * `endCursor` or `maximumRowsRead`): every list calls this, so no call reads a
 * million rows.
 */
export function pageOptions(paginationOpts: PaginationOptions): PaginationOptions {
  integerInRange("paginationOpts.numItems", paginationOpts.numItems, 1, QUOTAS.pageSize);
  const asked = paginationOpts.maximumRowsRead;
  const maximumRowsRead =
    asked !== undefined && Number.isSafeInteger(asked) && asked >= 1 ? Math.min(asked, MAX_ROWS_READ) : MAX_ROWS_READ;
  return { ...paginationOpts, maximumRowsRead };
}
