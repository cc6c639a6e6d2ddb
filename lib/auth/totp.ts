import { generateSecret, generateURI, verify, generate } from "otplib";

const PERIOD = 30;

export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(secret: string, accountLabel: string): string {
  return generateURI({ issuer: "Custodia", label: accountLabel, secret });
}

export function currentTotp(secret: string, at: Date = new Date()): Promise<string> {
  return generate({ secret, epoch: Math.floor(at.getTime() / 1000) });
}

/**
 * Accepts the current code and the one before it (clock drift), and refuses any time step at or before
 * `lastStep`, so a code that was already used (replayed or shoulder-surfed) never works twice.
 */
export async function verifyTotp(
  secret: string,
  token: string,
  lastStep: bigint | null,
): Promise<{ ok: true; step: bigint } | { ok: false }> {
  if (!/^\d{6}$/.test(token)) return { ok: false };
  const result = await verify({
    secret,
    token,
    epochTolerance: [PERIOD, 0],
    ...(lastStep !== null ? { afterTimeStep: Number(lastStep) } : {}),
  });
  if (!result.valid) return { ok: false };
  return { ok: true, step: BigInt(Math.floor(Date.now() / 1000 / PERIOD) + result.delta) };
}
