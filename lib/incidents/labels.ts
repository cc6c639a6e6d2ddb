import type { TaskKind } from "./clocks";

/** Each notice in words, with the rule that sets its clock. */
export const taskLabel: Record<TaskKind, string> = {
  supervisory_authority: "Supervisory authority (GDPR Art. 33: 72 hours from awareness)",
  data_subjects: "People concerned (GDPR Art. 34: without undue delay; our target is 72 hours)",
  individuals: "Patients (HIPAA: within 60 days of discovery)",
  hhs_immediate: "HHS (HIPAA: 500 or more people, with the patients)",
  media: "Prominent media (HIPAA: more than 500 residents of a state)",
  hhs_annual_log: "HHS annual log (HIPAA: fewer than 500 people, within 60 days of the year's end)",
};

export const taskStatusLabel = { open: "To send", done: "Sent", not_required: "Not required" } as const;
