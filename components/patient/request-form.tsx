"use client";

import { submitRequestAction } from "@/app/patient/actions";
import { useValidatedAction } from "@/components/forms/use-validated-action";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import { TextArea } from "@/components/ui/textarea";
import { initialFormState } from "@/lib/validation/form-state";
import { newRequestSchema } from "@/lib/validation/requests";

const kinds = [
  { value: "rectification", label: "Correct something in my record" },
  { value: "restriction", label: "Restrict how my data is used" },
  { value: "objection", label: "Object to a use of my data" },
  { value: "erasure", label: "Erase my data" },
];

export function RequestForm({ graceDays }: { graceDays: number }) {
  const { state, pending, form, onSubmit, fieldError } = useValidatedAction(newRequestSchema, submitRequestAction, initialFormState, {
    kind: "rectification",
  });
  const kind = form.watch("kind");
  const register = (name: string) => form.register(name as "kind");
  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label="New request">
      {state.message ? <Alert tone={state.ok ? "success" : "error"}>{state.message}</Alert> : null}
      <Select label="What would you like?" options={kinds} {...form.register("kind")} />
      {kind === "rectification" ? (
        <>
          <Select
            label="Which detail?"
            options={[
              { value: "givenName", label: "Given name" },
              { value: "familyName", label: "Family name" },
              { value: "address", label: "Address" },
              { value: "phone", label: "Phone" },
              { value: "email", label: "Email" },
            ]}
            error={fieldError("field")}
            {...register("field")}
          />
          <Field label="Correct value" error={fieldError("proposedValue")} {...register("proposedValue")} />
        </>
      ) : null}
      {kind === "objection" ? (
        <Select
          label="Which use?"
          options={[
            { value: "research", label: "Medical research" },
            { value: "analytics", label: "Service analytics" },
            { value: "marketing", label: "News and offers" },
            { value: "care_coordination", label: "Sharing with other providers" },
          ]}
          error={fieldError("purpose")}
          {...register("purpose")}
        />
      ) : null}
      {kind === "erasure" ? (
        <Alert tone="info">
          Your data will be erased {graceDays} days after you ask, unless you cancel before then. Medical records we must keep by
          law are kept locked away until the legal period ends, then deleted.
        </Alert>
      ) : null}
      <TextArea label={kind === "erasure" ? "Reason (optional)" : "Reason"} error={fieldError("reason")} {...register("reason")} />
      <Button type="submit" disabled={pending}>
        {pending ? "Sending…" : "Send request"}
      </Button>
    </form>
  );
}
