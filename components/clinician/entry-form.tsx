"use client";

import { FormResult } from "@/components/forms/form-result";
import { useValidatedAction } from "@/components/forms/use-validated-action";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { useLocalToday } from "@/components/ui/local-time";
import { Select } from "@/components/ui/select";
import { TextArea } from "@/components/ui/textarea";
import { useEffect } from "react";
import { observationCode, observationCodes } from "@/lib/clinical/observation-codes";
import { initialFormState, type FormState } from "@/lib/validation/form-state";
import { clinicalContentSchema, clinicalLimits, type ClinicalContent } from "@/lib/validation/patient";

const kinds = [
  { value: "note", label: "Clinical note" },
  { value: "encounter", label: "Encounter" },
  { value: "observation", label: "Observation" },
  { value: "prescription", label: "Prescription" },
  { value: "allergy", label: "Allergy" },
];

const observationOptions = [
  { value: "", label: "Choose an observation" },
  ...observationCodes.map((c) => ({ value: c.code, label: `${c.display} (${c.unitLabel})` })),
];

export function EntryForm({
  action,
  initial,
  submitLabel,
  amending = false,
}: {
  action: (state: FormState, form: FormData) => Promise<FormState>;
  initial?: ClinicalContent;
  submitLabel: string;
  /** An amendment asks why; the server action checks the reason (amendReasonSchema) and stores it with the version. */
  amending?: boolean;
}) {
  const today = useLocalToday();
  const { state, pending, form, formRef, onSubmit, fieldError } = useValidatedAction(
    clinicalContentSchema,
    action,
    initialFormState,
    initial ?? { kind: "note", date: today },
  );
  // The first render (hydration) has the server's UTC day; once the browser's own day is known it becomes the
  // default, unless the clinician has already chosen a date. resetField keeps it the default after a save.
  const { resetField, getFieldState } = form;
  useEffect(() => {
    if (!initial && !getFieldState("date").isDirty) resetField("date", { defaultValue: today });
  }, [initial, today, resetField, getFieldState]);
  const kind = form.watch("kind");
  // The union's members have different keys; register and watch by name and let zod judge the whole object.
  const register = (name: string, options?: { valueAsNumber?: true; onChange?: (event: { target: { value: string } }) => void }) =>
    form.register(name as "kind", options as Parameters<typeof form.register<"kind">>[1]);
  const length = (name: string) => String(form.watch(name as "kind") ?? "").length;
  const field = (name: string, label: string, max: number, extra: Record<string, unknown> = {}) => (
    <Field label={label} error={fieldError(name)} counter={{ length: length(name), max }} {...extra} {...register(name)} />
  );
  const code = observationCode(String(form.watch("code" as "kind") ?? ""));
  const chooseCode = register("code", {
    // The name and unit follow the code: they are never typed, so they cannot disagree with it.
    onChange: (event: { target: { value: string } }) => {
      const chosen = observationCode(event.target.value);
      form.setValue("display" as "kind", (chosen?.display ?? "") as "note");
      form.setValue("unit" as "kind", (chosen?.unit ?? "") as "note");
    },
  });
  return (
    <form ref={formRef} method="post" onSubmit={onSubmit} noValidate className="space-y-3">
      <FormResult state={state} />
      {initial ? <input type="hidden" {...form.register("kind")} /> : <Select label="Kind" options={kinds} {...form.register("kind")} />}
      <Field label="Date" type="date" max={today} error={fieldError("date")} {...register("date")} />
      {kind === "note" ? (
        <>
          {field("title", "Title", clinicalLimits.title)}
          <TextArea
            label="Note"
            rows={8}
            error={fieldError("text")}
            counter={{ length: length("text"), max: clinicalLimits.text }}
            {...register("text")}
          />
        </>
      ) : null}
      {kind === "encounter" ? (
        <>
          {field("type", "Encounter type", clinicalLimits.short)}
          {field("reason", "Reason", clinicalLimits.reason)}
        </>
      ) : null}
      {kind === "observation" ? (
        <>
          <Select label="Observation" options={observationOptions} error={fieldError("code")} {...chooseCode} />
          <input type="hidden" {...register("display")} />
          <input type="hidden" {...register("unit")} />
          <Field
            label={code ? `Value (${code.unitLabel})` : "Value"}
            type="number"
            step="any"
            inputMode="decimal"
            hint={code ? `Between ${code.min} and ${code.max} ${code.unitLabel}.` : "Choose the observation first; its unit is fixed."}
            error={fieldError("value") ?? fieldError("unit")}
            {...register("value", { valueAsNumber: true })}
          />
        </>
      ) : null}
      {kind === "prescription" ? (
        <>
          {field("medication", "Medication", clinicalLimits.medication)}
          {field("dosage", "Dosage", clinicalLimits.medication)}
        </>
      ) : null}
      {kind === "allergy" ? (
        <>
          {field("substance", "Substance", clinicalLimits.medication)}
          {field("reaction", "Reaction", clinicalLimits.medication)}
        </>
      ) : null}
      {amending ? (
        <TextArea label="Why are you amending this entry?" name="amendReason" rows={2} maxLength={clinicalLimits.reason} error={fieldError("amendReason")} />
      ) : null}
      <Button type="submit" disabled={pending}>
        {pending ? "Saving…" : submitLabel}
      </Button>
    </form>
  );
}
