"use client";

import type { ReactNode } from "react";
import { resendPatientInvitationAction, withdrawPatientInvitationAction } from "@/app/clinician/actions";
import { useFormAction } from "@/components/forms/use-form-action";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { initialFormState, type FormState } from "@/lib/validation/form-state";

function ResendForm({ patientId }: { patientId: string }) {
  const { state, pending, formRef, onSubmit } = useFormAction<FormState & { link?: string }>(resendPatientInvitationAction, initialFormState);
  return (
    <form ref={formRef} method="post" onSubmit={onSubmit} className="space-y-2" aria-label="Send a new invitation">
      <input type="hidden" name="patientId" value={patientId} />
      {state.message ? <Alert tone={state.ok ? "success" : "error"}>{state.message}</Alert> : null}
      {state.link ? (
        <p className="break-all rounded-md border border-slate-300 bg-slate-50 p-3 font-mono" aria-label="Invitation link">
          {state.link}
        </p>
      ) : null}
      <Button type="submit" variant="secondary" disabled={pending}>
        Send a new invitation
      </Button>
    </form>
  );
}

function WithdrawForm({ patientId }: { patientId: string }) {
  const { state, pending, formRef, onSubmit } = useFormAction(withdrawPatientInvitationAction, initialFormState);
  return (
    <form ref={formRef} method="post" onSubmit={onSubmit} className="space-y-2" aria-label="Withdraw the invitation">
      <input type="hidden" name="patientId" value={patientId} />
      {state.message ? <Alert tone={state.ok ? "success" : "error"}>{state.message}</Alert> : null}
      <Button type="submit" variant="danger" disabled={pending}>
        Withdraw invitation
      </Button>
    </form>
  );
}

/** For a patient who has not activated the portal yet: send a new link (the old one stops working) or withdraw it. */
export function PatientInvitationCard({ patientId, status }: { patientId: string; status: ReactNode }) {
  return (
    <div className="space-y-3 text-sm">
      <p>{status}</p>
      <div className="flex flex-wrap items-start gap-4">
        <ResendForm patientId={patientId} />
        <WithdrawForm patientId={patientId} />
      </div>
    </div>
  );
}
