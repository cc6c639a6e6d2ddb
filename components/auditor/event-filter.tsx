"use client";

import { FormResult } from "@/components/forms/form-result";
import { filterEventsAction } from "@/app/auditor/actions";
import { useFormAction } from "@/components/forms/use-form-action";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import { initialFormState, type FormState } from "@/lib/validation/form-state";

const any = { value: "", label: "Any" };

/** `refusal`: why the filters in the address were refused (an edited or outdated link), shown like a form's. */
export function EventFilter({ current, refusal }: { current: Record<string, string>; refusal?: FormState }) {
  // A filter keeps its query: the page it leads to shows the same values, and a refusal keeps them to correct.
  const { state, pending, onSubmit } = useFormAction(filterEventsAction, refusal ?? initialFormState, { resetOnSuccess: false });
  const error = (name: string) => state.errors?.[name]?.[0];
  return (
    <form method="post" onSubmit={onSubmit} noValidate className="grid gap-3 md:grid-cols-4 md:items-end" aria-label="Filter events">
      <FormResult state={state} tone="error" />
      <Field label="From" name="from" type="date" defaultValue={current.from} error={error("from")} />
      <Field label="To" name="to" type="date" defaultValue={current.to} error={error("to")} />
      <Field label="Staff name" name="staff" defaultValue={current.staff} error={error("staff")} />
      {current.actorId ? <input type="hidden" name="actorId" value={current.actorId} /> : null}
      <Select
        label="Role"
        name="role"
        defaultValue={current.role ?? ""}
        options={[any, ...["patient", "clinician", "auditor", "admin", "system"].map((r) => ({ value: r, label: r }))]}
      />
      <Field label="Action" name="action" placeholder="chart.read" defaultValue={current.action} error={error("action")} />
      <Select
        label="Outcome"
        name="outcome"
        defaultValue={current.outcome ?? ""}
        options={[any, ...["allowed", "denied", "error"].map((o) => ({ value: o, label: o }))]}
      />
      <Field label="Patient (MRN or pseudonym)" name="patient" defaultValue={current.patient} error={error("patient")} />
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="breakGlass" value="1" defaultChecked={current.breakGlass === "1"} /> Break-glass only
      </label>
      <Button type="submit" disabled={pending}>
        {pending ? "Filtering…" : "Apply filters"}
      </Button>
    </form>
  );
}
