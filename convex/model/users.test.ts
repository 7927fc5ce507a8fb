import { expect, test } from "vitest";
import { emailAddress, passwordStrength, profileFromProvider } from "./users";

test("emails are trimmed and lower-cased; non-addresses are refused", () => {
  expect(emailAddress("  Ada@Example.COM ")).toBe("ada@example.com");
  for (const bad of ["", "ada", "ada@", "@example.com", "ada@example", "a da@example.com", `${"a".repeat(250)}@x.io`]) {
    expect(emailAddress(bad), bad).toBeNull();
  }
});

test("weak passwords are named; good ones pass", () => {
  expect(passwordStrength("abc123")).toMatch(/at least 8/);
  expect(passwordStrength("a1".repeat(65))).toMatch(/at most 128/);
  expect(passwordStrength("abcdefgh")).toMatch(/letter and a digit/);
  expect(passwordStrength("12345678")).toMatch(/letter and a digit/);
  expect(passwordStrength("Password1")).toMatch(/too common/);
  expect(passwordStrength("correct-horse-1")).toBeNull();
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
});
