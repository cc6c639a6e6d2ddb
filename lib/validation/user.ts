import { z } from "zod";
import "./messages";
import { roleSchema } from "@/lib/access/roles";

export const newUserSchema = z.object({
  email: z.email().max(254),
  displayName: z.string().trim().min(1).max(200),
  role: roleSchema,
  // NIST SP 800-63B: length, not composition rules; bounded so hashing stays bounded.
  password: z.string().min(12, "Use at least 12 characters").max(1024),
  patientId: z.uuid().nullable().default(null),
  totpSecret: z.string().regex(/^[A-Z2-7]{16,64}$/).nullable().default(null),
  isDemo: z.boolean().default(false),
});
export type NewUserInput = z.input<typeof newUserSchema>;
