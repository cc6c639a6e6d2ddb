"use client";

import { startTransition, useActionState, useEffect, useRef, useState, type FormEvent } from "react";
import type { FormState } from "@/lib/validation/form-state";

export interface FormActionOptions {
  /** Empty the form after the server accepted it (default). Off for searches and filters, which show their query. */
  resetOnSuccess?: boolean;
  /** Runs instead of the native reset, for forms whose values a library owns (react-hook-form). */
  onReset?: () => void;
}

/**
 * The one way a form talks to its server action:
 * - on success the form is emptied, so the next request never carries the last one's reason or title;
 * - on failure every input stays as typed (React would otherwise reset an action form either way);
 * - a new submission hides the previous answer at once, so an old error never sits beside a new one.
 */
export function useFormAction<S extends FormState>(
  action: (state: Awaited<S>, form: FormData) => Promise<S>,
  initial: Awaited<S>,
  { resetOnSuccess = true, onReset }: FormActionOptions = {},
) {
  const [state, formAction, pending] = useActionState(action, initial);
  const [superseded, setSuperseded] = useState<Awaited<S> | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const handled = useRef(initial);

  useEffect(() => {
    if (state === handled.current) return;
    handled.current = state;
    if (!state.ok || !resetOnSuccess) return;
    if (onReset) onReset();
    else formRef.current?.reset();
  }, [state, resetOnSuccess, onReset]);

  /** Hide the answer to the previous submission (call before client-side validation). */
  const begin = () => setSuperseded(state);

  /** Send the form, with the pressed button's name and value, without React's automatic reset. */
  const send = (element: HTMLFormElement, submitter: HTMLElement | null) => {
    const data = new FormData(element, submitter instanceof HTMLButtonElement && submitter.name ? submitter : null);
    startTransition(() => formAction(data));
  };

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    begin();
    send(event.currentTarget, (event.nativeEvent as SubmitEvent).submitter);
  };

  const current = state === superseded ? initial : state;
  return { state: current, pending, formRef, onSubmit, begin, send };
}
