"use server";

import { revalidatePath } from "next/cache";
import { requireActor } from "@/lib/auth/require-actor";
import { formError } from "@/lib/http/errors";
import { deliveryNotice } from "@/lib/mail/delivery-notice";
import { inviteStaff, resendInvitation, withdrawInvitation } from "@/lib/services/invitations";
import { changeRole, resetMfa, setAccountStatus } from "@/lib/services/staff-accounts";
import { invitationTargetSchema, inviteStaffSchema } from "@/lib/validation/account-links";
import type { FormState } from "@/lib/validation/form-state";
import { accountStatusSchema, changeRoleSchema, mfaResetSchema } from "@/lib/validation/staff";
import type { z } from "zod";

/** Each action: the admin area gate, the form's own schema (undeclared fields dropped), then the service. */
async function run<S extends z.ZodType>(schema: S, form: FormData, service: (input: z.output<S>) => Promise<void>, done: string): Promise<FormState> {
  await requireActor("admin");
  const input = schema.safeParse(Object.fromEntries(form));
  if (!input.success) return { ok: false, errors: input.error.flatten().fieldErrors as FormState["errors"] };
  try {
    await service(input.data);
  } catch (error) {
    return formError(error);
  }
  revalidatePath("/admin/staff");
  return { ok: true, message: done };
}

export async function changeRoleAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("admin");
  return run(changeRoleSchema, form, (input) => changeRole(actor, input), "Role changed. Their open sessions have ended.");
}

export async function accountStatusAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("admin");
  return run(accountStatusSchema, form, (input) => setAccountStatus(actor, input), "Account status changed. Their open sessions have ended.");
}

export async function resetMfaAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("admin");
  return run(mfaResetSchema, form, (input) => resetMfa(actor, input), "Two-step verification reset. They will set it up again at their next sign-in.");
}

export interface InviteState extends FormState {
  /** Production without SMTP_URL only: the activation link, shown to the administrator this once. */
  link?: string;
}

export async function inviteStaffAction(_: InviteState, form: FormData): Promise<InviteState> {
  const actor = await requireActor("admin");
  const input = inviteStaffSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return { ok: false, errors: input.error.flatten().fieldErrors };
  try {
    const { delivery, link } = await inviteStaff(actor, input.data);
    revalidatePath("/admin/staff");
    return deliveryNotice(delivery, link, input.data.email);
  } catch (error) {
    return formError(error);
  }
}

export async function resendInvitationAction(_: InviteState, form: FormData): Promise<InviteState> {
  const actor = await requireActor("admin");
  const input = invitationTargetSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return { ok: false, errors: input.error.flatten().fieldErrors };
  try {
    const { delivery, link } = await resendInvitation(actor, input.data);
    revalidatePath("/admin/staff");
    return deliveryNotice(delivery, link, "them");
  } catch (error) {
    return formError(error);
  }
}

export async function withdrawInvitationAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("admin");
  return run(invitationTargetSchema, form, (input) => withdrawInvitation(actor, input), "Invitation withdrawn: the link no longer works.");
}
