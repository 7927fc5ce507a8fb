import { ConvexError } from "convex/values";
import { expect, test } from "vitest";
import { appErrorOf, ERROR_CODES, isAppErrorData } from "./errors";

test("the type guard accepts our error data and nothing else", () => {
  expect(isAppErrorData({ code: "INSUFFICIENT_CREDITS", message: "no", balance: 3 })).toBe(true);
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
