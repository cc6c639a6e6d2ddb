"use client";

import { FormResult } from "@/components/forms/form-result";
import {
  addClinicianAction,
  assignPatientAction,
  createCareTeamAction,
  deleteCareTeamAction,
  removeClinicianAction,
  removePatientAction,
  renameCareTeamAction,
  setClinicHoursAction,
} from "@/app/admin/care-teams/actions";
import { useFormAction } from "@/components/forms/use-form-action";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import { initialFormState, type FormState } from "@/lib/validation/form-state";

function Answer({ state }: { state: FormState }) {
  return <FormResult state={state} />;
}

export function NewCareTeamForm() {
  const { state, pending, formRef, onSubmit } = useFormAction(createCareTeamAction, initialFormState);
  return (
    <form ref={formRef} method="post" onSubmit={onSubmit} noValidate className="space-y-2" aria-label="New care team">
      <Answer state={state} />
      <div className="flex flex-wrap items-end gap-2">
        <Field label="Team name" name="name" id="new-team-name" autoComplete="off" error={state.errors?.name?.[0]} />
        <Button type="submit" disabled={pending}>
          Create team
        </Button>
      </div>
    </form>
  );
}

export function AddClinicianForm({ teamId, teamName, choices }: { teamId: string; teamName: string; choices: { id: string; displayName: string }[] }) {
  const { state, pending, formRef, onSubmit } = useFormAction(addClinicianAction, initialFormState);
  return (
    <form ref={formRef} method="post" onSubmit={onSubmit} noValidate className="space-y-2" aria-label={`Add a clinician to ${teamName}`}>
      <Answer state={state} />
      <input type="hidden" name="teamId" value={teamId} />
      <div className="flex flex-wrap items-end gap-2">
        <Select
          label="Clinician"
          name="userId"
          id={`add-${teamId}`}
          options={[{ value: "", label: "Choose…" }, ...choices.map((c) => ({ value: c.id, label: c.displayName }))]}
          error={state.errors?.userId?.[0]}
        />
        <Button type="submit" variant="secondary" disabled={pending || choices.length === 0}>
          Add to team
        </Button>
      </div>
    </form>
  );
}

export function RemoveClinicianForm({ teamId, userId, name }: { teamId: string; userId: string; name: string }) {
  const { state, pending, formRef, onSubmit } = useFormAction(removeClinicianAction, initialFormState);
  return (
    <form ref={formRef} method="post" onSubmit={onSubmit} className="space-y-1" aria-label={`Remove ${name}`}>
      <Answer state={state} />
      <input type="hidden" name="teamId" value={teamId} />
      <input type="hidden" name="userId" value={userId} />
      <Button type="submit" variant="danger" disabled={pending}>
        Remove
      </Button>
    </form>
  );
}

export function AssignPatientForm({ teamId, teamName }: { teamId: string; teamName: string }) {
  const { state, pending, formRef, onSubmit } = useFormAction(assignPatientAction, initialFormState);
  return (
    <form ref={formRef} method="post" onSubmit={onSubmit} noValidate className="space-y-2" aria-label={`Add a patient to ${teamName}`}>
      <Answer state={state} />
      <input type="hidden" name="teamId" value={teamId} />
      <div className="flex flex-wrap items-end gap-2">
        <Field label="Patient MRN" name="mrn" id={`mrn-${teamId}`} autoComplete="off" hint="Only the pseudonym is shown back" error={state.errors?.mrn?.[0]} />
        <Button type="submit" variant="secondary" disabled={pending}>
          Add patient
        </Button>
      </div>
    </form>
  );
}

export function RemovePatientForm({ teamId, teamName }: { teamId: string; teamName: string }) {
  const { state, pending, formRef, onSubmit } = useFormAction(removePatientAction, initialFormState);
  return (
    <form ref={formRef} method="post" onSubmit={onSubmit} noValidate className="space-y-2" aria-label={`Take a patient out of ${teamName}`}>
      <Answer state={state} />
      <input type="hidden" name="teamId" value={teamId} />
      <div className="flex flex-wrap items-end gap-2">
        <Field label="Patient MRN to remove" name="mrn" id={`remove-mrn-${teamId}`} autoComplete="off" error={state.errors?.mrn?.[0]} />
        <Button type="submit" variant="danger" disabled={pending}>
          Remove patient
        </Button>
      </div>
    </form>
  );
}

export function RenameTeamForm({ teamId, teamName }: { teamId: string; teamName: string }) {
  const { state, pending, formRef, onSubmit } = useFormAction(renameCareTeamAction, initialFormState);
  return (
    <form ref={formRef} method="post" onSubmit={onSubmit} noValidate className="space-y-2" aria-label={`Rename ${teamName}`}>
      <Answer state={state} />
      <input type="hidden" name="teamId" value={teamId} />
      <div className="flex flex-wrap items-end gap-2">
        <Field label="New name" name="name" id={`rename-${teamId}`} autoComplete="off" error={state.errors?.name?.[0]} />
        <Button type="submit" variant="secondary" disabled={pending}>
          Rename
        </Button>
      </div>
    </form>
  );
}

/** Refused, with what blocks it, while the team has clinicians or patients. */
export function DeleteTeamForm({ teamId, teamName }: { teamId: string; teamName: string }) {
  const { state, pending, formRef, onSubmit } = useFormAction(deleteCareTeamAction, initialFormState);
  return (
    <form ref={formRef} method="post" onSubmit={onSubmit} className="space-y-2" aria-label={`Delete ${teamName}`}>
      <Answer state={state} />
      <input type="hidden" name="teamId" value={teamId} />
      <Button type="submit" variant="danger" disabled={pending}>
        Delete team
      </Button>
    </form>
  );
}

/** The team's own clinic hours for the after-hours alert; all three empty: the global hours. */
export function ClinicHoursForm({ teamId, teamName, current }: { teamId: string; teamName: string; current: { hours: string; days: string; timeZone: string } | null }) {
  const { state, pending, formRef, onSubmit } = useFormAction(setClinicHoursAction, initialFormState);
  return (
    <form ref={formRef} method="post" onSubmit={onSubmit} noValidate className="space-y-2" aria-label={`Clinic hours of ${teamName}`}>
      <Answer state={state} />
      <p className="text-sm text-slate-700">
        {current
          ? `Clinic hours: ${current.hours}, ${current.days}, ${current.timeZone}. Reading a record outside them raises an after-hours alert.`
          : "Clinic hours: the global setting. Set all three to give this team its own; empty all three to go back."}
      </p>
      <input type="hidden" name="teamId" value={teamId} />
      <div className="flex flex-wrap items-end gap-2">
        <Field label="Hours (e.g. 08:00-18:00)" name="hours" id={`hours-${teamId}`} defaultValue={current?.hours ?? ""} autoComplete="off" error={state.errors?.hours?.[0]} />
        <Field label="Days (e.g. Mon-Fri)" name="days" id={`days-${teamId}`} defaultValue={current?.days ?? ""} autoComplete="off" error={state.errors?.days?.[0]} />
        <Field label="Time zone (e.g. Europe/Paris)" name="timeZone" id={`tz-${teamId}`} defaultValue={current?.timeZone ?? ""} autoComplete="off" error={state.errors?.timeZone?.[0]} />
        <Button type="submit" variant="secondary" disabled={pending}>
          Save hours
        </Button>
      </div>
    </form>
  );
}
