"use server";

import { revalidatePath } from "next/cache";
import { requireActor } from "@/lib/auth/require-actor";
import { formError } from "@/lib/http/errors";
import { changePassword, signOutOtherSessions } from "@/lib/services/my-security";
import { regenerateRecoveryCodes } from "@/lib/services/my-recovery-codes";
import { enrollCodeSchema } from "@/lib/validation/auth";
import type { FormState } from "@/lib/validation/form-state";
import { changePasswordSchema } from "@/lib/validation/staff";

export async function changePasswordAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor();
  const input = changePasswordSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return { ok: false, errors: input.error.flatten().fieldErrors };
  try {
    const { otherSessionsEnded } = await changePassword(actor, input.data);
    revalidatePath("/account");
    const ended = otherSessionsEnded === 0 ? "" : ` ${otherSessionsEnded} other session${otherSessionsEnded === 1 ? " was" : "s were"} signed out.`;
    return { ok: true, message: `Your password has been changed.${ended}` };
  } catch (error) {
    return formError(error);
  }
}

export async function signOutOthersAction(): Promise<FormState> {
  const actor = await requireActor();
  const ended = await signOutOtherSessions(actor);
  revalidatePath("/account");
  return { ok: true, message: ended === 0 ? "No other session was open." : `Signed out of ${ended} other session${ended === 1 ? "" : "s"}.` };
}

export interface RecoveryCodesState extends FormState {
  /** Shown once, never stored in the clear. */
  recoveryCodes?: string[];
}

export async function regenerateRecoveryCodesAction(_: RecoveryCodesState, form: FormData): Promise<RecoveryCodesState> {
  const actor = await requireActor();
  const input = enrollCodeSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return { ok: false, errors: input.error.flatten().fieldErrors };
  try {
    return { ok: true, recoveryCodes: await regenerateRecoveryCodes(actor, input.data) };
  } catch (error) {
    return formError(error);
  }
}
