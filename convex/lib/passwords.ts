// The password rule: 8 to 128 characters, and not guessable by an estimator
// that knows what crackers try first (zxcvbn-ts with its common dictionary:
// ~30,000 leaked passwords and diceware words, keyboard patterns, repeats,
// sequences, dates, l33t substitutions). A fixed list of bad passwords missed
// `Passw0rd` and `password123`; the estimator sees them as one common word.
import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import * as common from "@zxcvbn-ts/language-common";

/** zxcvbn's scores run 0..4; 3 is "safely unguessable" (about 10^8 guesses and more). */
export const MIN_PASSWORD_SCORE = 3;
export const PASSWORD_LENGTH = { min: 8, max: 128 } as const;
/**
 * The estimator reads this many characters at most. Its cost grows faster than
 * the length (a 128-character repeat takes ~150 ms of CPU, 64 about a third of
 * that), and 64 characters that score 3 are strong whatever follows.
 */
export const ESTIMATED_CHARS = 64;

// Built once per module load (the dictionaries are ranked into lookup tables
// here), not on every sign-up.
const zxcvbn = new ZxcvbnFactory({ dictionary: common.dictionary, graphs: common.adjacencyGraphs });

// zxcvbn reports translation keys; these are the English hints (the package
// without a language pack has none). Unlisted keys fall back to the generic one.
const WARNINGS: Record<string, string> = {
  straightRow: "Straight rows of keys are easy to guess",
  keyPattern: "Short keyboard patterns are easy to guess",
  simpleRepeat: 'Repeated characters like "aaa" are easy to guess',
  extendedRepeat: 'Repeated patterns like "abcabcabc" are easy to guess',
  sequences: 'Common sequences like "abc" or "1234" are easy to guess',
  recentYears: "Recent years are easy to guess",
  dates: "Dates are easy to guess",
  topTen: "This is one of the ten most used passwords",
  topHundred: "This is one of the hundred most used passwords",
  common: "This is a commonly used password",
  similarToCommon: "This is similar to a commonly used password",
  wordByItself: "A single word is easy to guess",
  namesByThemselves: "Single names or surnames are easy to guess",
  commonNames: "Common names and surnames are easy to guess",
};
const HINT = "Add a few more words that do not belong together; a short phrase is easier to remember than symbols";

/** Why a password is too weak (a hint on what to do), or null when it is acceptable. */
export function passwordStrength(password: string): string | null {
  if (password.length < PASSWORD_LENGTH.min) return `Password must be at least ${PASSWORD_LENGTH.min} characters`;
  if (password.length > PASSWORD_LENGTH.max) return `Password must be at most ${PASSWORD_LENGTH.max} characters`;
  const { score, feedback } = zxcvbn.check(password.slice(0, ESTIMATED_CHARS));
  if (score >= MIN_PASSWORD_SCORE) return null;
  const warning = feedback.warning === null ? undefined : WARNINGS[feedback.warning];
  return `Password is too easy to guess. ${warning ?? "It follows a common pattern"}. ${HINT}.`;
}
