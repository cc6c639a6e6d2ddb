"use client";

import { FormResult } from "@/components/forms/form-result";
import { inviteStaffAction, type InviteState } from "@/app/admin/staff/actions";
import { useValidatedAction } from "@/components/forms/use-validated-action";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import { roleLabel } from "@/lib/access/roles";
import { inviteStaffSchema } from "@/lib/validation/account-links";
import { staffRoleSchema } from "@/lib/validation/staff";

const roleOptions = staffRoleSchema.options.map((role) => ({ value: role, label: roleLabel[role] }));
const initial: InviteState = { ok: false };

export function InviteForm() {
  const { state, pending, form, onSubmit, fieldError } = useValidatedAction(inviteStaffSchema, inviteStaffAction, initial, { email: "", displayName: "", role: "clinician" });
  return (
    <form method="post" onSubmit={onSubmit} noValidate className="space-y-3" aria-label="Invite a staff member">
      <FormResult state={state} />
      {state.link ? (
        <p className="break-all rounded-md border border-slate-300 bg-slate-50 p-3 font-mono text-sm" aria-label="Activation link">
          {state.link}
        </p>
      ) : null}
      <div className="grid gap-3 sm:grid-cols-3">
        <Field label="Name" autoComplete="off" error={fieldError("displayName")} {...form.register("displayName")} />
        <Field label="E-mail" type="email" autoComplete="off" error={fieldError("email")} {...form.register("email")} />
        <Select label="Role" options={roleOptions} error={fieldError("role")} {...form.register("role")} />
      </div>
      <Button type="submit" disabled={pending}>
        {pending ? "Inviting…" : "Send invitation"}
      </Button>
    </form>
  );
}
