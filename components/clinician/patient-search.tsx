"use client";

import { FormResult } from "@/components/forms/form-result";
import Link from "next/link";
import { searchPatientsAction, type SearchState } from "@/app/clinician/actions";
import { useValidatedAction } from "@/components/forms/use-validated-action";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import { patientSearchSchema } from "@/lib/validation/patient";
import { PatientTable } from "./patient-table";

const initial: SearchState = { ok: false };

export function PatientSearch() {
  const { state, pending, form, onSubmit, fieldError } = useValidatedAction(patientSearchSchema, searchPatientsAction, initial, { by: "mrn" }, { resetOnSuccess: false });
  const by = form.watch("by");
  return (
    <div className="space-y-4">
      <form method="post" onSubmit={onSubmit} noValidate className="grid gap-3 md:grid-cols-4 md:items-end" aria-label="Find a patient">
        <Select
          label="Search by"
          options={[
            { value: "mrn", label: "MRN" },
            { value: "ssn", label: "SSN" },
            { value: "nameDob", label: "Name and birth date" },
          ]}
          {...form.register("by")}
        />
        {by === "mrn" ? <Field label="MRN" autoComplete="off" error={fieldError("mrn")} {...form.register("mrn")} /> : null}
        {by === "ssn" ? <Field label="SSN" autoComplete="off" error={fieldError("ssn")} {...form.register("ssn")} /> : null}
        {by === "nameDob" ? (
          <>
            <Field label="Given name" error={fieldError("givenName")} {...form.register("givenName")} />
            <Field label="Family name" error={fieldError("familyName")} {...form.register("familyName")} />
            <Field label="Birth date" type="date" error={fieldError("birthDate")} {...form.register("birthDate")} />
          </>
        ) : null}
        <Button type="submit" disabled={pending}>
          {pending ? "Searching…" : "Search"}
        </Button>
      </form>
      <FormResult state={state} tone="error" />
      {state.ok && state.results ? (
        state.results.length > 0 ? (
          <PatientTable patients={state.results} caption="Search results" />
        ) : state.wellFormedMrn ? (
          <Alert tone="info">
            No patient you may see matches. If this patient is outside your care teams and needs care now, you can{" "}
            <Link className="underline" href="/clinician/break-glass">
              request break-glass access
            </Link>
            .
          </Alert>
        ) : (
          <Alert tone="info">
            No patient you may see matches. Check what you typed: an MRN looks like MRN-123456 (the six digits alone also
            work); a name must be spelt as on the record, with the birth date.
          </Alert>
        )
      ) : null}
    </div>
  );
}
