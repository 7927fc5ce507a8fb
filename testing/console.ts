// Console output a test expects, captured and asserted instead of printed, so a
// green `npm test` prints nothing that looks like a failure.
import { format } from "node:util";
import { onTestFinished } from "vitest";

export type ConsoleMethod = "error" | "warn" | "info" | "log" | "debug";

export type ConsoleCapture = {
  /**
   * Every message printed through the method since `expectConsole` was called
   * in this test, expected or not, formatted as the console formats it.
   */
  readonly messages: readonly string[];
  /** Throws unless every pattern has matched a message so far (done for you when the test ends). */
  assertPrinted(): void;
};

const active = new Set<ConsoleMethod>();

/**
 * For the rest of the current test, `console[method]` messages matching one of
 * `patterns` (a RegExp, or a string the message contains) are recorded and not
 * printed; any other message is printed as usual. When the test ends the
 * console is restored, and the test fails unless every pattern matched at
 * least one message. Assert more (how many, in which order) on `messages`.
 *
 *   const errors = expectConsole("error", /unknown status mystery/);
 *   ...
 *   expect(errors.messages).toHaveLength(2);
 */
export function expectConsole(method: ConsoleMethod, ...patterns: (RegExp | string)[]): ConsoleCapture {
  if (patterns.length === 0) throw new Error("expectConsole: give at least one pattern");
  if (active.has(method)) {
    throw new Error(`expectConsole("${method}") is already active in this test: pass every pattern in one call`);
  }
  const matches = (message: string, pattern: RegExp | string) =>
    typeof pattern === "string" ? message.includes(pattern) : new RegExp(pattern.source, pattern.flags).test(message);

  const messages: string[] = [];
  // Replaced by hand rather than with vi.spyOn, which reuses a method that is
  // already a mock (its "original" would then be itself), and whose spies
  // vi.restoreAllMocks() would end before the test does.
  const original = console[method];
  console[method] = (...args: unknown[]) => {
    const message = format(...args);
    messages.push(message);
    if (!patterns.some((pattern) => matches(message, pattern))) original.apply(console, args);
  };
  active.add(method);

  const assertPrinted = () => {
    const missing = patterns.filter((pattern) => !messages.some((message) => matches(message, pattern)));
    if (missing.length > 0) {
      const printed = messages.length > 0 ? messages.map((m) => `\n  ${m}`).join("") : " nothing";
      throw new Error(
        `expected console.${method} to print a message matching ${missing.map(describe).join(", ")}; it printed${printed}`,
      );
    }
  };

  onTestFinished(({ task }) => {
    console[method] = original;
    active.delete(method);
    // A test that already failed says why; a missing message would only add noise.
    if (task.result?.state !== "fail") assertPrinted();
  });
  return { messages, assertPrinted };
}

const describe = (pattern: RegExp | string) =>
  typeof pattern === "string" ? JSON.stringify(pattern) : String(pattern);
