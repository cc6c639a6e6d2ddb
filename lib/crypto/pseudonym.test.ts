import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileKeyProvider } from "./keys";
import { pseudonym } from "./pseudonym";

const provider = new FileKeyProvider(mkdtempSync(join(tmpdir(), "custodia-psn-")));
const other = new FileKeyProvider(mkdtempSync(join(tmpdir(), "custodia-psn-")));
const id = "5f3c2b1a-0000-4000-8000-000000000001";

describe("pseudonyms", () => {
  it("are stable per patient and shaped psn_ + 20 base64url characters", () => {
    expect(pseudonym(id, provider)).toBe(pseudonym(id, provider));
    expect(pseudonym(id, provider)).toMatch(/^psn_[A-Za-z0-9_-]{20}$/);
  });

  it("differ across patients and across keys, and do not contain the id", () => {
    expect(pseudonym(id, provider)).not.toBe(pseudonym("5f3c2b1a-0000-4000-8000-000000000002", provider));
    expect(pseudonym(id, provider)).not.toBe(pseudonym(id, other));
    expect(pseudonym(id, provider)).not.toContain(id.slice(0, 8));
  });
});
