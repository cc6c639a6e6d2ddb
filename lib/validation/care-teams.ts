import { z } from "zod";
import "./messages";
import { parseClinicDays, parseClinicHours } from "@/lib/alerts/clinic-hours";
import { canonicalMrn } from "./mrn";
import { isTimeZone } from "./time-zone";

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

/**
 * A team's own clinic hours for the after-hours rule: hours, days and time zone together, or all three empty to
 * follow the global setting again.
 */
export const clinicHoursSchema = z
  .object({ teamId: z.uuid(), hours: z.string().trim().max(20), days: z.string().trim().max(40), timeZone: z.string().trim().max(64) })
  .superRefine(({ hours, days, timeZone }, ctx) => {
    if (hours === "" && days === "" && timeZone === "") return;
    if (!parseClinicHours(hours)) ctx.addIssue({ code: "custom", path: ["hours"], message: "Write the hours as opening-closing in 24-hour time, e.g. 08:00-18:00" });
    if (!parseClinicDays(days)) ctx.addIssue({ code: "custom", path: ["days"], message: "List the open days as Mon-Fri, Mon,Wed,Fri or Mon-Fri,Sat" });
    if (!isTimeZone(timeZone)) ctx.addIssue({ code: "custom", path: ["timeZone"], message: "Choose a time zone such as Europe/Paris or America/New_York" });
  });
export type ClinicHoursInput = z.input<typeof clinicHoursSchema>;
