import { z } from "zod";
import "./messages";

// NIST SP 800-63B 3.1.1.2: at least 12 characters here (above its floor of 8), no composition rules, and a
// cap so argon2 hashing stays bounded. The breached/common list check lives in lib/auth/password-policy.ts
// (server only: the list is too large to ship to the browser).
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;

export const newPasswordSchema = z
  .string()
  .min(PASSWORD_MIN, `Use at least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX, `Use at most ${PASSWORD_MAX} characters`);
