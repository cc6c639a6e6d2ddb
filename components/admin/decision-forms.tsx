"use client";

import { useActionState } from "react";
import { decideRequestAction, extendRequestAction, runDueErasuresAction } from "@/app/admin/actions";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextArea } from "@/components/ui/textarea";
import { initialFormState } from "@/lib/validation/form-state";

export function DecisionForm({ requestId, canExtend }: { requestId: string; canExtend: boolean }) {
  const [state, decide, pending] = useActionState(decideRequestAction, initialFormState);
  const [extendState, extend, extending] = useActionState(extendRequestAction, initialFormState);
  return (
    <div className="space-y-2">
      <form action={decide} className="space-y-2" aria-label="Decide">
        {state.message ? <Alert tone={state.ok ? "success" : "error"}>{state.message}</Alert> : null}
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
      {canExtend ? (
        <form action={extend} className="space-y-2" aria-label="Extend deadline">
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
  const [state, run, pending] = useActionState(runDueErasuresAction, initialFormState);
  return (
    <form action={run} className="space-y-2">
      {state.message ? <Alert tone="success">{state.message}</Alert> : null}
      <Button type="submit" disabled={pending}>
        {pending ? "Running…" : "Run due erasures now"}
      </Button>
    </form>
  );
}
