import type { TextareaHTMLAttributes } from "react";
import { controlClass, describedBy, FieldShell } from "./field-shell";

export function TextArea({
  label,
  name,
  error,
  ...rest
}: TextareaHTMLAttributes<HTMLTextAreaElement> & { label: string; name: string; error?: string }) {
  const id = rest.id ?? `field-${name}`;
  return (
    <FieldShell id={id} label={label} error={error}>
      <textarea name={name} rows={4} className={controlClass} {...rest} {...describedBy(id, undefined, error)} />
    </FieldShell>
  );
}
