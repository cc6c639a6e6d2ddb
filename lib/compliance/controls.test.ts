import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { controlsSchema, loadControls, namedPaths } from "./controls";
import { controlsCsv, controlsMarkdown } from "./render";

const controls = loadControls();

/** The titles of the tests a file declares: the first string argument of it(…)/test(…), modifiers included (it.skipIf(isEmbedded())(…)). */
function testTitles(file: string): Set<string> {
  const source = readFileSync(file, "utf8");
  const titles = new Set<string>();
  const call = /\b(?:it|test)(?:\.\w+(?:\((?:[^()]|\([^()]*\))*\))?)*\(\s*(["'`])((?:\\.|(?!\1)[^\\])*)\1/g;
  for (const match of source.matchAll(call)) titles.add(match[2]!.replace(/\\(["'`\\])/g, "$1"));
  return titles;
}

// The controls the matrix must cover, as the issue that asked for it lists them.
const required = [
  ...["DB-1", "DB-2", "DB-3", "DB-4", "DB-5", "DB-6", "DB-7", "DB-8"],
  ...["164.308(a)(1)(ii)(D)", "164.308(a)(3)", "164.308(a)(4)", "164.308(a)(5)(ii)(C)", "164.308(a)(6)"],
  ...["164.308(a)(7)", "164.310(d)(2)(iv)", "164.312(a)(1)", "164.312(b)", "164.312(c)(1)", "164.312(d)"],
  ...["164.312(e)(1)", "164.316", "164.404–164.410", "164.524", "164.526", "164.528"],
  ...["Art. 5", "Art. 6", "Art. 7", "Art. 12", "Art. 15", "Art. 16", "Art. 17", "Art. 18", "Art. 19"],
  ...["Art. 20", "Art. 21", "Art. 25", "Art. 28", "Art. 30", "Art. 32", "Art. 33", "Art. 34"],
];

describe("compliance evidence matrix", () => {
  it("covers every control the database checklist, HIPAA and GDPR lists name", () => {
    const refs = new Set(controls.map((control) => control.ref));
    expect(required.filter((ref) => !refs.has(ref))).toEqual([]);
  });

  it("names only files and tests that exist", () => {
    const missing: string[] = [];
    for (const control of controls) {
      for (const { file, tests } of control.evidence) {
        if (!existsSync(file)) {
          missing.push(`${control.id}: no file ${file}`);
          continue;
        }
        const titles = testTitles(file);
        for (const name of tests) if (!titles.has(name)) missing.push(`${control.id}: no test "${name}" in ${file}`);
      }
      for (const path of namedPaths(control.implementation)) {
        if (!existsSync(path)) missing.push(`${control.id}: no file ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("finds a renamed test: the check reads titles, not any text in the file", () => {
    const titles = testTitles("lib/compliance/controls.test.ts");
    expect(titles.has("names only files and tests that exist")).toBe(true);
    expect(titles.has("names only files and tests")).toBe(false);
  });

  it("gives every control without evidence a reason", () => {
    const base = controls.find((control) => control.status === "met")!;
    const refused = (changes: object) =>
      controlsSchema.safeParse({ controls: [{ ...base, ...changes }] }).error?.issues.map((issue) => issue.message);
    expect(refused({ evidence: [] })).toEqual([`${base.id}: "met" needs at least one test as evidence`]);
    expect(refused({ status: "partial", gap: undefined })).toEqual([
      `${base.id}: "partial" needs a gap saying what is missing`,
    ]);
    expect(refused({ status: "not covered", evidence: [], gap: undefined })).toEqual([
      `${base.id}: "not covered" needs a gap saying what is missing`,
    ]);
    expect(refused({ status: "not covered", evidence: [], gap: "a reason" })).toBeUndefined();
    for (const control of controls) if (control.status !== "met") expect(control.gap, control.id).toBeTruthy();
  });

  it("is rendered to Markdown and CSV by npm run compliance:report, with nothing edited by hand", () => {
    expect(readFileSync("docs/compliance/controls.md", "utf8")).toBe(controlsMarkdown(controls));
    expect(readFileSync("docs/compliance/controls.csv", "utf8")).toBe(controlsCsv(controls));
  });
});
