"use client";

import { FormResult } from "@/components/forms/form-result";
import { createProcessorAction, deleteProcessorAction, updateProcessorAction } from "@/app/admin/processors/actions";
import { useFormAction } from "@/components/forms/use-form-action";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import type { ProcessorView } from "@/lib/services/processors";
import { agreementTypes, sharedDataCategories, transferMechanisms } from "@/lib/validation/processor";
import { initialFormState, type FormState } from "@/lib/validation/form-state";

const agreementOptions = Object.entries(agreementTypes).map(([value, label]) => ({ value, label }));
const transferOptions = [{ value: "", label: "None: the processor is in the EU/EEA" }, ...Object.entries(transferMechanisms).map(([value, label]) => ({ value, label }))];

/** Adds a processor, or (with `processor`) edits one. Checked categories arrive as repeated form fields. */
export function ProcessorForm({ processor }: { processor?: ProcessorView }) {
  const { state, pending, formRef, onSubmit } = useFormAction<FormState>(processor ? updateProcessorAction : createProcessorAction, initialFormState, {
    resetOnSuccess: !processor,
  });
  const prefix = processor ? `processor-${processor.id}` : "new-processor";
  const error = (field: string) => state.errors?.[field]?.[0];
  const field = (name: string) => ({ name, id: `${prefix}-${name}`, error: error(name) });
  const categoriesError = error("dataCategories");
  return (
    <form ref={formRef} method="post" onSubmit={onSubmit} noValidate className="space-y-3" aria-label={processor ? `Edit ${processor.name}` : "Add a processor"}>
      <FormResult state={state} />
      {processor ? <input type="hidden" name="id" value={processor.id} /> : null}
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Processor (vendor) name" autoComplete="off" defaultValue={processor?.name} {...field("name")} />
        <Field label="What they do for you" autoComplete="off" defaultValue={processor?.service} {...field("service")} />
        <Select label="Agreement" options={agreementOptions} defaultValue={processor?.agreement ?? "baa"} {...field("agreement")} />
        <Field label="Document reference" hint="Where the signed agreement is kept" autoComplete="off" defaultValue={processor?.documentRef} {...field("documentRef")} />
        <Field label="Signed on" type="date" defaultValue={processor?.signedOn} {...field("signedOn")} />
        <Field label="Ends on" type="date" defaultValue={processor?.expiresOn} {...field("expiresOn")} />
        <Field label="Country" hint="Two-letter code, e.g. DE or US" autoComplete="off" maxLength={2} defaultValue={processor?.country} {...field("country")} />
        <Select label="Transfer mechanism (outside the EU/EEA)" options={transferOptions} defaultValue={processor?.transferMechanism ?? ""} {...field("transferMechanism")} />
      </div>
      <fieldset className="space-y-1" aria-describedby={categoriesError ? `${prefix}-dataCategories-error` : undefined}>
        <legend className="text-sm font-medium text-slate-800">Data they receive</legend>
        {Object.entries(sharedDataCategories).map(([value, label]) => (
          <label key={value} className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="dataCategories" value={value} defaultChecked={processor?.dataCategories.includes(value) ?? false} />
            {label}
          </label>
        ))}
        {categoriesError ? (
          <p id={`${prefix}-dataCategories-error`} className="text-sm text-red-700">
            {categoriesError}
          </p>
        ) : null}
      </fieldset>
      <Button type="submit" disabled={pending}>
        {pending ? "Saving…" : processor ? "Save changes" : "Add processor"}
      </Button>
    </form>
  );
}

export function DeleteProcessorForm({ processor }: { processor: ProcessorView }) {
  const { state, pending, formRef, onSubmit } = useFormAction<FormState>(deleteProcessorAction, initialFormState);
  return (
    <form ref={formRef} method="post" onSubmit={onSubmit} className="space-y-2">
      {state.message && !state.ok ? <Alert tone="error">{state.message}</Alert> : null}
      <input type="hidden" name="id" value={processor.id} />
      <Button type="submit" variant="danger" disabled={pending}>
        Remove<span className="sr-only"> {processor.name}</span>
      </Button>
    </form>
  );
}
