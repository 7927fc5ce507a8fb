import { ConvexError } from "convex/values";
import { expect, expectTypeOf, test } from "vitest";
import { fail } from "../convex/lib/errors";
import { appErrorOf, ERROR_CODES, isAppError, isAppErrorData } from "./errors";

/** What `fail(...)` threw. */
function thrownBy(call: () => never): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error("fail() did not throw");
}

test("the type guard accepts our error data and nothing else", () => {
  expect(isAppErrorData({ code: "INSUFFICIENT_CREDITS", message: "no", balance: 3, required: 5 })).toBe(true);
  // A code's promised numbers must be there: a client reads them without checking.
  expect(isAppErrorData({ code: "INSUFFICIENT_CREDITS", message: "no", balance: 3 })).toBe(false);
  expect(isAppErrorData({ code: "RATE_LIMITED", message: "slow down", retryAfter: "soon" })).toBe(false);
  expect(isAppErrorData({ code: "SOMETHING_ELSE", message: "no" })).toBe(false);
  expect(isAppErrorData({ code: "NOT_FOUND" })).toBe(false);
  expect(isAppErrorData("NOT_FOUND")).toBe(false);
  expect(isAppErrorData(null)).toBe(false);
});

test("appErrorOf reads a ConvexError's data and ignores other errors", () => {
  expect(appErrorOf(new ConvexError({ code: "CONFLICT", message: "taken" }))).toEqual({
    code: "CONFLICT",
    message: "taken",
  });
  expect(appErrorOf(new Error("Server Error"))).toBeNull();
  expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
});

test("a thrown value that is not an Error is no app error, even with an app error's data", () => {
  // isAppError promises an Error (a ConvexError): `e.message`, `e.stack`. A rejected
  // plain object or a library's error-like value must not pass for one.
  const lookalike = { data: { code: "NOT_FOUND", message: "missing" } };
  expect(isAppError(lookalike)).toBe(false);
  expect(appErrorOf(lookalike)).toBeNull();
  for (const value of [undefined, null, 0, "NOT_FOUND", Symbol("x"), () => {}]) expect(isAppError(value)).toBe(false);
});

test("isAppError narrows a caught error to its code's details, as fail() sent them", () => {
  const error = thrownBy(() => fail("INSUFFICIENT_CREDITS", "Not enough credits", { balance: 7, required: 50 }));
  expect(isAppError(error)).toBe(true);
  expect(isAppError(error, "RATE_LIMITED")).toBe(false);
  if (!isAppError(error, "INSUFFICIENT_CREDITS")) throw new Error("expected INSUFFICIENT_CREDITS");
  expectTypeOf(error.data.required).toEqualTypeOf<number>();
  expect(error.data.required - error.data.balance).toBe(43);
  expect(isAppError(new Error("Server Error"))).toBe(false);

  const limited = thrownBy(() => fail("RATE_LIMITED", "Slow down", { retryAfter: 1_500, rateLimit: "createRows" }));
  expect(isAppError(limited, "RATE_LIMITED") && limited.data.retryAfter).toBe(1_500);
});

test("fail() only compiles with the details its code declares", () => {
  // Never run: the assertions are the typecheck's (an unused @ts-expect-error fails it).
  const calls = [
    // @ts-expect-error INSUFFICIENT_CREDITS needs `required` too
    () => fail("INSUFFICIENT_CREDITS", "Not enough credits", { balance: 1 }),
    // @ts-expect-error RATE_LIMITED needs its details
    () => fail("RATE_LIMITED", "Slow down"),
    // @ts-expect-error no such detail on NOT_FOUND
    () => fail("NOT_FOUND", "No such note", { noteId: "x" }),
    // @ts-expect-error `limit` is a number
    () => fail("LIMIT_REACHED", "Too many notes", { limit: "100" }),
    // @ts-expect-error UNAUTHENTICATED carries no details
    () => fail("UNAUTHENTICATED", "You must be signed in", { userId: "x" }),
    () => fail("NOT_FOUND", "No such note"),
    () => fail("INVALID_ARGUMENT", "Enter a valid email address", { field: "email" }),
  ];
  expect(calls).toHaveLength(7);
});
