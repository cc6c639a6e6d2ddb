"use client";

import { useActionState } from "react";
import { resendInvitationAction, withdrawInvitationAction, type InviteState } from "@/app/admin/staff/actions";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { initialFormState } from "@/lib/validation/form-state";

const initial: InviteState = { ok: false };

/** For an account invited and never activated: send a new link (the old one stops working), or void it. */
export function InvitationForms({ user }: { user: { id: string; displayName: string; pending: boolean } }) {
  const [resent, resend, resending] = useActionState(resendInvitationAction, initial);
  const [withdrawn, withdraw, withdrawing] = useActionState(withdrawInvitationAction, initialFormState);
  return (
    <div className="space-y-3">
      {[resent, withdrawn]
        .filter((s) => s.message)
        .map((s, i) => (
          <Alert key={i} tone={s.ok ? "success" : "error"}>
            {s.message}
          </Alert>
        ))}
      {resent.link ? <p className="break-all rounded-md border border-slate-300 bg-slate-50 p-3 font-mono text-sm">{resent.link}</p> : null}
      <div className="flex flex-wrap gap-3">
        <form action={resend} aria-label={`Resend the invitation of ${user.displayName}`}>
          <input type="hidden" name="userId" value={user.id} />
          <Button type="submit" variant="secondary" disabled={resending}>
            Send a new link
          </Button>
        </form>
        {user.pending ? (
          <form action={withdraw} aria-label={`Withdraw the invitation of ${user.displayName}`}>
            <input type="hidden" name="userId" value={user.id} />
            <Button type="submit" variant="danger" disabled={withdrawing}>
              Withdraw invitation
            </Button>
          </form>
        ) : null}
      </div>
    </div>
  );
}
