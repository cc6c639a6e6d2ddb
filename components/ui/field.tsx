import type { InputHTMLAttributes } from "react";
import { controlClass, describedBy, FieldShell, type Counter } from "./field-shell";

export function Field({
  label,
  name,
  error,
  counter,
  hint,
  ...rest
}: InputHTMLAttributes<HTMLInputElement> & { label: string; name: string; error?: string; counter?: Counter; hint?: string }) {
  const id = rest.id ?? `field-${name}`;
  return (
    <FieldShell id={id} label={label} hint={hint} error={error} counter={counter}>
      <input name={name} className={`${controlClass} shadow-sm`} {...rest} {...describedBy(id, hint, error)} />
    </FieldShell>
  );
}
