import { z } from "zod";
import "./messages";
import { newPasswordSchema } from "./password";
import { staffRoleSchema } from "./staff";

// Plain z.object: undeclared fields (a user id, a role on the activation form) are dropped before any
// service sees them; the link's token alone says whose account it is.
export const inviteStaffSchema = z.object({
  email: z.email("Give a valid e-mail address").max(254),
  displayName: z.string().trim().min(1, "Give the person's name").max(200, "Keep the name under 200 characters"),
  role: staffRoleSchema,
});
export type InviteStaffInput = z.input<typeof inviteStaffSchema>;

export const invitationTargetSchema = z.object({ userId: z.uuid() });

/** 32 random bytes, base64url without padding; anything else is refused as an invalid link (and audited). */
export const linkTokenSchema = z.string().max(200);

export const setPasswordSchema = z
  .object({ token: linkTokenSchema, newPassword: newPasswordSchema, confirmPassword: z.string() })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ["confirmPassword"], message: "The two passwords differ" });
export type SetPasswordInput = z.input<typeof setPasswordSchema>;

export const forgotPasswordSchema = z.object({ email: z.email("Give a valid e-mail address").max(254) });
export type ForgotPasswordInput = z.input<typeof forgotPasswordSchema>;
