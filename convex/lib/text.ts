// Clean text: the one place user and provider text is made safe to store and
// show. Pure (no ctx), so it runs the same in queries, mutations and actions.
//
// What goes: every Unicode control character (Cc: C0, DEL, C1), and every
// Default_Ignorable_Code_Point, the characters that render as nothing (zero
// width space/joiners, U+3164 HANGUL FILLER, U+115F/U+1160, U+FFA0, variation
// selectors, tag characters, soft hyphen, word joiner, BOM...). The bidi
// formatting characters that can reorder what a reader sees are listed again
// explicitly, so the rule does not depend on their Unicode properties: LRM/RLM,
// ALM, the embeddings/overrides U+202A..U+202E and the isolates U+2066..U+2069.
// Property escapes (`\p{...}` with the `u` flag) are ES2018; Convex runs V8 and
// the edge-runtime test environment supports them too (text.test.ts checks).
import { fail } from "./errors";

const REMOVED = "\\p{Cc}\\p{Default_Ignorable_Code_Point}\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069";
/** Characters removed from single-line text. */
const INVISIBLE = new RegExp(`[${REMOVED}]`, "gu");
/** The same, without the `g` flag's state, for testing a string. */
const ANY_INVISIBLE = new RegExp(`[${REMOVED}\\u2028\\u2029]`, "u");
/** Characters removed from multi-line text: the same, but newline and tab stay. */
const INVISIBLE_KEEP_LINES = new RegExp(`(?![\\n\\t])[${REMOVED}]`, "gu");
/** Line and paragraph separators: a line break in multi-line text, a space in single-line text. */
const SEPARATORS = /[\u2028\u2029]/g;

export type TextOptions = {
  /** Keep `\n` and `\t` (a note's body); `\r\n` and lone `\r` become `\n`. Default: one line. */
  multiline?: boolean;
};

/**
 * `raw` in Unicode NFC with control, bidi and invisible characters removed,
 * then trimmed. Single-line text also collapses every run of whitespace to
 * one space. Never fails: see `cleanText` for the checked version.
 */
export function clean(raw: string, options: TextOptions = {}): string {
  // NFC last: removing a character can leave a base and its mark side by side.
  if (options.multiline === true) {
    return raw
      .replace(/\r\n?/g, "\n")
      .replace(SEPARATORS, "\n")
      .replace(INVISIBLE_KEEP_LINES, "")
      .trim()
      .normalize("NFC");
  }
  // Tabs and newlines are control characters, but in one line they were meant as spaces.
  return raw
    .replace(/[\t\n\r\v\f]/g, " ")
    .replace(SEPARATORS, " ")
    .replace(INVISIBLE, "")
    .replace(/\s+/gu, " ")
    .trim()
    .normalize("NFC");
}

/**
 * `clean(value)` of `min`..`max` characters (counted after cleaning), or
 * INVALID_ARGUMENT naming `field`. A required value (`min` >= 1) that is
 * empty after cleaning is refused, so a name of zero-width spaces is no name.
 */
export function cleanText(field: string, value: string, min: number, max: number, options: TextOptions = {}): string {
  const text = clean(value, options);
  if (text.length < min || text.length > max) {
    const what = min > 0 && text.length === 0 ? `${field} is empty` : `${field} must be ${min} to ${max} characters`;
    fail("INVALID_ARGUMENT", what, { field, min, max });
  }
  return text;
}

/** True when `raw` holds any character `clean` would remove (other than surrounding spaces). */
export function hasInvisible(raw: string): boolean {
  return ANY_INVISIBLE.test(raw);
}
