"use client";

import { useEffect, useRef } from "react";
import { Alert } from "@/components/ui/alert";
import type { FormState } from "@/lib/validation/form-state";

/**
 * The server's answer to a form, and where focus goes next (WCAG 2.4.3, issue 13 item 10): the first field it
 * refused, else the answer itself, so a keyboard or screen-reader user lands on what changed instead of on a
 * button that no longer says anything. Each answer is a new state object, so each one moves focus once.
 */
export function FormResult({ state, tone }: { state: FormState; tone?: "success" | "error" }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const answer = box.current;
    if (!answer) return;
    const refused = answer.closest("form")?.querySelector<HTMLElement>('[aria-invalid="true"]');
    (refused ?? answer).focus();
  }, [state]);
  if (!state.message) return null;
  return (
    <div ref={box} tabIndex={-1} className="outline-none">
      <Alert tone={tone ?? (state.ok ? "success" : "error")}>{state.message}</Alert>
    </div>
  );
}
