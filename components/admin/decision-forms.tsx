"use client";

import { FormResult } from "@/components/forms/form-result";
import { decideRequestAction, extendRequestAction, runDueErasuresAction } from "@/app/admin/actions";
import { useFormAction } from "@/components/forms/use-form-action";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextArea } from "@/components/ui/textarea";
import { initialFormState } from "@/lib/validation/form-state";

/** `canDecide`: false once decided; an approved erasure stays in the queue, scheduled, until its grace period ends. */
export function DecisionForm({ requestId, canDecide, canExtend }: { requestId: string; canDecide: boolean; canExtend: boolean }) {
  const { state, pending, formRef: decideRef, onSubmit: onDecide } = useFormAction(decideRequestAction, initialFormState);
  const { state: extendState, pending: extending, formRef: extendRef, onSubmit: onExtend } = useFormAction(extendRequestAction, initialFormState);
  return (
    <div className="space-y-2">
      {canDecide ? (
        <form ref={decideRef} method="post" onSubmit={onDecide} className="space-y-2" aria-label="Decide">
          <FormResult state={state} />
          <input type="hidden" name="requestId" value={requestId} />
          <TextArea label="Reason for the decision" name="reason" id={`reason-${requestId}`} rows={2} error={state.errors?.reason?.[0]} />
          <div className="flex gap-2">
            <Button type="submit" name="decision" value="approve" disabled={pending}>
              Approve
            </Button>
            <Button type="submit" name="decision" value="reject" variant="danger" disabled={pending}>
              Reject
            </Button>
          </div>
        </form>
      ) : (
        <p>Approved: the erasure runs when its grace period ends, unless the patient cancels it first.</p>
      )}
      {canExtend ? (
        <form ref={extendRef} method="post" onSubmit={onExtend} className="space-y-2" aria-label="Extend deadline">
          {extendState.message ? <Alert tone={extendState.ok ? "success" : "error"}>{extendState.message}</Alert> : null}
          <input type="hidden" name="requestId" value={requestId} />
          <TextArea label="Reason for extending" name="reason" id={`extend-${requestId}`} rows={2} error={extendState.errors?.reason?.[0]} />
          <Button type="submit" variant="secondary" disabled={extending}>
            Extend deadline
          </Button>
        </form>
      ) : null}
    </div>
  );
}

export function RunErasuresButton() {
  const { state, pending, formRef, onSubmit } = useFormAction(runDueErasuresAction, initialFormState);
  return (
    <form ref={formRef} method="post" onSubmit={onSubmit} className="space-y-2">
      <FormResult state={state} />
      <Button type="submit" disabled={pending}>
        {pending ? "Running…" : "Run due erasures now"}
      </Button>
    </form>
  );
}
