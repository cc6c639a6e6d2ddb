import { z } from "zod";
import "./messages";

export const portalSchema = z.enum(["patient", "staff"]);
export type Portal = z.infer<typeof portalSchema>;

export const signInSchema = z.object({
  email: z.string().trim().min(3, "Enter your email address").max(254).email("Enter a valid email address"),
  // Upper bound keeps argon2 work bounded; there is no silent truncation.
  password: z.string().min(1, "Enter your password").max(1024, "Passwords are limited to 1024 characters"),
  portal: portalSchema,
});
export type SignInInput = z.infer<typeof signInSchema>;

export const totpCodeSchema = z.object({
  code: z
    .string()
    .trim()
    .transform((v) => v.replace(/\s+/g, ""))
    .pipe(
      z.union([
        z.string().regex(/^\d{6}$/),
        z.string().regex(/^[A-Za-z2-7]{4}-?[A-Za-z2-7]{4}-?[A-Za-z2-7]{4}$/),
      ], { error: "Enter the 6-digit code from your app, or a recovery code" }),
    ),
});
export type TotpCodeInput = z.infer<typeof totpCodeSchema>;

export const enrollCodeSchema = z.object({
  code: z.string().trim().regex(/^\d{6}$/, "Enter the 6-digit code shown in your authenticator app"),
});
