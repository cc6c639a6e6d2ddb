"use client";

import { FormResult } from "@/components/forms/form-result";
import { reviewBreakGlassAction } from "@/app/auditor/actions";
import { useFormAction } from "@/components/forms/use-form-action";
import { Button } from "@/components/ui/button";
import { TextArea } from "@/components/ui/textarea";
import { initialFormState } from "@/lib/validation/form-state";

export function ReviewForm({ grantId }: { grantId: string }) {
  const { state, pending, formRef, onSubmit } = useFormAction(reviewBreakGlassAction, initialFormState);
  return (
    <form ref={formRef} method="post" onSubmit={onSubmit} className="space-y-2" aria-label={`Review break-glass use ${grantId.slice(0, 8)}`}>
      <FormResult state={state} />
      <input type="hidden" name="grantId" value={grantId} />
      <TextArea label="Review comment" name={`comment`} id={`comment-${grantId}`} rows={2} error={state.errors?.comment?.[0]} />
      <div className="flex gap-2">
        <Button type="submit" name="decision" value="approved" disabled={pending}>
          Approve
        </Button>
        <Button type="submit" name="decision" value="flagged" variant="danger" disabled={pending}>
          Flag
        </Button>
      </div>
    </form>
  );
}
