import type { ReactNode } from "react";

export interface Counter {
  length: number;
  max: number;
}

/** Label, optional hint, character counter and error around one control, wired for screen readers (aria-describedby). */
export function FieldShell({
  id,
  label,
  hint,
  error,
  counter,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  counter?: Counter;
  children: ReactNode;
}) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      {hint ? (
        <p id={`${id}-hint`} className="text-xs text-slate-600">
          {hint}
        </p>
      ) : null}
      {children}
      {counter ? (
        // Not announced on every keystroke (no aria-live); the hint states the limit.
        <p className={`text-right text-xs ${counter.length > counter.max ? "font-semibold text-red-700" : "text-slate-600"}`}>
          {counter.length.toLocaleString("en-US")} / {counter.max.toLocaleString("en-US")} characters
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** The attributes a control needs so its hint and error are announced with it. */
export function describedBy(id: string, hint?: string, error?: string) {
  const ids = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ");
  return { id, "aria-invalid": error ? true : undefined, "aria-describedby": ids || undefined };
}

export const controlClass = "block w-full rounded-md border border-slate-400 bg-white px-3 py-2 text-sm";
