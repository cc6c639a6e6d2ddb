import { createHmac } from "node:crypto";
import type { AlertPayload, SendResult } from "./payload";

export const SIGNATURE_HEADER = "x-custodia-signature";
export const TIMESTAMP_HEADER = "x-custodia-timestamp";
export const IDEMPOTENCY_HEADER = "idempotency-key";
const TIMEOUT_MS = 10_000;

/**
 * HMAC-SHA256 over "<timestamp>.<body>" with the shared secret, as "sha256=<hex>". The timestamp is signed
 * with the body so a receiver can refuse a replayed request older than its tolerance.
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** One POST; a 2xx answer is delivery. The alert id is the idempotency key, the same on every retry. */
export async function sendWebhook(target: { url: string; secret: string }, alert: AlertPayload, now: Date): Promise<SendResult> {
  const body = JSON.stringify(alert);
  const timestamp = Math.floor(now.getTime() / 1000).toString();
  try {
    const response = await fetch(target.url, {
      method: "POST",
      redirect: "error",
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: {
        "content-type": "application/json",
        "user-agent": "custodia-siem/1",
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: webhookSignature(target.secret, timestamp, body),
        [IDEMPOTENCY_HEADER]: alert.id,
      },
      body,
    });
    await response.body?.cancel();
    return response.ok ? { ok: true } : { ok: false, error: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, error: networkError(error) };
  }
}

/** fetch says only "fetch failed": the reason (ECONNREFUSED, a certificate error) is on its cause. */
export function networkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const message = error instanceof Error ? error.message : String(error);
  const reason = cause?.code ?? cause?.message;
  return (reason ? `${reason}: ${message}` : message).slice(0, 300);
}
