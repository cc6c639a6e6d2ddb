import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { auditFilterSchema, breakGlassReviewSchema } from "./audit";
import { enrollCodeSchema, signInSchema, totpCodeSchema } from "./auth";
import { breakGlassSchema, clinicalContentSchema, patientIdentitySchema, patientSearchSchema } from "./patient";
import { decisionSchema, extensionSchema, newRequestSchema } from "./requests";
import { newUserSchema } from "./user";

// What the issue found on screen: zod's developer texts. None may reach a person.
const developerText = /expected|Invalid (string|input|option)|pattern|Too (small|big)|received|NaN|\/\^|>=|<=/;

const cases: [string, z.ZodType, unknown][] = [
  ["sign-in, empty", signInSchema, { email: "", password: "", portal: "patient" }],
  ["sign-in, too long", signInSchema, { email: `${"a".repeat(300)}@x.test`, password: "x".repeat(2000), portal: "nope" }],
  ["totp", totpCodeSchema, { code: "12" }],
  ["enrolment code", enrollCodeSchema, { code: "abcdef" }],
  ["request, empty rectification", newRequestSchema, { kind: "rectification", field: "shoeSize", proposedValue: "", reason: "" }],
  ["request, long objection", newRequestSchema, { kind: "objection", purpose: "x", reason: "y".repeat(1001) }],
  ["request, unknown kind", newRequestSchema, { kind: "wish" }],
  ["decision", decisionSchema, { requestId: "x", decision: "maybe", reason: "" }],
  ["extension", extensionSchema, { requestId: "x", reason: "short" }],
  ["audit filter", auditFilterSchema, { from: "yesterday", actorId: "bob", action: "Chart Read!", role: "king", patient: "p".repeat(50) }],
  ["break-glass review", breakGlassReviewSchema, { grantId: "x", decision: "?", comment: "ok" }],
  ["break-glass", breakGlassSchema, { mrn: "", reason: "help", code: "12a" }],
  ["search", patientSearchSchema, { by: "nameDob", givenName: "", familyName: "", birthDate: "1/2/3" }],
  ["identity", patientIdentitySchema, { givenName: "", familyName: "x".repeat(101), birthDate: "", sex: "?", mrn: "!", email: "nope" }],
  ["note", clinicalContentSchema, { kind: "note", date: "2030-01-01", title: "", text: "x".repeat(12_800) }],
  ["observation", clinicalContentSchema, { kind: "observation", date: "", code: "abc", display: "", value: Number.NaN, unit: "" }],
  ["new user", newUserSchema, { email: "x", displayName: "", role: "pope", password: "short", totpSecret: "lower" }],
];

describe("every validation message is written for a person", () => {
  it.each(cases)("%s", (_, schema, input) => {
    const result = schema.safeParse(input);
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((i) => i.message);
    expect(messages.length).toBeGreaterThan(0);
    for (const message of messages) {
      expect(message, message).not.toMatch(developerText);
    }
  });

  it("says how long the text is when it is too long", () => {
    const result = newRequestSchema.safeParse({ kind: "erasure", reason: "y".repeat(1234) });
    expect(result.error!.issues[0]!.message).toBe("Use at most 1,000 characters (this has 1,234).");
  });
});

// The messages are installed by a side effect (z.config). A form's client bundle holds only the schema files it
// imports: one that forgot "./messages" showed zod's "Too big: expected string to have <=1024 characters" on
// the account page's password form while every test above, which imports auth.ts, passed.
it("every schema file installs the plain messages itself", () => {
  const dir = join(import.meta.dirname);
  const schemaFiles = readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "messages.ts");
  const missing = schemaFiles.filter((f) => {
    const source = readFileSync(join(dir, f), "utf8");
    return /from "zod"/.test(source) && !source.includes('import "./messages";');
  });
  expect(missing).toEqual([]);
});
