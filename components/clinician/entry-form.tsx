"use client";

import { useValidatedAction } from "@/components/forms/use-validated-action";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import { TextArea } from "@/components/ui/textarea";
import { initialFormState, type FormState } from "@/lib/validation/form-state";
import { clinicalContentSchema, type ClinicalContent } from "@/lib/validation/patient";

const kinds = [
  { value: "note", label: "Clinical note" },
  { value: "encounter", label: "Encounter" },
  { value: "observation", label: "Observation" },
  { value: "prescription", label: "Prescription" },
  { value: "allergy", label: "Allergy" },
];

export function EntryForm({
  action,
  initial,
  submitLabel,
}: {
  action: (state: FormState, form: FormData) => Promise<FormState>;
  initial?: ClinicalContent;
  submitLabel: string;
}) {
  const { state, pending, form, onSubmit, fieldError } = useValidatedAction(
    clinicalContentSchema,
    action,
    initialFormState,
    initial ?? { kind: "note", date: new Date().toISOString().slice(0, 10) },
  );
  const kind = form.watch("kind");
  const field = (name: string, label: string, extra: Record<string, unknown> = {}) => (
    // The union's members have different keys; register by name and let zod judge the whole object.
    <Field label={label} error={fieldError(name)} {...extra} {...form.register(name as "kind")} />
  );
  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3">
      {state.message ? <Alert tone={state.ok ? "success" : "error"}>{state.message}</Alert> : null}
      {initial ? <input type="hidden" {...form.register("kind")} /> : <Select label="Kind" options={kinds} {...form.register("kind")} />}
      {field("date", "Date", { type: "date" })}
      {kind === "note" ? (
        <>
          {field("title", "Title")}
          <TextArea label="Note" error={fieldError("text")} {...form.register("text" as "kind")} />
        </>
      ) : null}
      {kind === "encounter" ? (
        <>
          {field("type", "Encounter type")}
          {field("reason", "Reason")}
        </>
      ) : null}
      {kind === "observation" ? (
        <>
          {field("code", "LOINC code")}
          {field("display", "Observation")}
          <Field label="Value" type="number" step="any" error={fieldError("value")} {...form.register("value" as "kind", { valueAsNumber: true })} />
          {field("unit", "Unit")}
        </>
      ) : null}
      {kind === "prescription" ? (
        <>
          {field("medication", "Medication")}
          {field("dosage", "Dosage")}
        </>
      ) : null}
      {kind === "allergy" ? (
        <>
          {field("substance", "Substance")}
          {field("reaction", "Reaction")}
        </>
      ) : null}
      <Button type="submit" disabled={pending}>
        {pending ? "Saving…" : submitLabel}
      </Button>
    </form>
  );
}
