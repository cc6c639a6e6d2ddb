import { z } from "zod";
import "./messages";
import { canonicalMrn } from "./mrn";

const teamName = z.string().trim().min(2, "Give the team a name").max(100, "Keep the name under 100 characters");

export const newCareTeamSchema = z.object({ name: teamName });
export const renameCareTeamSchema = z.object({ teamId: z.uuid(), name: teamName });
export const careTeamSchema = z.object({ teamId: z.uuid() });

// Plain z.object: ids the form did not declare are dropped before the service sees them.
export const membershipSchema = z.object({ teamId: z.uuid(), userId: z.uuid("Choose a clinician") });

export const assignMrnSchema = z.object({
  teamId: z.uuid(),
  mrn: z
    .string()
    .transform((v, ctx) => canonicalMrn(v) ?? (ctx.addIssue({ code: "custom", message: "An MRN is MRN- and 6 digits, e.g. MRN-123757" }), z.NEVER)),
});

export const assignOwnSchema = z.object({ teamId: z.uuid("Choose one of your teams"), patientId: z.uuid() });
