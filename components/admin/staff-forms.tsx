"use client";

import { useActionState, useState, type FormEvent } from "react";
import { accountStatusAction, changeRoleAction, resetMfaAction } from "@/app/admin/staff/actions";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Select } from "@/components/ui/select";
import { TextArea } from "@/components/ui/textarea";
import { roleLabel } from "@/lib/access/roles";
import { initialFormState } from "@/lib/validation/form-state";
import { staffRoleSchema } from "@/lib/validation/staff";

const roleOptions = staffRoleSchema.options.map((role) => ({ value: role, label: roleLabel[role] }));

interface Target {
  id: string;
  displayName: string;
  role: string;
  status: "active" | "disabled";
}

export function StaffForms({ user }: { user: Target }) {
  const [roleState, submitRole, changingRole] = useActionState(changeRoleAction, initialFormState);
  const [statusState, submitStatus, changingStatus] = useActionState(accountStatusAction, initialFormState);
  const [mfaState, submitMfa, resetting] = useActionState(resetMfaAction, initialFormState);
  const messages = [roleState, statusState, mfaState].filter((s) => s.message);
  // Submitting the role they already have changed nothing, yet answered "Role changed. Their open sessions
  // have ended.": say so beside the field instead of sending it.
  const [sameRole, setSameRole] = useState(false);
  const checkRole = (event: FormEvent<HTMLFormElement>) => {
    const unchanged = new FormData(event.currentTarget).get("role") === user.role;
    setSameRole(unchanged);
    if (unchanged) event.preventDefault();
  };
  return (
    <div className="space-y-3">
      {messages.map((s, i) => (
        <Alert key={i} tone={s.ok ? "success" : "error"}>
          {s.message}
        </Alert>
      ))}
      <div className="flex flex-wrap items-end gap-3">
        <form action={submitRole} onSubmit={checkRole} className="flex items-end gap-2" aria-label={`Role of ${user.displayName}`}>
          <input type="hidden" name="userId" value={user.id} />
          <Select
            label="Role"
            name="role"
            id={`role-${user.id}`}
            options={roleOptions}
            defaultValue={user.role}
            error={sameRole ? `${user.displayName} already has this role. Choose another to change it.` : roleState.errors?.role?.[0]}
          />
          <Button type="submit" variant="secondary" disabled={changingRole}>
            Change role
          </Button>
        </form>
        <form action={submitStatus} aria-label={`Status of ${user.displayName}`}>
          <input type="hidden" name="userId" value={user.id} />
          <input type="hidden" name="status" value={user.status === "active" ? "disabled" : "active"} />
          <Button type="submit" variant={user.status === "active" ? "danger" : "secondary"} disabled={changingStatus}>
            {user.status === "active" ? "Disable account" : "Re-enable account"}
          </Button>
        </form>
      </div>
      <details>
        <summary className="cursor-pointer text-sm underline">Reset two-step verification</summary>
        <form action={submitMfa} className="mt-2 space-y-2" aria-label={`Reset two-step verification of ${user.displayName}`}>
          <input type="hidden" name="userId" value={user.id} />
          <TextArea
            label="Reason (recorded in the audit log)"
            name="reason"
            id={`reason-${user.id}`}
            rows={2}
            required
            minLength={10}
            error={mfaState.errors?.reason?.[0]}
          />
          <Button type="submit" variant="danger" disabled={resetting}>
            Reset and end their sessions
          </Button>
        </form>
      </details>
    </div>
  );
}
