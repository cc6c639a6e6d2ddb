import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DecryptError } from "./errors";
import { FileKeyProvider } from "./keys";
import { openSystem, sealSystem } from "./secret";

const provider = new FileKeyProvider(mkdtempSync(join(tmpdir(), "custodia-system-")));
const at = { table: "app_user", column: "display_name_enc", rowId: "7d0b3c4e-0000-4000-8000-000000000001" };

describe("system field sealing", () => {
  it("round-trips under the system key, labelled s, bound to its row", () => {
    const sealed = sealSystem("Dr. Ada Lovelace", at, provider);
    expect(sealed.startsWith("v1.s.")).toBe(true);
    expect(openSystem(sealed, at, provider)).toBe("Dr. Ada Lovelace");
    expect(() => openSystem(sealed, { ...at, rowId: "7d0b3c4e-0000-4000-8000-000000000002" }, provider)).toThrow(DecryptError);
  });

  it("does not open under another installation's system key", () => {
    const other = new FileKeyProvider(mkdtempSync(join(tmpdir(), "custodia-system-")));
    expect(() => openSystem(sealSystem("x", at, provider), at, other)).toThrow(DecryptError);
  });
});
