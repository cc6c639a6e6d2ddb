"use server";

import { revalidatePath } from "next/cache";
import type { z } from "zod";
import { requireActor } from "@/lib/auth/require-actor";
import { formError } from "@/lib/http/errors";
import { addClinician, assignPatientByMrn, createCareTeamAs, deleteCareTeam, removeClinician, removePatientByMrn, renameCareTeam } from "@/lib/services/care-team-admin";
import { assignMrnSchema, careTeamSchema, membershipSchema, newCareTeamSchema, renameCareTeamSchema } from "@/lib/validation/care-teams";
import type { FormState } from "@/lib/validation/form-state";

/** Each action: the admin area gate, the form's own schema (undeclared fields dropped), then the service. */
async function run<S extends z.ZodType, T>(schema: S, form: FormData, service: (input: z.output<S>) => Promise<T>, done: (result: T) => string): Promise<FormState> {
  const input = schema.safeParse(Object.fromEntries(form));
  if (!input.success) return { ok: false, errors: input.error.flatten().fieldErrors as FormState["errors"] };
  try {
    const result = await service(input.data);
    revalidatePath("/admin/care-teams");
    return { ok: true, message: done(result) };
  } catch (error) {
    return formError(error);
  }
}

export async function createCareTeamAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("admin");
  return run(newCareTeamSchema, form, (input) => createCareTeamAs(actor, input), () => "Care team created.");
}

export async function addClinicianAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("admin");
  return run(membershipSchema, form, (input) => addClinician(actor, input), () => "Clinician added. They see the team's patients from their next click.");
}

export async function removeClinicianAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("admin");
  return run(membershipSchema, form, (input) => removeClinician(actor, input), () => "Clinician removed. From their next click they no longer see the team's patients.");
}

export async function assignPatientAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("admin");
  return run(assignMrnSchema, form, (input) => assignPatientByMrn(actor, input), (r) => `Patient ${r.pseudonym} added to the team.`);
}

export async function removePatientAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("admin");
  return run(assignMrnSchema, form, (input) => removePatientByMrn(actor, input), (r) => `Patient ${r.pseudonym} removed from the team. The team's clinicians no longer see them from their next click.`);
}

export async function renameCareTeamAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("admin");
  return run(renameCareTeamSchema, form, (input) => renameCareTeam(actor, input), () => "Care team renamed.");
}

export async function deleteCareTeamAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("admin");
  return run(careTeamSchema, form, (input) => deleteCareTeam(actor, input), () => "Care team deleted.");
}
