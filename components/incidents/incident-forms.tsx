"use client";

import { FormResult } from "@/components/forms/form-result";
import type { ReactNode } from "react";
import {
  affectedPatientsAction,
  assessRiskAction,
  closeIncidentAction,
  completeTaskAction,
  incidentTimesAction,
  openIncidentAction,
  stateCountsAction,
} from "@/app/incidents/actions";
import { useFormAction } from "@/components/forms/use-form-action";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import { TextArea } from "@/components/ui/textarea";
import { initialFormState, type FormState } from "@/lib/validation/form-state";

type Action = (state: FormState, form: FormData) => Promise<FormState>;

/** A form of the register: its answer on top, field messages beside their fields. */
function RegisterForm({ action, label, reset = true, submit, children }: { action: Action; label: string; reset?: boolean; submit: string; children: (error: (name: string) => string | undefined) => ReactNode }) {
  const { state, pending, formRef, onSubmit } = useFormAction(action, initialFormState, { resetOnSuccess: reset });
  const error = (name: string) => state.errors?.[name]?.[0];
  return (
    <form ref={formRef} method="post" onSubmit={onSubmit} noValidate aria-label={label} className="space-y-3">
      <FormResult state={state} />
      {children(error)}
      <Button type="submit" disabled={pending}>
        {pending ? "Saving…" : submit}
      </Button>
    </form>
  );
}

export interface AlertChoice {
  id: string;
  label: string;
}

export function OpenIncidentForm({ alerts, selected, now, timeZone }: { alerts: AlertChoice[]; selected: string[]; now: string; timeZone: string }) {
  return (
    <RegisterForm action={openIncidentAction} label="Open an incident" submit="Open incident">
      {(error) => (
        <>
          <Field label="Title" name="title" hint="A few words, no patient names." maxLength={120} required error={error("title")} />
          <TextArea label="What happened" name="description" rows={4} maxLength={4000} required error={error("description")} />
          <div className="grid gap-3 sm:grid-cols-2">
            <Field label={`Discovered (${timeZone})`} name="discoveredAt" type="datetime-local" defaultValue={now} max={now} required error={error("discoveredAt")} hint="When anyone in the organisation first knew (HIPAA's 60 days run from here)." />
            <Field label={`Aware of a breach (${timeZone})`} name="awareAt" type="datetime-local" defaultValue={now} max={now} required error={error("awareAt")} hint="When you were reasonably certain personal data was affected (GDPR's 72 hours run from here)." />
          </div>
          {alerts.length > 0 ? (
            <fieldset className="space-y-1">
              <legend className="text-sm font-medium">Alerts this incident comes from</legend>
              {alerts.map((a) => (
                <label key={a.id} className="flex items-start gap-2 text-sm">
                  <input type="checkbox" name="alertId" value={a.id} defaultChecked={selected.includes(a.id)} className="mt-1" />
                  <span className="min-w-0 break-words">{a.label}</span>
                </label>
              ))}
              {error("alertIds") ? <p className="text-sm text-red-800">{error("alertIds")}</p> : null}
            </fieldset>
          ) : null}
        </>
      )}
    </RegisterForm>
  );
}

export function IncidentTimesForm({ incidentId, discoveredAt, awareAt, timeZone }: { incidentId: string; discoveredAt: string; awareAt: string; timeZone: string }) {
  return (
    <RegisterForm action={incidentTimesAction} label="Correct discovery and awareness" reset={false} submit="Correct times">
      {(error) => (
        <>
          <input type="hidden" name="incidentId" value={incidentId} />
          <div className="grid gap-3 sm:grid-cols-2">
            <Field label={`Discovered (${timeZone})`} name="discoveredAt" id="times-discoveredAt" type="datetime-local" defaultValue={discoveredAt} error={error("discoveredAt")} />
            <Field label={`Aware of a breach (${timeZone})`} name="awareAt" id="times-awareAt" type="datetime-local" defaultValue={awareAt} error={error("awareAt")} />
          </div>
        </>
      )}
    </RegisterForm>
  );
}

const acquiredOptions = [
  { value: "unknown", label: "Not known yet" },
  { value: "viewed", label: "Viewed" },
  { value: "acquired", label: "Acquired (copied, kept or taken)" },
  { value: "neither", label: "Neither acquired nor viewed" },
];
const conclusionOptions = [
  { value: "breach", label: "Breach: notify" },
  { value: "low_probability", label: "Low probability that the information was compromised" },
];
const gdprOptions = [
  { value: "risk", label: "A risk to the people concerned" },
  { value: "high", label: "A high risk: tell the people concerned too" },
  { value: "unlikely", label: "Unlikely to result in a risk" },
];

export interface RiskDefaults {
  nature: string;
  recipient: string;
  acquired: string;
  acquiredDetail: string;
  mitigation: string;
  conclusion: string;
  gdprRisk: string;
}

export function RiskForm({ incidentId, current }: { incidentId: string; current: RiskDefaults | null }) {
  return (
    <RegisterForm action={assessRiskAction} label="Risk assessment" reset={false} submit="Record assessment">
      {(error) => (
        <>
          <input type="hidden" name="incidentId" value={incidentId} />
          <TextArea label="1. Nature and extent of the health information" name="nature" rows={2} defaultValue={current?.nature} hint="Kinds of identifiers, how sensitive, how likely to identify someone." error={error("nature")} />
          <TextArea label="2. Who used it or received it" name="recipient" rows={2} defaultValue={current?.recipient} error={error("recipient")} />
          <Select label="3. Was it acquired or viewed?" name="acquired" options={acquiredOptions} defaultValue={current?.acquired ?? "unknown"} error={error("acquired")} />
          <TextArea label="How you know" name="acquiredDetail" rows={2} defaultValue={current?.acquiredDetail} error={error("acquiredDetail")} />
          <TextArea label="4. How far the risk was mitigated" name="mitigation" rows={2} defaultValue={current?.mitigation} error={error("mitigation")} />
          <div className="grid gap-3 sm:grid-cols-2">
            <Select label="HIPAA conclusion" name="conclusion" options={conclusionOptions} defaultValue={current?.conclusion ?? "breach"} error={error("conclusion")} />
            <Select label="GDPR: risk to people" name="gdprRisk" options={gdprOptions} defaultValue={current?.gdprRisk ?? "risk"} error={error("gdprRisk")} />
          </div>
        </>
      )}
    </RegisterForm>
  );
}

export function AffectedForm({ incidentId, actorId, from, to, timeZone }: { incidentId: string; actorId: string; from: string; to: string; timeZone: string }) {
  return (
    <RegisterForm action={affectedPatientsAction} label="Recompute affected patients" reset={false} submit="Recompute from the audit log">
      {(error) => (
        <>
          <input type="hidden" name="incidentId" value={incidentId} />
          <Field label="Account id whose activity to search" name="actorId" defaultValue={actorId} className="font-mono" error={error("actorId")} />
          <div className="grid gap-3 sm:grid-cols-2">
            <Field label={`From (${timeZone})`} name="from" type="datetime-local" defaultValue={from} error={error("from")} />
            <Field label={`To (${timeZone})`} name="to" type="datetime-local" defaultValue={to} error={error("to")} />
          </div>
        </>
      )}
    </RegisterForm>
  );
}

export function StateCountsForm({ incidentId, current }: { incidentId: string; current: string }) {
  return (
    <RegisterForm action={stateCountsAction} label="Residents per state" reset={false} submit="Save counts">
      {(error) => (
        <>
          <input type="hidden" name="incidentId" value={incidentId} />
          <TextArea label="Residents affected per state" name="counts" rows={3} defaultValue={current} hint="One state per line, e.g. CA 120. Leave empty when none are known." error={error("counts")} />
        </>
      )}
    </RegisterForm>
  );
}

export function CompleteTaskForm({ taskId, task, late }: { taskId: string; task: string; late: boolean }) {
  return (
    <RegisterForm action={completeTaskAction} label={`Record ${task} as sent`} submit="Record as sent">
      {(error) => (
        <>
          <input type="hidden" name="taskId" value={taskId} />
          <TextArea label="Evidence" name="evidence" id={`evidence-${taskId}`} rows={2} hint="What was sent, to whom, and where the proof is kept." error={error("evidence")} />
          {late ? <TextArea label="Reasons for the delay" name="delayReason" id={`delay-${taskId}`} rows={2} error={error("delayReason")} /> : null}
        </>
      )}
    </RegisterForm>
  );
}

export function CloseIncidentForm({ incidentId }: { incidentId: string }) {
  return (
    <RegisterForm action={closeIncidentAction} label="Close the incident" submit="Close incident">
      {(error) => (
        <>
          <input type="hidden" name="incidentId" value={incidentId} />
          <TextArea label="Root cause" name="rootCause" rows={3} hint="Why it happened and what was changed so it does not happen again." error={error("rootCause")} />
        </>
      )}
    </RegisterForm>
  );
}
