import type { UseFormRegisterReturn } from "react-hook-form";
import { Field } from "@/components/ui/field";
import { PASSWORD_MIN } from "@/lib/validation/password";

/** The new password and its confirmation, with the policy in words: one wording wherever a password is chosen. */
export function NewPasswordFields({
  newPassword,
  confirmPassword,
  errors,
}: {
  newPassword: UseFormRegisterReturn<"newPassword">;
  confirmPassword: UseFormRegisterReturn<"confirmPassword">;
  errors: { newPassword?: string; confirmPassword?: string };
}) {
  return (
    <>
      <Field
        label="New password"
        type="password"
        autoComplete="new-password"
        hint={`At least ${PASSWORD_MIN} characters. A few unrelated words are easy to remember and hard to guess.`}
        error={errors.newPassword}
        {...newPassword}
      />
      <Field label="New password again" type="password" autoComplete="new-password" error={errors.confirmPassword} {...confirmPassword} />
    </>
  );
}
