"use server";

import { actionClient } from "@/lib/http/action";
import { addClinician, assignPatientByMrn, createCareTeamAs, deleteCareTeam, removeClinician, removePatientByMrn, renameCareTeam, setTeamClinicHours } from "@/lib/services/care-team-admin";
import { assignMrnSchema, careTeamSchema, clinicHoursSchema, membershipSchema, newCareTeamSchema, renameCareTeamSchema } from "@/lib/validation/care-teams";
import type { FormState } from "@/lib/validation/form-state";

const admin = actionClient("admin");
const revalidate = "/admin/care-teams";

export async function createCareTeamAction(_: FormState, form: FormData): Promise<FormState> {
  return admin.form(form, { schema: newCareTeamSchema, run: createCareTeamAs, revalidate, done: "Care team created." });
}

export async function addClinicianAction(_: FormState, form: FormData): Promise<FormState> {
  return admin.form(form, { schema: membershipSchema, run: addClinician, revalidate, done: "Clinician added. They see the team's patients from their next click." });
}

export async function removeClinicianAction(_: FormState, form: FormData): Promise<FormState> {
  return admin.form(form, { schema: membershipSchema, run: removeClinician, revalidate, done: "Clinician removed. From their next click they no longer see the team's patients." });
}

export async function assignPatientAction(_: FormState, form: FormData): Promise<FormState> {
  return admin.form(form, { schema: assignMrnSchema, run: assignPatientByMrn, revalidate, done: (r) => ({ ok: true, message: `Patient ${r.pseudonym} added to the team.` }) });
}

export async function removePatientAction(_: FormState, form: FormData): Promise<FormState> {
  return admin.form(form, {
    schema: assignMrnSchema, run: removePatientByMrn, revalidate,
    done: (r) => ({ ok: true, message: `Patient ${r.pseudonym} removed from the team. The team's clinicians no longer see them from their next click.` }),
  });
}

export async function renameCareTeamAction(_: FormState, form: FormData): Promise<FormState> {
  return admin.form(form, { schema: renameCareTeamSchema, run: renameCareTeam, revalidate, done: "Care team renamed." });
}

export async function deleteCareTeamAction(_: FormState, form: FormData): Promise<FormState> {
  return admin.form(form, { schema: careTeamSchema, run: deleteCareTeam, revalidate, done: "Care team deleted." });
}

export async function setClinicHoursAction(_: FormState, form: FormData): Promise<FormState> {
  return admin.form(form, {
    schema: clinicHoursSchema, run: setTeamClinicHours, revalidate,
    done: "Clinic hours saved. The after-hours alert uses them for this team's clinicians from its next run.",
  });
}
