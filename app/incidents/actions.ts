"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { roleHome } from "@/lib/access/roles";
import { requireActor } from "@/lib/auth/require-actor";
import { formError } from "@/lib/http/errors";
import { computeAffectedPatients } from "@/lib/services/incident-patients";
import { completeTask } from "@/lib/services/incident-tasks";
import { assessRisk, closeIncident, openIncident, setIncidentTimes, setStateCounts } from "@/lib/services/incidents";
import type { FormState } from "@/lib/validation/form-state";

/**
 * The incident register's forms, shared by the auditor's and the administrator's pages (both keep the
 * register): the session is checked here, the permission and the input by the service (zod field messages
 * come back through formError).
 */
async function run(form: FormData, service: (actor: Awaited<ReturnType<typeof requireActor>>, input: Record<string, unknown>) => Promise<unknown>, done: string): Promise<FormState> {
  const actor = await requireActor();
  try {
    await service(actor, Object.fromEntries(form));
  } catch (error) {
    return formError(error);
  }
  revalidatePath(`${roleHome[actor.role]}/incidents`, "layout");
  return { ok: true, message: done };
}

export async function openIncidentAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor();
  let id: string;
  try {
    id = await openIncident(actor, { ...Object.fromEntries(form), alertIds: form.getAll("alertId") });
  } catch (error) {
    return formError(error);
  }
  redirect(`${roleHome[actor.role]}/incidents/${id}`);
}

export async function incidentTimesAction(_: FormState, form: FormData): Promise<FormState> {
  return run(form, setIncidentTimes, "Times corrected. The deadlines below follow them.");
}

export async function assessRiskAction(_: FormState, form: FormData): Promise<FormState> {
  return run(form, assessRisk, "Risk assessment recorded. The notification deadlines below follow it.");
}

export async function affectedPatientsAction(_: FormState, form: FormData): Promise<FormState> {
  return run(form, computeAffectedPatients, "Affected patients recomputed from the audit log.");
}

export async function stateCountsAction(_: FormState, form: FormData): Promise<FormState> {
  return run(form, setStateCounts, "Residents per state recorded.");
}

export async function completeTaskAction(_: FormState, form: FormData): Promise<FormState> {
  return run(form, completeTask, "Notification recorded as sent.");
}

export async function closeIncidentAction(_: FormState, form: FormData): Promise<FormState> {
  return run(form, closeIncident, "Incident closed.");
}
