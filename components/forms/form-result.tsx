"use client";

import { useEffect, useRef, useState } from "react";
import { Alert } from "@/components/ui/alert";
import type { FormState } from "@/lib/validation/form-state";

/** The refused fields' sentences that no field of this form shows (no control of that name marked invalid). */
function unshownErrors(form: HTMLFormElement | null, errors: FormState["errors"]): string[] {
  if (!form || !errors) return [];
  return Object.entries(errors).flatMap(([name, messages]) =>
    messages?.length && !form.querySelector(`[name="${CSS.escape(name)}"][aria-invalid="true"]`) ? messages.slice(0, 1) : [],
  );
}

/**
 * The server's answer to a form, and where focus goes next (WCAG 2.4.3, issue 13 items 3 and 10): the first
 * field it refused, else the answer itself, so a keyboard or screen-reader user lands on what changed instead
 * of on a button that no longer says anything. Each answer is a new state object, so each one moves focus once.
 * A refused field's sentence is shown under that field only (lib/validation/form-state.ts fieldRefusal); one
 * this form has no field for is shown here instead, so no refusal goes unsaid.
 */
export function FormResult({ state, tone }: { state: FormState; tone?: "success" | "error" }) {
  const box = useRef<HTMLDivElement>(null);
  const [unshown, setUnshown] = useState<{ state: FormState; messages: string[] } | null>(null);
  useEffect(() => {
    const answer = box.current;
    if (!answer) return;
    const form = answer.closest("form");
    const messages = unshownErrors(form, state.errors);
    if (messages.length) setUnshown({ state, messages });
    const refused = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
    (refused ?? answer).focus();
  }, [state]);
  if (!state.message) return null;
  const extra = unshown?.state === state ? unshown.messages : [];
  return (
    <div ref={box} tabIndex={-1} className="outline-none">
      <Alert tone={tone ?? (state.ok ? "success" : "error")}>
        {extra.length ? extra.join(" ") : state.message}
      </Alert>
    </div>
  );
}
