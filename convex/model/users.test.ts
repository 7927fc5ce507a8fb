import { expect, test } from "vitest";
import { emailAddress, passwordStrength, profileFromProvider } from "./users";

test("emails are trimmed and lower-cased; non-addresses and lookalikes with invisible characters are refused", () => {
  expect(emailAddress("  Ada@Example.COM ")).toBe("ada@example.com");
  expect(emailAddress("Jo\u0308rg@example.de")).toBe("j\u00F6rg@example.de"); // NFC: one spelling
  for (const lookalike of [
    "ada\u200B@example.com",
    "ada@exa\u00ADmple.com",
    "\u202Eada@example.com",
    "ada\u0000@x.io",
  ]) {
    expect(emailAddress(lookalike), JSON.stringify(lookalike)).toBeNull();
  }
  for (const bad of ["", "ada", "ada@", "@example.com", "ada@example", "a da@example.com", `${"a".repeat(250)}@x.io`]) {
    expect(emailAddress(bad), bad).toBeNull();
  }
});

test("weak passwords are refused with a hint; long passphrases pass", () => {
  expect(passwordStrength("abc123")).toMatch(/at least 8/);
  expect(passwordStrength("a1".repeat(65))).toMatch(/at most 128/);
  for (const weak of ["password123", "qwerty123", "Passw0rd", "letmein1", "welcome1", "11111111a", "12345678"]) {
    expect(passwordStrength(weak), weak).toMatch(
      /^Password is too easy to guess\. .*(commonly used|most used) password/,
    );
  }
  expect(passwordStrength("abcdefgh")).toMatch(/Common sequences like "abc"/);
  for (const strong of ["correct-horse-1", "zebra lantern quietly forty", "Tr0ub4dor&3xyz!"]) {
    expect(passwordStrength(strong), strong).toBeNull();
  }
  // 128 characters is still allowed; the estimator reads the first 64.
  expect(passwordStrength("correct horse battery staple ".repeat(5).slice(0, 128))).toBeNull();
  expect(passwordStrength(`${"ab".repeat(32)}${"zebra lantern quietly forty ".repeat(2)}`)).toMatch(/too easy/);
});

test("OAuth profile data is reduced to what a profile may hold, never failing sign-up", () => {
  expect(profileFromProvider({ email: "Ada@Example.com", name: " Ada ", image: "https://avatars.example/1" })).toEqual({
    email: "ada@example.com",
    fullName: "Ada",
    avatarUrl: "https://avatars.example/1",
  });
  // GitHub users with a private email, an http avatar and an overlong name.
  expect(profileFromProvider({ email: null, name: "n".repeat(300), image: "http://x/1.png" })).toEqual({
    email: "",
    fullName: "n".repeat(100),
    avatarUrl: undefined,
  });
  // Names are clean text (an invisible-only one is none); avatars are stored in their normalized form.
  expect(profileFromProvider({ name: "\u3164\u200B", image: "https://AVATARS.example/a b.png" })).toEqual({
    email: "",
    fullName: undefined,
    avatarUrl: "https://avatars.example/a%20b.png",
  });
  expect(profileFromProvider({ name: "\u202EAda\u0000 Lovelace" }).fullName).toBe("Ada Lovelace");
  // Cut at 100 UTF-16 units without leaving half an emoji.
  expect(profileFromProvider({ name: `${"n".repeat(99)}\u{1F600}` }).fullName).toBe("n".repeat(99));
});
