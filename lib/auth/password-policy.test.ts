import { describe, expect, it } from "vitest";
import { passwordProblem } from "./password-policy";

describe("password policy", () => {
  it("accepts a long passphrase with no composition rules", () => {
    expect(passwordProblem("correct horse battery staple")).toBeNull();
    expect(passwordProblem("all lower case words here")).toBeNull();
  });

  it("refuses short and overlong passwords", () => {
    expect(passwordProblem("short")).toMatch(/at least 12/);
    expect(passwordProblem("x".repeat(129))).toMatch(/at most 128/);
  });

  it("refuses passwords from the breached/common list, whatever their case", () => {
    expect(passwordProblem("qwerty123456")).toMatch(/breached or common/);
    expect(passwordProblem("QWERTY123456")).toMatch(/breached or common/);
    expect(passwordProblem("password1234")).toMatch(/breached or common/);
  });

  it("refuses a short pattern repeated", () => {
    expect(passwordProblem("aaaaaaaaaaaa")).toMatch(/pattern/);
    expect(passwordProblem("abcabcabcabc")).toMatch(/pattern/);
  });

  it("refuses the service name or the e-mail with a short suffix", () => {
    expect(passwordProblem("Custodia2026!")).toMatch(/e-mail address or the name/);
    expect(passwordProblem("nova.admin-2026", { email: "nova.admin@example.org" })).toMatch(/e-mail/);
    expect(passwordProblem("nova.admin rides a blue bicycle", { email: "nova.admin@example.org" })).toBeNull();
  });
});
