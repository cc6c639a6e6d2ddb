import { redirect } from "next/navigation";
import { AuthShell } from "@/components/auth/auth-shell";
import { EnrollForm } from "@/components/auth/enroll-form";
import { SignOutButton } from "@/components/shell/sign-out-button";
import { beginEnrollment } from "@/lib/auth/mfa";
import { currentRequestMeta, requirePendingMfa } from "@/lib/auth/require-actor";

export const metadata = { title: "Set up two-step verification" };

export default async function EnrollPage() {
  const { sessionId } = await requirePendingMfa("enroll");
  const challenge = await beginEnrollment(sessionId, await currentRequestMeta());
  if (!challenge) redirect("/sign-in?reason=revoked");
  return (
    <AuthShell title="Set up two-step verification" footer={<SignOutButton label="Cancel and sign out" />}>
      <div className="space-y-4">
        <p className="text-sm">
          Your role requires a second factor. Scan this code with an authenticator app (for example FreeOTP, Aegis or
          Google Authenticator), then enter the 6-digit code it shows.
        </p>
        {/* eslint-disable-next-line @next/next/no-img-element -- a data: URL generated per request */}
        <img src={challenge.qrDataUrl} alt="QR code for your authenticator app" width={200} height={200} className="mx-auto" />
        <p className="text-xs text-slate-700">
          Can&apos;t scan? Enter this key by hand: <code data-testid="totp-secret" className="break-all font-mono">{challenge.secret}</code>
        </p>
        <EnrollForm />
      </div>
    </AuthShell>
  );
}
