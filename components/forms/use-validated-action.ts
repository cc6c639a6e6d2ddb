"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useCallback, type FormEvent } from "react";
import { useForm, type DefaultValues, type FieldValues } from "react-hook-form";
import type { z } from "zod";
import type { FormState } from "@/lib/validation/form-state";
import { useFormAction, type FormActionOptions } from "./use-form-action";

/**
 * react-hook-form validates with the same zod schema the server action uses, then submits the native form
 * data to the action through useFormAction (reset on success, input kept on error, stale answers hidden).
 * The server validates again: the browser is never trusted.
 */
export function useValidatedAction<S extends FormState, Schema extends z.ZodType<FieldValues, FieldValues>>(
  schema: Schema,
  action: (state: Awaited<S>, form: FormData) => Promise<S>,
  initial: Awaited<S>,
  defaultValues?: DefaultValues<z.input<Schema>>,
  options: Omit<FormActionOptions, "onReset"> = {},
) {
  const form = useForm<z.input<Schema>, unknown, z.output<Schema>>({ resolver: zodResolver(schema), defaultValues });
  const { reset } = form;
  const onReset = useCallback(() => reset(), [reset]);
  const { state, pending, formRef, begin, send } = useFormAction(action, initial, { ...options, onReset });
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    const element = event.currentTarget;
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    begin();
    void form.handleSubmit(() => send(element, submitter))(event);
  };
  /** One message per field: the browser's check while typing, else the server's answer to this submission. */
  const fieldError = (name: string) =>
    (form.formState.errors[name]?.message as string | undefined) ?? state.errors?.[name]?.[0];
  return { state, pending, form, formRef, onSubmit, fieldError };
}
