"use server";

import { actionClient, noFields } from "@/lib/http/action";
import { regenerateRecoveryCodes } from "@/lib/services/my-recovery-codes";
import { changePassword, signOutOtherSessions } from "@/lib/services/my-security";
import { enrollCodeSchema } from "@/lib/validation/auth";
import type { FormState } from "@/lib/validation/form-state";
import { changePasswordSchema } from "@/lib/validation/staff";

/** Every signed-in person's own account: no area, and the services act on the actor alone. */
const own = actionClient();
const revalidate = "/account";

export async function changePasswordAction(_: FormState, form: FormData): Promise<FormState> {
  return own.form(form, {
    schema: changePasswordSchema,
    run: changePassword,
    revalidate,
    done: ({ otherSessionsEnded }) => {
      const ended = otherSessionsEnded === 0 ? "" : ` ${otherSessionsEnded} other session${otherSessionsEnded === 1 ? " was" : "s were"} signed out.`;
      return { ok: true, message: `Your password has been changed.${ended}` };
    },
  });
}

export async function signOutOthersAction(): Promise<FormState> {
  return own.form(new FormData(), {
    schema: noFields,
    run: (actor) => signOutOtherSessions(actor),
    revalidate,
    done: (ended) => ({ ok: true, message: ended === 0 ? "No other session was open." : `Signed out of ${ended} other session${ended === 1 ? "" : "s"}.` }),
  });
}

export interface RecoveryCodesState extends FormState {
  /** Shown once, never stored in the clear. */
  recoveryCodes?: string[];
}

export async function regenerateRecoveryCodesAction(_: RecoveryCodesState, form: FormData): Promise<RecoveryCodesState> {
  return own.form(form, { schema: enrollCodeSchema, run: regenerateRecoveryCodes, done: (recoveryCodes) => ({ ok: true, recoveryCodes }) });
}
