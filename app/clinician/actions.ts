"use server";

import { redirect } from "next/navigation";
import { revalidatePath } from "next/cache";
import { requireActor } from "@/lib/auth/require-actor";
import { formError, pageError } from "@/lib/http/errors";
import { breakGlass } from "@/lib/services/break-glass";
import { endGrant } from "@/lib/services/break-glass-grants";
import { addRecord, amendRecord } from "@/lib/services/chart";
import { searchPatients } from "@/lib/services/patient-search";
import type { PatientSummary } from "@/lib/services/patient-view";
import { amendReasonSchema, breakGlassSchema, clinicalContentSchema, patientSearchSchema } from "@/lib/validation/patient";
import type { FormState } from "@/lib/validation/form-state";
import { contentFromForm } from "@/lib/validation/clinical-form";
import { canonicalMrn } from "@/lib/validation/mrn";
import { deliveryNotice } from "@/lib/mail/delivery-notice";
import { registerAndInvitePatient } from "@/lib/services/patient-onboarding";
import { resendPatientInvitation, withdrawPatientInvitation } from "@/lib/services/patient-invitations";
import { assignPatientToOwnTeam } from "@/lib/services/care-team-admin";
import { assignOwnSchema } from "@/lib/validation/care-teams";
import { patientInvitationSchema, registerPatientSchema } from "@/lib/validation/patient-registration";

export interface SearchState extends FormState {
  results?: PatientSummary[];
  /** Break-glass is offered only for a well-formed MRN: a typo needs correcting, not emergency access. */
  wellFormedMrn?: boolean;
}

export async function searchPatientsAction(_: SearchState, form: FormData): Promise<SearchState> {
  const actor = await requireActor("clinician");
  const input = patientSearchSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return { ok: false, errors: input.error.flatten().fieldErrors };
  try {
    const results = await searchPatients(actor, input.data);
    return { ok: true, results, wellFormedMrn: input.data.by === "mrn" && canonicalMrn(input.data.mrn) !== null };
  } catch (error) {
    return formError(error);
  }
}

export async function addRecordAction(patientId: string, _: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("clinician");
  const content = clinicalContentSchema.safeParse(contentFromForm(form));
  if (!content.success) return { ok: false, errors: content.error.flatten().fieldErrors };
  try {
    await addRecord(actor, { patientId, content: content.data });
  } catch (error) {
    return formError(error);
  }
  revalidatePath(`/clinician/patients/${patientId}`);
  return { ok: true, message: "Entry added." };
}

export async function amendRecordAction(patientId: string, entryId: string, _: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("clinician");
  const content = clinicalContentSchema.safeParse(contentFromForm(form));
  const amendReason = amendReasonSchema.safeParse(form.get("amendReason") ?? "");
  if (!content.success || !amendReason.success) {
    return {
      ok: false,
      errors: {
        ...(content.success ? {} : content.error.flatten().fieldErrors),
        ...(amendReason.success ? {} : { amendReason: amendReason.error.issues.map((i) => i.message) }),
      },
    };
  }
  try {
    await amendRecord(actor, { patientId, entryId, content: content.data, amendReason: amendReason.data });
  } catch (error) {
    return formError(error);
  }
  redirect(`/clinician/patients/${patientId}`);
}

export async function breakGlassAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("clinician");
  const input = breakGlassSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return { ok: false, errors: input.error.flatten().fieldErrors };
  let patientId: string;
  try {
    ({ patientId } = await breakGlass(actor, input.data));
  } catch (error) {
    return formError(error);
  }
  redirect(`/clinician/patients/${patientId}`);
}

/** A plain form button: a grant that is not the clinician's, or already over, is a 404. */
export async function endGrantAction(form: FormData): Promise<void> {
  const actor = await requireActor("clinician");
  try {
    await endGrant(actor, Object.fromEntries(form));
  } catch (error) {
    pageError(error);
  }
  revalidatePath("/clinician");
}

export interface RegisterState extends FormState {
  /** Production without SMTP_URL only: the invitation link, shown to the clinician this once. */
  link?: string;
  /** The new patient's chart and MRN, so the clinician can go on from there. */
  patientId?: string;
  mrn?: string;
}

export async function registerPatientAction(_: RegisterState, form: FormData): Promise<RegisterState> {
  const actor = await requireActor("clinician");
  const input = registerPatientSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return { ok: false, errors: input.error.flatten().fieldErrors };
  try {
    const registered = await registerAndInvitePatient(actor, input.data);
    revalidatePath("/clinician");
    const notice = deliveryNotice(registered.delivery, registered.link, input.data.email);
    return { ...notice, message: `Registered with ${registered.mrn}. ${notice.message}`, patientId: registered.patientId, mrn: registered.mrn };
  } catch (error) {
    return formError(error);
  }
}

export async function assignToMyTeamAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("clinician");
  const input = assignOwnSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return { ok: false, errors: input.error.flatten().fieldErrors };
  try {
    await assignPatientToOwnTeam(actor, input.data);
    return { ok: true, message: "Added to the team." };
  } catch (error) {
    return formError(error);
  }
}

export async function resendPatientInvitationAction(_: FormState, form: FormData): Promise<FormState & { link?: string }> {
  const actor = await requireActor("clinician");
  const input = patientInvitationSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return { ok: false, errors: input.error.flatten().fieldErrors };
  try {
    const sent = await resendPatientInvitation(actor, input.data);
    revalidatePath(`/clinician/patients/${input.data.patientId}`);
    return deliveryNotice(sent.delivery, sent.link, "the patient");
  } catch (error) {
    return formError(error);
  }
}

export async function withdrawPatientInvitationAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("clinician");
  const input = patientInvitationSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return { ok: false, errors: input.error.flatten().fieldErrors };
  try {
    await withdrawPatientInvitation(actor, input.data);
    revalidatePath(`/clinician/patients/${input.data.patientId}`);
    return { ok: true, message: "Invitation withdrawn: the link no longer works. Send a new one when the patient is ready." };
  } catch (error) {
    return formError(error);
  }
}
