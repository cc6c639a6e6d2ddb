import { createHmac } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { blindIndex, blindIndexText, hmacHex, InvalidIdentifier, type BlindIndexKind } from "./blind-index";
import { FileKeyProvider, type KeyProvider } from "./keys";

const provider = new FileKeyProvider(mkdtempSync(join(tmpdir(), "custodia-bidx-")));
const other = new FileKeyProvider(mkdtempSync(join(tmpdir(), "custodia-bidx-")));

// Compared as hex text: two Uint8Arrays are never toBe-equal, and a failure then shows the values.
const bi = (kind: BlindIndexKind, value: string, p: KeyProvider) => blindIndexText(blindIndex(kind, value, p));

describe("blind indexes", () => {
  it("match equivalent spellings after normalization", () => {
    expect(bi("ssn", "123-45-6789", provider)).toBe(bi("ssn", "123456789", provider));
    expect(bi("email", "  Alice@Example.COM ", provider)).toBe(bi("email", "alice@example.com", provider));
    expect(bi("name", "José  García", provider)).toBe(bi("name", "jose garcia", provider));
    expect(bi("mrn", "mrn-001 234", provider)).toBe(bi("mrn", "MRN001234", provider));
    expect(bi("nameDob", "José García|1980-02-29", provider)).toBe(bi("nameDob", "jose  garcia|1980-02-29", provider));
  });

  it("split name and birth date at the last bar, so a bar in a name stays part of the name", () => {
    expect(bi("nameDob", "A|B|1980-01-01", provider)).not.toBe(bi("nameDob", "A|1980-01-01", provider));
    expect(bi("nameDob", "Ann Lee| 1980-01-01 ", provider)).toBe(bi("nameDob", "ann lee|1980-01-01", provider));
  });

  it("are the 32 bytes of the HMAC and differ for different values", () => {
    expect(blindIndex("email", "a@example.com", provider)).toHaveLength(32);
    expect(bi("email", "a@example.com", provider)).toMatch(/^[0-9a-f]{64}$/);
    expect(bi("email", "a@example.com", provider)).not.toBe(bi("email", "b@example.com", provider));
  });

  it("are domain-separated by kind and depend on the key", () => {
    expect(bi("mrn", "123456789", provider)).not.toBe(bi("ssn", "123456789", provider));
    expect(bi("name", "ann", provider)).not.toBe(bi("email", "ann", provider));
    expect(bi("ssn", "123456789", provider)).not.toBe(bi("ssn", "123456789", other));
  });

  it("refuse malformed identifiers instead of indexing them", () => {
    expect(() => bi("ssn", "12345", provider)).toThrow(InvalidIdentifier);
    expect(() => bi("ssn", "123-45-67890", provider)).toThrow(InvalidIdentifier);
    expect(() => bi("nameDob", "no date", provider)).toThrow(InvalidIdentifier);
    expect(() => bi("nameDob", "Ann Lee|1981-02-29", provider)).toThrow(InvalidIdentifier);
    expect(() => bi("nameDob", " |1980-01-01", provider)).toThrow(InvalidIdentifier);
    expect(() => bi("nameDob", "Ann Lee|1980-13-01", provider)).toThrow(InvalidIdentifier);
    expect(() => bi("nameDob", "Ann Lee|80-01-01", provider)).toThrow(InvalidIdentifier);
    // An expanded year is a real date to Date, and its ISO text starts with itself: only the pattern refuses it.
    expect(() => bi("nameDob", "Ann Lee|+010000-01-01", provider)).toThrow(InvalidIdentifier);
    expect(() => bi("nameDob", "Ann Lee|", provider)).toThrow(InvalidIdentifier);
  });

  // Stored indexes were computed with these rules: any change to them silently stops every search matching.
  it("hash `<kind>\\0<normalized value>` under the blindIndex key, as the stored indexes were computed", () => {
    const expected = (message: string) => createHmac("sha256", provider.secret("blindIndex")).update(message, "utf8").digest("hex");
    expect(bi("ssn", " 123-45-6789 ", provider)).toBe(expected("ssn\u0000123456789"));
    expect(bi("mrn", "mrn-001 234\t", provider)).toBe(expected("mrn\u0000MRN001234"));
    expect(bi("mrn", "ｍｒｎ００１２３４", provider)).toBe(expected("mrn\u0000MRN001234"));
    expect(bi("email", "  Alice@Example.COM ", provider)).toBe(expected("email\u0000alice@example.com"));
    expect(bi("email", "ａlice@example.com", provider)).toBe(expected("email\u0000alice@example.com"));
    // An address keeps its accents and inner spaces: only names drop them.
    expect(bi("email", " José@Example.com", provider)).toBe(expected("email\u0000jos\u00e9@example.com"));
    expect(bi("name", "  José \t García ", provider)).toBe(expected("name\u0000jose garcia"));
    expect(bi("nameDob", " José  García | 1980-02-29 ", provider)).toBe(expected("nameDob\u0000jose garcia|1980-02-29"));
  });

  it("use HMAC-SHA256 as in RFC 4231 test case 2", () => {
    expect(hmacHex(Buffer.from("Jefe"), "what do ya want for nothing?")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });
});
