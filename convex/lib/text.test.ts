import { describe, expect, test } from "vitest";
import { expectCode } from "../../testing";
import { clean, cleanText, hasInvisible } from "./text";

/** `fn`'s result or throw, as a promise (expectCode takes one). */
const later = (fn: () => unknown) => Promise.resolve().then(fn);

describe("clean: one line", () => {
  // [what, input, expected]
  const cases: [string, string, string][] = [
    ["plain text is kept", "Ada Lovelace", "Ada Lovelace"],
    ["surrounding spaces trimmed, inner runs collapsed", "  Ada \u00A0  Lovelace ", "Ada Lovelace"],
    ["tabs and newlines become spaces", "Ada\tby\r\nLovelace\n", "Ada by Lovelace"],
    ["NUL, BEL, ESC, DEL and C1 controls removed", "A\u0000d\u0007a\u001B[31m\u007F\u0085\u009B", "Ada[31m"],
    ["zero-width space, non-joiner, joiner, word joiner, BOM", "A\u200Bd\u200Ca\u200D\u2060\uFEFF", "Ada"],
    ["bidi overrides and embeddings", "\u202Eevil\u202C.exe \u202Atxt\u202B", "evil.exe txt"],
    ["bidi isolates and marks", "\u2066a\u2067b\u2068c\u2069\u200E\u200F\u061C", "abc"],
    ["Hangul fillers (U+3164, U+115F, U+1160, U+FFA0)", "\u3164Ada\u115F\u1160\uFFA0", "Ada"],
    ["soft hyphen, combining grapheme joiner, Mongolian vowel separator", "Lo\u00ADve\u034Fla\u180Ece", "Lovelace"],
    ["variation selectors, including the supplementary ones", "\u2764\uFE0F A\uFE00 B\u{E0100}", "\u2764 A B"],
    ["tag characters (flag sequences, hidden ASCII)", "hi\u{E0041}\u{E0042}\u{E007F}", "hi"],
    ["line and paragraph separators become spaces", "Ada\u2028Love\u2029lace", "Ada Love lace"],
    ["decomposed accents composed to NFC", "Jose\u0301 Ame\u0301lie", "Jos\u00E9 Am\u00E9lie"],
    ["an accent that an invisible split is composed after removal", "e\u200B\u0301", "\u00E9"],
    ["only invisible characters: empty", "\u200B\u3164\u202E\u00AD\uFEFF \t", ""],
    [
      "emoji and other scripts kept",
      "\u{1F600} \u6F22\u5B57 \u0639\u0631\u0628\u064A",
      "\u{1F600} \u6F22\u5B57 \u0639\u0631\u0628\u064A",
    ],
    [
      "ZWJ emoji sequences lose their joiners (they render, but as separate emoji)",
      "\u{1F468}\u200D\u{1F4BB}",
      "\u{1F468}\u{1F4BB}",
    ],
  ];
  test.each(cases)("%s", (_what, input, expected) => {
    expect(clean(input)).toBe(expected);
  });
});

describe("clean: multi-line (a note's body)", () => {
  const cases: [string, string, string][] = [
    ["newlines and tabs are kept", "line 1\n\tindented\nline 3", "line 1\n\tindented\nline 3"],
    ["CRLF and lone CR become LF", "a\r\nb\rc", "a\nb\nc"],
    ["line and paragraph separators become newlines", "a\u2028b\u2029c", "a\nb\nc"],
    ["other controls removed", "a\u0000\u0008\u000B\u000C\u001B\u007Fb\u0085", "ab"],
    ["invisible characters removed", "\u202Ea\u200Bb\u3164\nc\u2066", "ab\nc"],
    ["inner spaces are the writer's (kept); the ends are trimmed", "\n  a  b  \n\n", "a  b"],
  ];
  test.each(cases)("%s", (_what, input, expected) => {
    expect(clean(input, { multiline: true })).toBe(expected);
  });
});

describe("cleanText: lengths after cleaning", () => {
  test("a required value empty after cleaning is INVALID_ARGUMENT", async () => {
    const error = await expectCode(
      later(() => cleanText("fullName", "\u200B\u3164\u202E", 1, 100)),
      "INVALID_ARGUMENT",
    );
    expect(error).toMatchObject({ field: "fullName", message: "fullName is empty" });
  });

  test("invisible characters do not count toward the maximum", () => {
    expect(cleanText("title", `${"a".repeat(10)}${"\u200B".repeat(50)}`, 1, 10)).toBe("a".repeat(10));
  });

  test("too long after cleaning is refused", async () => {
    const error = await expectCode(
      later(() => cleanText("title", "a".repeat(11), 1, 10)),
      "INVALID_ARGUMENT",
    );
    expect(error).toMatchObject({ field: "title", min: 1, max: 10 });
  });

  test("an optional value may clean to empty", () => {
    expect(cleanText("body", "\u200B", 0, 10, { multiline: true })).toBe("");
  });
});

test("hasInvisible finds what clean removes, and nothing in plain text", () => {
  for (const bad of ["a\u200Bb", "a\u0000", "\u202Ea", "\u3164", "a\u00AD", "a\u2028", "a\nb", "a\u{E0041}"]) {
    expect(hasInvisible(bad), JSON.stringify(bad)).toBe(true);
  }
  for (const good of ["ada@example.com", "J\u00F6rg@example.de", "\u{1F600}", "a b"]) {
    expect(hasInvisible(good), good).toBe(false);
  }
});

test("the runtime supports Unicode property escapes (V8 does; so does this test environment)", () => {
  expect(/\p{Default_Ignorable_Code_Point}/u.test("\u3164")).toBe(true);
  expect(/\p{Default_Ignorable_Code_Point}/u.test("a")).toBe(false);
});
