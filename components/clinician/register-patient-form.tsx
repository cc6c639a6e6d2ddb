"use client";

import { FormResult } from "@/components/forms/form-result";
import Link from "next/link";
import { registerPatientAction, type RegisterState } from "@/app/clinician/actions";
import { useValidatedAction } from "@/components/forms/use-validated-action";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import type { TeamChoice } from "@/lib/services/care-teams";
import { registerPatientSchema } from "@/lib/validation/patient-registration";

const initial: RegisterState = { ok: false };
const sexOptions = [
  { value: "female", label: "Female" },
  { value: "male", label: "Male" },
  { value: "other", label: "Other" },
  { value: "unknown", label: "Unknown" },
];

export function RegisterPatientForm({ teams }: { teams: TeamChoice[] }) {
  const { state, pending, form, onSubmit, fieldError } = useValidatedAction(registerPatientSchema, registerPatientAction, initial, {
    givenName: "",
    familyName: "",
    birthDate: "",
    sex: "unknown",
    mrn: "",
    phone: "",
    email: "",
    teamId: teams.length === 1 ? teams[0]!.id : "",
  });
  return (
    <form method="post" onSubmit={onSubmit} noValidate className="space-y-4" aria-label="Register a patient">
      <FormResult state={state} />
      {state.link ? (
        <p className="break-all rounded-md border border-slate-300 bg-slate-50 p-3 font-mono text-sm" aria-label="Invitation link">
          {state.link}
        </p>
      ) : null}
      {state.ok && state.patientId ? (
        <p className="text-sm">
          <Link className="underline" href={`/clinician/patients/${state.patientId}`}>
            Open the new patient&apos;s chart
          </Link>
        </p>
      ) : null}
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Given name" autoComplete="off" error={fieldError("givenName")} {...form.register("givenName")} />
        <Field label="Family name" autoComplete="off" error={fieldError("familyName")} {...form.register("familyName")} />
        <Field label="Date of birth" type="date" error={fieldError("birthDate")} {...form.register("birthDate")} />
        <Select label="Sex" options={sexOptions} error={fieldError("sex")} {...form.register("sex")} />
        <Field label="MRN (optional)" hint="Leave empty to have one made" autoComplete="off" error={fieldError("mrn")} {...form.register("mrn")} />
        <Field label="Phone (optional)" type="tel" hint="International form, e.g. +44 20 7946 0958" autoComplete="off" error={fieldError("phone")} {...form.register("phone")} />
        <Field label="E-mail" type="email" hint="The portal invitation goes here" autoComplete="off" error={fieldError("email")} {...form.register("email")} />
        {teams.length > 1 ? (
          <Select
            label="Care team"
            options={[{ value: "", label: "Choose…" }, ...teams.map((t) => ({ value: t.id, label: t.name }))]}
            error={fieldError("teamId")}
            {...form.register("teamId")}
          />
        ) : (
          <input type="hidden" {...form.register("teamId")} />
        )}
      </div>
      <Button type="submit" disabled={pending}>
        {pending ? "Registering…" : "Register and invite"}
      </Button>
    </form>
  );
}
