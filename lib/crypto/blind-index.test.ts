import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { blindIndex, hmacHex, InvalidIdentifier } from "./blind-index";
import { FileKeyProvider } from "./keys";
import { pseudonym } from "./pseudonym";

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

  it("are domain-separated by kind and depend on the key", () => {
    expect(blindIndex("mrn", "123456789", provider)).not.toBe(blindIndex("ssn", "123456789", provider));
    expect(blindIndex("ssn", "123456789", provider)).not.toBe(blindIndex("ssn", "123456789", other));
  });

  it("refuse malformed identifiers instead of indexing them", () => {
    expect(() => blindIndex("ssn", "12345", provider)).toThrow(InvalidIdentifier);
    expect(() => blindIndex("nameDob", "no date", provider)).toThrow(InvalidIdentifier);
  });

  it("use HMAC-SHA256 as in RFC 4231 test case 2", () => {
    expect(hmacHex(Buffer.from("Jefe"), "what do ya want for nothing?")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });
});

describe("pseudonyms", () => {
  it("are stable per patient, distinct across patients, keyed and shaped psn_…", () => {
    const id = "5f3c2b1a-0000-4000-8000-000000000001";
    expect(pseudonym(id, provider)).toBe(pseudonym(id, provider));
    expect(pseudonym(id, provider)).not.toBe(pseudonym("5f3c2b1a-0000-4000-8000-000000000002", provider));
    expect(pseudonym(id, provider)).not.toBe(pseudonym(id, other));
    expect(pseudonym(id, provider)).toMatch(/^psn_[A-Za-z0-9_-]{22}$/);
  });
});
