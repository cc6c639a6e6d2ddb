import { Alert } from "@/components/ui/alert";
import { errorTable } from "@/lib/http/error-table";

const notices: Record<string, string> = {
  idle: "You were signed out after a period of inactivity.",
  expired: "Your session reached its maximum length. Please sign in again.",
  "signed-out": "You have signed out.",
  revoked: "Your session has ended. Please sign in again.",
  "user-changed": "Your account changed. Please sign in again.",
  locked: errorTable["sign-in-locked"].message,
  "password-reset": "Your new password is saved and every session of your account has ended. Sign in with it.",
};

export function SessionNotice({ reason }: { reason: string | undefined }) {
  const text = reason ? notices[reason] : undefined;
  return text ? <div className="mb-4"><Alert tone={reason === "locked" ? "error" : reason === "password-reset" ? "success" : "info"}>{text}</Alert></div> : null;
}
