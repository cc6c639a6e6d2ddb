import { z } from "zod";
import "./messages";
import { roleSchema } from "@/lib/access/roles";
import { newPasswordSchema } from "./password";

export const newUserSchema = z.object({
  email: z.email().max(254),
  displayName: z.string().trim().min(1).max(200),
  role: roleSchema,
  password: newPasswordSchema,
  patientId: z.uuid().nullable().default(null),
  totpSecret: z.string().regex(/^[A-Z2-7]{16,64}$/).nullable().default(null),
  isDemo: z.boolean().default(false),
});
export type NewUserInput = z.input<typeof newUserSchema>;
