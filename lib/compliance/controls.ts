import { z } from "zod";
import data from "@/docs/compliance/controls.json";

/**
 * The compliance evidence matrix: one entry per control, with the code that implements it and the tests that
 * prove it. Kept as data (docs/compliance/controls.json) so a test can hold every reference to the code, and so
 * the Markdown, the CSV and the auditors' page are renderings of one source.
 */
const evidenceSchema = z.object({
  file: z.string().regex(/^(tests|e2e|lib|scripts)\/[\w./-]+\.(test|spec)\.ts$/, "a test file path"),
  tests: z.array(z.string().min(1)).min(1),
});

const statusSchema = z.enum(["met", "partial", "not covered"]);

const controlSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    framework: z.enum([
      "Database security checklist",
      "HIPAA Security Rule",
      "HIPAA Privacy and Breach Notification Rules",
      "GDPR",
    ]),
    ref: z.string().min(1),
    title: z.string().min(1),
    requirement: z.string().min(1),
    status: statusSchema,
    implementation: z.string().min(1),
    evidence: z.array(evidenceSchema),
    gap: z.string().min(1).optional(),
  })
  .superRefine((control, ctx) => {
    // An honest matrix: a claim needs proof, and anything short of "met" says what is missing.
    if (control.status !== "not covered" && control.evidence.length === 0) {
      ctx.addIssue({ code: "custom", message: `${control.id}: "${control.status}" needs at least one test as evidence` });
    }
    if (control.status !== "met" && !control.gap) {
      ctx.addIssue({ code: "custom", message: `${control.id}: "${control.status}" needs a gap saying what is missing` });
    }
  });

export type Control = z.infer<typeof controlSchema>;
export type ControlStatus = z.infer<typeof statusSchema>;

export const controlsSchema = z
  .object({ controls: z.array(controlSchema).min(1) })
  .superRefine(({ controls }, ctx) => {
    const seen = new Set<string>();
    for (const { id } of controls) {
      if (seen.has(id)) ctx.addIssue({ code: "custom", message: `duplicate control id ${id}` });
      seen.add(id);
    }
  });

export function loadControls(): Control[] {
  return controlsSchema.parse(data).controls;
}

/** Repository paths named in an implementation text (`lib/x.ts`, `prisma/migrations/…`): each must exist. */
export function namedPaths(text: string): string[] {
  return [...text.matchAll(/`([\w.-]+(?:\/[\w.-]+)+)`/g)].map((match) => match[1]!);
}
