import { describe, expect, it } from "vitest";
import { csvLine, neutralizeCell } from "./csv";

describe("CSV cells", () => {
  it("neutralize formulas so a spreadsheet shows them as text", () => {
    for (const attack of ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1"]) {
      expect(neutralizeCell(attack).startsWith("'")).toBe(true);
    }
    expect(neutralizeCell("chart.read")).toBe("chart.read");
  });

  it("quote commas, quotes and newlines", () => {
    expect(csvLine(["a,b", 'say "hi"', "x\ny"])).toBe('"a,b","say ""hi""","x\ny"\n');
  });
});
