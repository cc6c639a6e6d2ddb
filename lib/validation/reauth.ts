import { z } from "zod";
import "./messages";

/** The password again, and the authenticator code when the account has one: the form and the server share it. */
export const reauthSchema = z.object({
  // Upper bound keeps argon2 work bounded, as at sign-in.
  password: z.string().min(1, "Enter your password to confirm it is you").max(1024, "Passwords are limited to 1024 characters"),
  code: z.preprocess(
    (v) => (typeof v === "string" ? v.replace(/\s+/g, "") : v) || undefined,
    z.string().regex(/^\d{6}$/, "Enter the 6-digit code from your authenticator app").optional(),
  ),
});
