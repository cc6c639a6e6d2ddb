"use client";

import { useSyncExternalStore } from "react";

const subscribe = () => () => {};
const parts = { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" } as const;

/**
 * A moment in the viewer's own time zone, with the zone named. The server does not know the viewer's zone,
 * so it renders UTC and the browser replaces it once hydrated.
 */
export function LocalTime({ iso, seconds = false }: { iso: string; seconds?: boolean }) {
  const text = useSyncExternalStore(
    subscribe,
    // dateStyle/timeStyle cannot be combined with timeZoneName (a RangeError), so the parts are named.
    () => new Date(iso).toLocaleString(undefined, { ...parts, ...(seconds ? { second: "2-digit" } : {}), timeZoneName: "short" }),
    () => `${iso.replace("T", " ").slice(0, seconds ? 19 : 16)} UTC`,
  );
  return <time dateTime={iso}>{text}</time>;
}

const isoDay = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;

/**
 * Today's date (YYYY-MM-DD) where the viewer is. The server renders its own (UTC) day; after hydration the
 * browser's replaces it: in a clinic west of UTC, the UTC day turns to tomorrow in the evening.
 */
export function useLocalToday(): string {
  return useSyncExternalStore(
    subscribe,
    () => isoDay(new Date()),
    () => new Date().toISOString().slice(0, 10),
  );
}
