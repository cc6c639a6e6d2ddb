"use server";

import { redirect } from "next/navigation";
import { roleHome } from "@/lib/access/roles";
import { actionClient, parsedByService } from "@/lib/http/action";
import { computeAffectedPatients } from "@/lib/services/incident-patients";
import { completeTask } from "@/lib/services/incident-tasks";
import { assessRisk, closeIncident, openIncident, setIncidentTimes, setStateCounts } from "@/lib/services/incidents";
import type { FormState } from "@/lib/validation/form-state";

/**
 * The incident register's forms, shared by the auditor's and the administrator's pages (both keep the
 * register): no area decides it, the permission does; the services parse their own input (also used by the
 * job runner and tests), and their field messages come back through the same error table.
 */
const register = actionClient(undefined, "incidents.manage");
const revalidate = (actor: { role: keyof typeof roleHome }) => `${roleHome[actor.role]}/incidents`;

export async function openIncidentAction(_: FormState, form: FormData): Promise<FormState> {
  return register.form(form, {
    schema: parsedByService,
    read: (f) => ({ ...Object.fromEntries(f), alertIds: f.getAll("alertId") }),
    run: (actor, input) => openIncident(actor, input),
    done: (id, _input, actor) => redirect(`${roleHome[actor.role]}/incidents/${id}`),
  });
}

export async function incidentTimesAction(_: FormState, form: FormData): Promise<FormState> {
  return register.form(form, { schema: parsedByService, run: (a, i) => setIncidentTimes(a, i), revalidate, done: "Times corrected. The deadlines below follow them." });
}

export async function assessRiskAction(_: FormState, form: FormData): Promise<FormState> {
  return register.form(form, { schema: parsedByService, run: (a, i) => assessRisk(a, i), revalidate, done: "Risk assessment recorded. The notification deadlines below follow it." });
}

export async function affectedPatientsAction(_: FormState, form: FormData): Promise<FormState> {
  return register.form(form, { schema: parsedByService, run: computeAffectedPatients, revalidate, done: "Affected patients recomputed from the audit log." });
}

export async function stateCountsAction(_: FormState, form: FormData): Promise<FormState> {
  return register.form(form, { schema: parsedByService, run: setStateCounts, revalidate, done: "Residents per state recorded." });
}

export async function completeTaskAction(_: FormState, form: FormData): Promise<FormState> {
  return register.form(form, { schema: parsedByService, run: (a, i) => completeTask(a, i), revalidate, done: "Notification recorded as sent." });
}

export async function closeIncidentAction(_: FormState, form: FormData): Promise<FormState> {
  return register.form(form, { schema: parsedByService, run: (a, i) => closeIncident(a, i), revalidate, done: "Incident closed." });
}
