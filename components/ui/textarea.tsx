import type { TextareaHTMLAttributes } from "react";
import { controlClass, describedBy, FieldShell, type Counter } from "./field-shell";

export function TextArea({
  label,
  name,
  error,
  hint,
  counter,
  ...rest
}: TextareaHTMLAttributes<HTMLTextAreaElement> & { label: string; name: string; error?: string; hint?: string; counter?: Counter }) {
  const id = rest.id ?? `field-${name}`;
  return (
    <FieldShell id={id} label={label} hint={hint} error={error} counter={counter}>
      <textarea name={name} rows={4} className={controlClass} {...rest} {...describedBy(id, hint, error)} />
    </FieldShell>
  );
}
