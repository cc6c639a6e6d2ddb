"use client";

import { FormResult } from "@/components/forms/form-result";
import { changeConsentAction } from "@/app/patient/actions";
import { useFormAction } from "@/components/forms/use-form-action";
import { Button } from "@/components/ui/button";
import type { ConsentState } from "@/lib/services/consent";
import { initialFormState } from "@/lib/validation/form-state";

/** One purpose, one button either way: withdrawing takes exactly as many steps as granting. */
export function ConsentToggle({ consent }: { consent: ConsentState }) {
  const { state, pending, formRef, onSubmit } = useFormAction(changeConsentAction, initialFormState);
  return (
    <form ref={formRef} onSubmit={onSubmit} className="space-y-2" aria-label={consent.title}>
      <input type="hidden" name="purpose" value={consent.purpose} />
      <input type="hidden" name="textVersion" value={consent.version} />
      <input type="hidden" name="decision" value={consent.granted ? "withdraw" : "grant"} />
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm">
          Status: <strong>{consent.granted ? "given" : "not given"}</strong>
          {consent.since ? <span className="text-slate-600"> since {consent.since.slice(0, 10)}</span> : null}
        </p>
        <Button type="submit" variant={consent.granted ? "secondary" : "primary"} disabled={pending}>
          {consent.granted ? "Withdraw consent" : "Give consent"}
          <span className="sr-only"> for {consent.title}</span>
        </Button>
      </div>
      <FormResult state={state} />
    </form>
  );
}
