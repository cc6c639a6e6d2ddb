"use client";

import { LocalTime } from "@/components/ui/local-time";
import { FormResult } from "@/components/forms/form-result";
import { verifyNowAction } from "@/app/auditor/actions";
import { useFormAction } from "@/components/forms/use-form-action";
import { Button } from "@/components/ui/button";
import type { IntegrityStatus } from "@/lib/services/audit-integrity";
import { initialFormState } from "@/lib/validation/form-state";

const when = (iso: string) => <LocalTime iso={iso} seconds />;

export function IntegrityPanel({ status }: { status: IntegrityStatus }) {
  const { state, pending, onSubmit } = useFormAction(verifyNowAction, initialFormState, { resetOnSuccess: false });
  const last = status.lastVerification;
  return (
    <div className="space-y-3 text-sm">
      <p>
        Last verification:{" "}
        {last ? (
          <strong className={last.ok ? "" : "text-red-800"}>
            {when(last.at)} — {last.ok ? `intact (${last.events} events)` : `FAILED at sequence ${last.firstBadSeq} (${last.kind})`}
          </strong>
        ) : (
          "never"
        )}
      </p>
      <p>
        Last signed checkpoint:{" "}
        {status.lastCheckpoint ? <>sequence {status.lastCheckpoint.seq}, {when(status.lastCheckpoint.signedAt)}</> : "none yet"}
      </p>
      <form method="post" onSubmit={onSubmit}>
        <Button type="submit" disabled={pending}>
          {pending ? "Verifying the whole log…" : "Verify now"}
        </Button>
      </form>
      {pending ? (
        // Progress for a long check (issue 13 item 10): the server answers once, so the page says what is happening.
        <div role="status" className="space-y-1">
          <p>Checking the seal of every event in order; on a large log this takes a minute or more. You can stay on this page.</p>
          <progress className="w-full" aria-label="Verification in progress" />
        </div>
      ) : null}
      <FormResult state={state} />
    </div>
  );
}
