"use client";

import { FormResult } from "@/components/forms/form-result";
import { assignToMyTeamAction } from "@/app/clinician/actions";
import { useFormAction } from "@/components/forms/use-form-action";
import { Button } from "@/components/ui/button";
import { Select } from "@/components/ui/select";
import type { TeamChoice } from "@/lib/services/care-teams";
import { initialFormState } from "@/lib/validation/form-state";

/** Adds this patient to another of the clinician's own care teams (the service refuses any other team). */
export function AssignToMyTeamForm({ patientId, teams }: { patientId: string; teams: TeamChoice[] }) {
  const { state, pending, formRef, onSubmit } = useFormAction(assignToMyTeamAction, initialFormState);
  return (
    <form ref={formRef} method="post" onSubmit={onSubmit} noValidate className="space-y-2" aria-label="Add to another of my care teams">
      <FormResult state={state} />
      <input type="hidden" name="patientId" value={patientId} />
      <div className="flex flex-wrap items-end gap-2">
        <Select label="Add to my team" name="teamId" id="assign-team" options={[{ value: "", label: "Choose…" }, ...teams.map((t) => ({ value: t.id, label: t.name }))]} error={state.errors?.teamId?.[0]} />
        <Button type="submit" variant="secondary" disabled={pending}>
          Add
        </Button>
      </div>
    </form>
  );
}
