import { z } from "zod";

type Issue = Parameters<NonNullable<z.core.$ZodConfig["customError"]>>[0];

const count = (n: number | bigint) => Number(n).toLocaleString("en-US");

const formats: Record<string, string> = {
  email: "Enter an email address, like name@example.com.",
  date: "Enter a date as year-month-day, like 2026-03-31.",
  datetime: "Enter a date and time.",
  uuid: "This form is out of date. Reload the page and try again.",
  url: "Enter a web address starting with https://.",
};

/**
 * Every message a person can see when a schema refuses a value, in words a patient understands and that say
 * what to do. zod's own texts ("Too small: expected string to have >=1 characters", "Invalid string: must
 * match pattern …") are written for developers. A schema's own message, where one is given, still wins; this
 * map covers every check that has none. Loaded by every file in lib/validation, so forms and server agree.
 */
export function plainMessage(issue: Issue): string {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined || issue.input === null || issue.input === "") return "Please fill this in.";
      if (issue.expected === "number" || issue.expected === "int") return "Enter a number.";
      return "This value could not be read. Check it and try again.";
    case "too_small":
      if (issue.origin === "string") {
        return Number(issue.minimum) <= 1 ? "Please fill this in." : `Use at least ${count(issue.minimum)} characters.`;
      }
      if (issue.origin === "array" || issue.origin === "set") return "Choose at least one.";
      return `Enter a value of at least ${count(issue.minimum)}.`;
    case "too_big":
      if (issue.origin === "string") {
        const length = typeof issue.input === "string" ? ` (this has ${count(issue.input.length)})` : "";
        return `Use at most ${count(issue.maximum)} characters${length}.`;
      }
      if (issue.origin === "array" || issue.origin === "set") return `Choose at most ${count(issue.maximum)}.`;
      return `Enter a value of at most ${count(issue.maximum)}.`;
    case "invalid_format":
      return formats[issue.format] ?? "This is not in the right format. Check it and try again.";
    case "invalid_value":
    case "invalid_union":
      return "Choose one of the options offered.";
    case "not_multiple_of":
      return `Enter a multiple of ${issue.divisor}.`;
    default:
      return "Check this value and try again.";
  }
}

z.config({ customError: plainMessage });
