import type { EnrollmentChallenge } from "@/lib/auth/mfa";

export function TotpChallenge({ challenge }: { challenge: EnrollmentChallenge }) {
  return (
    <>
      {/* eslint-disable-next-line @next/next/no-img-element -- a data: URL generated per request */}
      <img src={challenge.qrDataUrl} alt="QR code for your authenticator app" width={200} height={200} className="mx-auto" />
      <p className="text-xs text-slate-700">
        Can&apos;t scan? Enter this key by hand: <code data-testid="totp-secret" className="break-all font-mono">{challenge.secret}</code>
      </p>
    </>
  );
}
