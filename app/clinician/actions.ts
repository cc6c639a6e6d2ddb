"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { actionClient, parsedByService } from "@/lib/http/action";
import { deliveryNotice } from "@/lib/mail/delivery-notice";
import { breakGlass } from "@/lib/services/break-glass";
import { endGrant } from "@/lib/services/break-glass-grants";
import { assignPatientToOwnTeam } from "@/lib/services/care-team-admin";
import { addRecord, amendRecord } from "@/lib/services/chart";
import { registerAndInvitePatient } from "@/lib/services/patient-onboarding";
import { resendPatientInvitation, withdrawPatientInvitation } from "@/lib/services/patient-invitations";
import { searchPatients } from "@/lib/services/patient-search";
import type { PatientSummary } from "@/lib/services/patient-view";
import { assignOwnSchema } from "@/lib/validation/care-teams";
import { contentFromForm } from "@/lib/validation/clinical-form";
import type { FormState } from "@/lib/validation/form-state";
import { canonicalMrn } from "@/lib/validation/mrn";
import { amendReasonSchema, breakGlassSchema, clinicalContentSchema, patientSearchSchema } from "@/lib/validation/patient";
import { patientInvitationSchema, registerPatientSchema } from "@/lib/validation/patient-registration";

const clinician = actionClient("clinician");

export interface SearchState extends FormState {
  results?: PatientSummary[];
  /** Break-glass is offered only for a well-formed MRN: a typo needs correcting, not emergency access. */
  wellFormedMrn?: boolean;
}

export async function searchPatientsAction(_: SearchState, form: FormData): Promise<SearchState> {
  return clinician.form(form, {
    schema: patientSearchSchema,
    run: searchPatients,
    done: (results, input) => ({ ok: true, results, wellFormedMrn: input.by === "mrn" && canonicalMrn(input.mrn) !== null }),
  });
}

export async function addRecordAction(patientId: string, _: FormState, form: FormData): Promise<FormState> {
  return clinician.form(form, {
    schema: clinicalContentSchema,
    read: contentFromForm,
    run: (actor, content) => addRecord(actor, { patientId, content }),
    revalidate: `/clinician/patients/${patientId}`,
    done: "Entry added.",
  });
}

/** The entry's fields and the reason for the change, checked together so the form shows every error at once. */
const amendmentSchema = z.intersection(clinicalContentSchema, z.object({ amendReason: amendReasonSchema }));

export async function amendRecordAction(patientId: string, entryId: string, _: FormState, form: FormData): Promise<FormState> {
  return clinician.form(form, {
    schema: amendmentSchema,
    read: (f) => ({ ...contentFromForm(f), amendReason: f.get("amendReason") ?? "" }),
    run: (actor, { amendReason, ...content }) => amendRecord(actor, { patientId, entryId, content, amendReason }),
    done: () => redirect(`/clinician/patients/${patientId}`),
  });
}

export async function breakGlassAction(_: FormState, form: FormData): Promise<FormState> {
  return clinician.form(form, { schema: breakGlassSchema, run: breakGlass, done: ({ patientId }) => redirect(`/clinician/patients/${patientId}`) });
}

/** A plain form button: a grant that is not the clinician's, or already over, is a 404. */
export async function endGrantAction(form: FormData): Promise<void> {
  return clinician.button(form, { schema: parsedByService, run: endGrant, revalidate: "/clinician" });
}

export interface RegisterState extends FormState {
  /** Production without SMTP_URL only: the invitation link, shown to the clinician this once. */
  link?: string;
  /** The new patient's chart and MRN, so the clinician can go on from there. */
  patientId?: string;
  mrn?: string;
}

export async function registerPatientAction(_: RegisterState, form: FormData): Promise<RegisterState> {
  return clinician.form(form, {
    schema: registerPatientSchema,
    run: registerAndInvitePatient,
    revalidate: "/clinician",
    done: (registered, input) => {
      const notice = deliveryNotice(registered.delivery, registered.link, input.email);
      return { ...notice, message: `Registered with ${registered.mrn}. ${notice.message}`, patientId: registered.patientId, mrn: registered.mrn };
    },
  });
}

export async function assignToMyTeamAction(_: FormState, form: FormData): Promise<FormState> {
  return clinician.form(form, { schema: assignOwnSchema, run: assignPatientToOwnTeam, done: "Added to the team." });
}

export async function resendPatientInvitationAction(_: FormState, form: FormData): Promise<FormState & { link?: string }> {
  return clinician.form(form, {
    schema: patientInvitationSchema, run: resendPatientInvitation, revalidate: "/clinician",
    done: (sent) => deliveryNotice(sent.delivery, sent.link, "the patient"),
  });
}

export async function withdrawPatientInvitationAction(_: FormState, form: FormData): Promise<FormState> {
  return clinician.form(form, {
    schema: patientInvitationSchema, run: withdrawPatientInvitation, revalidate: "/clinician",
    done: "Invitation withdrawn: the link no longer works. Send a new one when the patient is ready.",
  });
}
