import { expect, onTestFinished, test, vi } from "vitest";
import { expectConsole } from "./console";

const real = { error: console.error, warn: console.warn, log: console.log, debug: console.debug };

test("records the expected messages instead of printing them", () => {
  const errors = expectConsole("error", /^boom \d+$/);
  console.error("boom", 1);
  console.error("boom %d", 2);
  expect(errors.messages).toEqual(["boom 1", "boom 2"]);
});

test("prints the messages no pattern matches, and records them too", () => {
  // Stands in for the real console.warn, so the passed-through message is seen here.
  const printed = vi.fn();
  console.warn = printed;
  onTestFinished(() => {
    console.warn = real.warn;
  });

  const warnings = expectConsole("warn", "expected");
  console.warn("expected warning");
  console.warn("something else", { id: 1 });
  expect(warnings.messages).toEqual(["expected warning", "something else { id: 1 }"]);
  expect(printed.mock.calls).toEqual([["something else", { id: 1 }]]);
});

test("restores the console after the test", () => {
  expect({ error: console.error, warn: console.warn, log: console.log, debug: console.debug }).toEqual(real);
});

test("fails the test unless every pattern matched a message (assertPrinted, run when the test ends)", () => {
  const logs = expectConsole("log", "first", /second/);
  expect(() => logs.assertPrinted()).toThrow(
    'expected console.log to print a message matching "first", /second/; it printed nothing',
  );
  console.log("first message");
  expect(() => logs.assertPrinted()).toThrow(
    "expected console.log to print a message matching /second/; it printed\n  first message",
  );
  console.log("second message");
  logs.assertPrinted();
});

test("is one call per method and test: every pattern goes in it", () => {
  expectConsole("debug", "one");
  expect(() => expectConsole("debug", "two")).toThrow(/already active/);
  console.debug("one");
});
