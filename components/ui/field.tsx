import type { InputHTMLAttributes } from "react";
import { controlClass, describedBy, FieldShell } from "./field-shell";

export function Field({
  label,
  name,
  error,
  hint,
  ...rest
}: InputHTMLAttributes<HTMLInputElement> & { label: string; name: string; error?: string; hint?: string }) {
  const id = rest.id ?? `field-${name}`;
  return (
    <FieldShell id={id} label={label} hint={hint} error={error}>
      <input name={name} className={`${controlClass} shadow-sm`} {...rest} {...describedBy(id, hint, error)} />
    </FieldShell>
  );
}
