import { z } from "zod";
import "./messages";

export const disableDormantSchema = z.object({
  reason: z.string().trim().min(10, "Say why in a few words (at least 10 characters)").max(500, "Keep the reason under 500 characters"),
});
