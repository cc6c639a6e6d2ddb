"use client";

import { useRef, useState, type MouseEvent } from "react";
import { Alert } from "@/components/ui/alert";

export interface ExportChoice {
  format: "json" | "csv" | "fhir";
  label: string;
  about: string;
}

type Progress = { format: string; received: number } | { done: string } | { error: string } | null;

const size = (bytes: number) => (bytes < 1_000_000 ? `${Math.max(1, Math.round(bytes / 1000))} kB` : `${(bytes / 1_000_000).toFixed(1)} MB`);
const fileName = (response: Response) => /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? "my-data";

/**
 * The download links, with progress (issue 13 item 10): the export is streamed and its size is not known in
 * advance, so the page counts what has arrived. Plain links without JavaScript; with it, a refusal (the hourly
 * limit) is shown as a sentence on the page instead of being saved as a file.
 */
export function ExportLinks({ choices }: { choices: ExportChoice[] }) {
  const [progress, setProgress] = useState<Progress>(null);
  const status = useRef<HTMLDivElement>(null);
  const busy = progress !== null && "format" in progress;

  async function download(event: MouseEvent<HTMLAnchorElement>, choice: ExportChoice) {
    event.preventDefault();
    if (busy) return;
    setProgress({ format: choice.label, received: 0 });
    status.current?.focus();
    try {
      const response = await fetch(event.currentTarget.href);
      if (!response.ok || !response.body) {
        const body = (await response.json().catch(() => null)) as { error?: string } | null;
        return setProgress({ error: body?.error ?? "The download could not be prepared. Please try again in a few minutes." });
      }
      const reader = response.body.getReader();
      const parts: Uint8Array<ArrayBuffer>[] = [];
      let received = 0;
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        parts.push(chunk.value);
        received += chunk.value.byteLength;
        setProgress({ format: choice.label, received });
      }
      const url = URL.createObjectURL(new Blob(parts, { type: response.headers.get("Content-Type") ?? "application/octet-stream" }));
      const link = Object.assign(document.createElement("a"), { href: url, download: fileName(response) });
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setProgress({ done: `${choice.label}: ready (${size(received)}). Your browser has saved it with your downloads.` });
    } catch {
      setProgress({ error: "The download stopped before it finished. Check your connection and try again." });
    }
  }

  return (
    <div className="space-y-4">
      <ul className="space-y-3 text-sm">
        {choices.map((c) => (
          <li key={c.format}>
            <a className="font-medium underline" href={`/api/patient/export?format=${c.format}`} download onClick={(e) => void download(e, c)} aria-disabled={busy || undefined}>
              {c.label}
            </a>
            <p className="text-slate-700">{c.about}</p>
          </li>
        ))}
      </ul>
      <div ref={status} tabIndex={-1} className="outline-none" aria-live="polite">
        {progress && "format" in progress ? (
          <div role="status" className="space-y-1 text-sm">
            <p>
              Preparing {progress.format}… {progress.received > 0 ? `${size(progress.received)} so far` : "gathering your record"}
            </p>
            <progress className="w-full" aria-label="Download progress" />
          </div>
        ) : null}
        {progress && "done" in progress ? <Alert tone="success">{progress.done}</Alert> : null}
        {progress && "error" in progress ? <Alert tone="error">{progress.error}</Alert> : null}
      </div>
    </div>
  );
}
