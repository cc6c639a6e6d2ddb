"use server";

import { actionClient } from "@/lib/http/action";
import { deliveryNotice } from "@/lib/mail/delivery-notice";
import { inviteStaff, resendInvitation, withdrawInvitation } from "@/lib/services/invitations";
import { changeRole, resetMfa, setAccountStatus } from "@/lib/services/staff-accounts";
import { invitationTargetSchema, inviteStaffSchema } from "@/lib/validation/account-links";
import type { FormState } from "@/lib/validation/form-state";
import { accountStatusSchema, changeRoleSchema, mfaResetSchema } from "@/lib/validation/staff";

const admin = actionClient("admin");
const revalidate = "/admin/staff";

export async function changeRoleAction(_: FormState, form: FormData): Promise<FormState> {
  return admin.form(form, { schema: changeRoleSchema, run: changeRole, revalidate, done: "Role changed. Their open sessions have ended." });
}

export async function accountStatusAction(_: FormState, form: FormData): Promise<FormState> {
  return admin.form(form, { schema: accountStatusSchema, run: setAccountStatus, revalidate, done: "Account status changed. Their open sessions have ended." });
}

export async function resetMfaAction(_: FormState, form: FormData): Promise<FormState> {
  return admin.form(form, { schema: mfaResetSchema, run: resetMfa, revalidate, done: "Two-step verification reset. They will set it up again at their next sign-in." });
}

export interface InviteState extends FormState {
  /** Production without SMTP_URL only: the activation link, shown to the administrator this once. */
  link?: string;
}

export async function inviteStaffAction(_: InviteState, form: FormData): Promise<InviteState> {
  return admin.form(form, { schema: inviteStaffSchema, run: inviteStaff, revalidate, done: ({ delivery, link }, input) => deliveryNotice(delivery, link, input.email) });
}

export async function resendInvitationAction(_: InviteState, form: FormData): Promise<InviteState> {
  return admin.form(form, { schema: invitationTargetSchema, run: resendInvitation, revalidate, done: ({ delivery, link }) => deliveryNotice(delivery, link, "them") });
}

export async function withdrawInvitationAction(_: FormState, form: FormData): Promise<FormState> {
  return admin.form(form, { schema: invitationTargetSchema, run: withdrawInvitation, revalidate, done: "Invitation withdrawn: the link no longer works." });
}
