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

  it("accepts exactly 12 and exactly 128 characters, and no fewer or more", () => {
    const phrase = "violet kettle drums ".repeat(7);
    expect(passwordProblem(phrase.slice(0, 12))).toBeNull();
    expect(passwordProblem(phrase.slice(0, 11))).toMatch(/at least 12/);
    expect(passwordProblem(phrase.slice(0, 128))).toBeNull();
    expect(passwordProblem(phrase.slice(0, 129))).toMatch(/at most 128/);
  });

  it("refuses passwords from the breached/common list, whatever their case", () => {
    expect(passwordProblem("qwerty123456")).toMatch(/breached or common/);
    expect(passwordProblem("QWERTY123456")).toMatch(/breached or common/);
    expect(passwordProblem("password1234")).toMatch(/breached or common/);
  });

  it("refuses a common password with spaces typed into it", () => {
    expect(passwordProblem("qwerty 123456")).toMatch(/breached or common/);
    expect(passwordProblem("qwerty\t123 456")).toMatch(/breached or common/);
  });

  it("refuses a short pattern repeated", () => {
    expect(passwordProblem("aaaaaaaaaaaa")).toMatch(/pattern/);
    expect(passwordProblem("abcabcabcabc")).toMatch(/pattern/);
    expect(passwordProblem("wxyzwxyzwxyz")).toMatch(/pattern/);
    expect(passwordProblem("xy\nxy\nxy\nxy\n")).toMatch(/pattern/);
  });

  it("accepts a passphrase that merely starts or ends with a doubled letter, or repeats a longer unit", () => {
    expect(passwordProblem("aardvarks eat many ants")).toBeNull();
    expect(passwordProblem("a kettle is full of coffee")).toBeNull();
    expect(passwordProblem("vwxyzvwxyzvwxyz")).toBeNull();
  });

  it("refuses the service name or the e-mail with a short suffix", () => {
    expect(passwordProblem("Custodia2026!")).toMatch(/e-mail address or the name/);
    expect(passwordProblem("nova.admin-2026", { email: "nova.admin@example.org" })).toMatch(/e-mail/);
    expect(passwordProblem("nova.admin rides a blue bicycle", { email: "nova.admin@example.org" })).toBeNull();
    // The service's name is refused whatever the e-mail is.
    expect(passwordProblem("Custodia2026!", { email: "nova.admin@example.org" })).toMatch(/e-mail address or the name/);
  });

  it("counts the suffix after the context word: seven characters are refused, eight accepted", () => {
    expect(passwordProblem("Custodia-1234567")).toMatch(/e-mail address or the name/);
    expect(passwordProblem("Custodia-12345678")).toBeNull();
  });

  it("treats an e-mail's local part of four characters as a context word, and a shorter one as not", () => {
    expect(passwordProblem("Nova!!2026?!", { email: "nova@example.org" })).toMatch(/e-mail/);
    expect(passwordProblem("Bob!!!2026?!", { email: "bob@example.org" })).toBeNull();
  });
});
