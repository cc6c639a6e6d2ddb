"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { startTransition, useActionState, type FormEvent } from "react";
import { useForm, type DefaultValues, type FieldValues } from "react-hook-form";
import type { z } from "zod";
import type { FormState } from "@/lib/validation/form-state";

/**
 * react-hook-form validates with the same zod schema the server action uses, then submits the native form
 * data to the action. The server validates again: the browser is never trusted.
 */
export function useValidatedAction<S extends FormState, Schema extends z.ZodType<FieldValues, FieldValues>>(
  schema: Schema,
  action: (state: Awaited<S>, form: FormData) => Promise<S>,
  initial: Awaited<S>,
  defaultValues?: DefaultValues<z.input<Schema>>,
) {
  const [state, formAction, pending] = useActionState(action, initial);
  const form = useForm<z.input<Schema>, unknown, z.output<Schema>>({ resolver: zodResolver(schema), defaultValues });
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    const element = event.currentTarget;
    void form.handleSubmit(() => startTransition(() => formAction(new FormData(element))))(event);
  };
  const fieldError = (name: string) =>
    (form.formState.errors[name]?.message as string | undefined) ?? state.errors?.[name]?.[0];
  return { state, pending, form, onSubmit, fieldError };
}
