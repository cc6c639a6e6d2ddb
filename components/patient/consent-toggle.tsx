"use client";

import { useEffect, useRef, useState } from "react";
import { changeConsentAction } from "@/app/patient/actions";
import { FormResult } from "@/components/forms/form-result";
import { useFormAction } from "@/components/forms/use-form-action";
import { Button } from "@/components/ui/button";
import { LocalTime } from "@/components/ui/local-time";
import type { ConsentState } from "@/lib/services/consent";
import { initialFormState } from "@/lib/validation/form-state";

/**
 * One purpose. Giving consent is one click; withdrawing is one click and one confirmation that first says what
 * it changes (issue 13 item 7). GDPR Art. 7(3) asks that withdrawing be as easy as giving: the extra step
 * asks nothing of the patient (no password, no reason) and tells them what happens.
 */
export function ConsentToggle({ consent }: { consent: ConsentState }) {
  const { state, pending, formRef, onSubmit } = useFormAction(changeConsentAction, initialFormState);
  // Keyed to the decision on screen: once it changes (withdrawn, given again) the question is no longer open.
  const [askedFor, setAskedFor] = useState<string | null | undefined>(undefined);
  const confirming = consent.granted && askedFor === consent.since;
  const setConfirming = (open: boolean) => setAskedFor(open ? consent.since : undefined);
  const question = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (confirming) question.current?.focus();
  }, [confirming]);
  return (
    <form ref={formRef} method="post" onSubmit={onSubmit} className="space-y-2" aria-label={consent.title}>
      <input type="hidden" name="purpose" value={consent.purpose} />
      <input type="hidden" name="textVersion" value={consent.version} />
      <input type="hidden" name="decision" value={consent.granted ? "withdraw" : "grant"} />
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm">
          Status: <strong>{consent.granted ? "given" : "not given"}</strong>
          {consent.since ? (
            <span className="text-slate-600">
              {" "}
              since <LocalTime iso={consent.since} />
            </span>
          ) : null}
        </p>
        {consent.granted ? (
          confirming ? null : (
            <Button type="button" variant="secondary" onClick={() => setConfirming(true)}>
              Withdraw consent<span className="sr-only"> for {consent.title}</span>
            </Button>
          )
        ) : (
          <Button type="submit" disabled={pending}>
            {pending ? "Saving…" : "Give consent"}
            <span className="sr-only"> for {consent.title}</span>
          </Button>
        )}
      </div>
      {confirming ? (
        <div className="space-y-3 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm">
          <p ref={question} tabIndex={-1} className="font-medium outline-none">
            Withdraw your consent for {consent.title.toLowerCase()}?
          </p>
          <p>{consent.withdrawing}</p>
          <div className="flex flex-wrap gap-2">
            <Button type="submit" disabled={pending}>
              {pending ? "Saving…" : "Yes, withdraw consent"}
            </Button>
            <Button type="button" variant="secondary" onClick={() => setConfirming(false)}>
              Keep my consent
            </Button>
          </div>
        </div>
      ) : null}
      <FormResult state={state} />
    </form>
  );
}
