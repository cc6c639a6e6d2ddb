"use client";

import { FormResult } from "@/components/forms/form-result";
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

export function RequestForm({ graceDays, mfaEnrolled }: { graceDays: number; mfaEnrolled: boolean }) {
  const { state, pending, form, onSubmit, fieldError } = useValidatedAction(newRequestSchema, submitRequestAction, initialFormState, {
    kind: "rectification",
  });
  const kind = form.watch("kind");
  const register = (name: string) => form.register(name as "kind");
  return (
    <form method="post" onSubmit={onSubmit} noValidate className="space-y-3" aria-label="New request">
      <FormResult state={state} />
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
        <>
          <Alert tone="info">
            Your data will be erased {graceDays} days after you ask, unless you cancel before then. Medical records we must keep by
            law are kept locked away until the legal period ends, then deleted. Once the erasure has run, it cannot be undone and you
            will no longer be able to sign in.
          </Alert>
          <fieldset className="space-y-3 rounded-md border border-red-300 p-3">
            <legend className="px-1 text-sm font-semibold">Confirm it is you</legend>
            <div className="space-y-1">
              <label className="flex items-start gap-2 text-sm">
                <input
                  type="checkbox"
                  value="yes"
                  className="mt-1 h-4 w-4"
                  aria-invalid={fieldError("confirmed") ? true : undefined}
                  aria-describedby={fieldError("confirmed") ? "field-confirmed-error" : undefined}
                  {...register("confirmed")}
                />
                <span>I understand that my details and my record will be erased and cannot be brought back.</span>
              </label>
              {fieldError("confirmed") ? (
                <p id="field-confirmed-error" className="text-sm text-red-700">
                  {fieldError("confirmed")}
                </p>
              ) : null}
            </div>
            <Field
              label="Your password"
              type="password"
              autoComplete="current-password"
              hint="We ask again so that nobody else using your device can erase your record."
              error={fieldError("password")}
              {...register("password")}
            />
            {mfaEnrolled ? (
              <Field
                label="Code from your authenticator app"
                inputMode="numeric"
                autoComplete="one-time-code"
                error={fieldError("code")}
                {...register("code")}
              />
            ) : null}
          </fieldset>
        </>
      ) : null}
      <TextArea label={kind === "erasure" ? "Reason (optional)" : "Reason"} error={fieldError("reason")} {...register("reason")} />
      <Button type="submit" variant={kind === "erasure" ? "danger" : "primary"} disabled={pending}>
        {pending ? "Sending…" : kind === "erasure" ? "Erase my data" : "Send request"}
      </Button>
    </form>
  );
}
