import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { blindIndex, hmacHex, InvalidIdentifier } from "./blind-index";
import { FileKeyProvider } from "./keys";

const provider = new FileKeyProvider(mkdtempSync(join(tmpdir(), "custodia-bidx-")));
const other = new FileKeyProvider(mkdtempSync(join(tmpdir(), "custodia-bidx-")));

describe("blind indexes", () => {
  it("match equivalent spellings after normalization", () => {
    expect(blindIndex("ssn", "123-45-6789", provider)).toBe(blindIndex("ssn", "123456789", provider));
    expect(blindIndex("email", "  Alice@Example.COM ", provider)).toBe(blindIndex("email", "alice@example.com", provider));
    expect(blindIndex("name", "José  García", provider)).toBe(blindIndex("name", "jose garcia", provider));
    expect(blindIndex("mrn", "mrn-001 234", provider)).toBe(blindIndex("mrn", "MRN001234", provider));
    expect(blindIndex("nameDob", "José García|1980-02-29", provider)).toBe(blindIndex("nameDob", "jose  garcia|1980-02-29", provider));
  });

  it("split name and birth date at the last bar, so a bar in a name stays part of the name", () => {
    expect(blindIndex("nameDob", "A|B|1980-01-01", provider)).not.toBe(blindIndex("nameDob", "A|1980-01-01", provider));
    expect(blindIndex("nameDob", "Ann Lee| 1980-01-01 ", provider)).toBe(blindIndex("nameDob", "ann lee|1980-01-01", provider));
  });

  it("are 64 hex characters and differ for different values", () => {
    expect(blindIndex("email", "a@example.com", provider)).toMatch(/^[0-9a-f]{64}$/);
    expect(blindIndex("email", "a@example.com", provider)).not.toBe(blindIndex("email", "b@example.com", provider));
  });

  it("are domain-separated by kind and depend on the key", () => {
    expect(blindIndex("mrn", "123456789", provider)).not.toBe(blindIndex("ssn", "123456789", provider));
    expect(blindIndex("name", "ann", provider)).not.toBe(blindIndex("email", "ann", provider));
    expect(blindIndex("ssn", "123456789", provider)).not.toBe(blindIndex("ssn", "123456789", other));
  });

  it("refuse malformed identifiers instead of indexing them", () => {
    expect(() => blindIndex("ssn", "12345", provider)).toThrow(InvalidIdentifier);
    expect(() => blindIndex("ssn", "123-45-67890", provider)).toThrow(InvalidIdentifier);
    expect(() => blindIndex("nameDob", "no date", provider)).toThrow(InvalidIdentifier);
    expect(() => blindIndex("nameDob", "Ann Lee|1981-02-29", provider)).toThrow(InvalidIdentifier);
    expect(() => blindIndex("nameDob", " |1980-01-01", provider)).toThrow(InvalidIdentifier);
  });

  it("use HMAC-SHA256 as in RFC 4231 test case 2", () => {
    expect(hmacHex(Buffer.from("Jefe"), "what do ya want for nothing?")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });
});
