import { z } from "zod";
import "./messages";
import { newPasswordSchema } from "./password";

/** Roles an administrator may give; patients are registered as patients, never promoted from staff. */
export const staffRoleSchema = z.enum(["clinician", "auditor", "admin"]);

// Plain z.object: fields a form did not declare (role on a status form, session_version, mfa columns) are
// dropped before the service sees them, so nothing can be mass-assigned through extra form fields.
export const changeRoleSchema = z.object({ userId: z.uuid(), role: staffRoleSchema });
export type ChangeRoleInput = z.input<typeof changeRoleSchema>;

export const accountStatusSchema = z.object({ userId: z.uuid(), status: z.enum(["active", "disabled"]) });
export type AccountStatusInput = z.input<typeof accountStatusSchema>;

export const mfaResetSchema = z.object({
  userId: z.uuid(),
  reason: z.string().trim().min(10, "Say why in a few words (at least 10 characters)").max(500, "Keep the reason under 500 characters"),
});
export type MfaResetInput = z.input<typeof mfaResetSchema>;

export const changePasswordSchema = z
  .object({
    currentPassword: z.string().min(1, "Enter your current password").max(1024),
    newPassword: newPasswordSchema,
    confirmPassword: z.string(),
  })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ["confirmPassword"], message: "The two new passwords differ" });
export type ChangePasswordInput = z.input<typeof changePasswordSchema>;

export const adminCreateSchema = z.object({
  email: z.email("Give a valid e-mail address").max(254),
  displayName: z.string().trim().min(1).max(200),
  password: newPasswordSchema,
  role: staffRoleSchema.default("admin"),
  additional: z.boolean(),
});
export type AdminCreateInput = z.input<typeof adminCreateSchema>;
