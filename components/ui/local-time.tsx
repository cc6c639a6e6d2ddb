"use client";

import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

/**
 * A moment in the viewer's own time zone, with the zone named. The server does not know the viewer's zone,
 * so it renders UTC and the browser replaces it once hydrated.
 */
export function LocalTime({ iso }: { iso: string }) {
  const text = useSyncExternalStore(
    subscribe,
    () => new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short", timeZoneName: "short" }),
    () => `${iso.replace("T", " ").slice(0, 16)} UTC`,
  );
  return <time dateTime={iso}>{text}</time>;
}
