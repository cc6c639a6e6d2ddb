"use client";

import { useSyncExternalStore } from "react";
import { countdown } from "@/lib/incidents/clocks";

const subscribe = (tick: () => void) => {
  const timer = setInterval(tick, 30_000);
  return () => clearInterval(timer);
};

/** Time left to a deadline, recounted every 30 seconds in the browser; the server's count until then. */
export function Countdown({ dueAt, initial }: { dueAt: string; initial: string }) {
  const text = useSyncExternalStore(subscribe, () => countdown(new Date(dueAt), new Date()).text, () => initial);
  return (
    <span className={text.startsWith("overdue") ? "font-semibold text-red-800" : ""} data-testid="countdown">
      {text}
    </span>
  );
}
