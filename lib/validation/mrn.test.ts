import { describe, expect, it } from "vitest";
import { canonicalMrn } from "./mrn";

describe("canonicalMrn", () => {
  it("reads the digits alone, a missing dash, spaces and lower case as the same MRN", () => {
    for (const typed of ["123757", "MRN-123757", "mrn123757", " MRN 123757 ", "１２３７５７"]) expect(canonicalMrn(typed), typed).toBe("MRN-123757");
  });

  it("answers null for anything that is not an MRN of the hospital's shape", () => {
    for (const typed of ["12375", "1237577", "MRN-12a757", "abc", "MRX-123757", "T123-4"]) expect(canonicalMrn(typed), typed).toBeNull();
  });
});
