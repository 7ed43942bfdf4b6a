// The incident vocabulary shared by the incident room, the communication generator, the export
// and the status view.

export const INCIDENT_STATUSES = ["investigating", "mitigating", "monitoring", "resolved"] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export type IncidentSeverity = "SEV1" | "SEV2" | "SEV3";

export interface Person {
  id: string;
  name: string;
}

export interface AffectedEntity {
  system: string;
  /** Profile id, symbol, or "*" for the system as a whole. */
  entity: string;
  /** Entity kind for wording: profile, symbol or system. */
  kind?: "profile" | "symbol" | "system";
}

export interface IncidentSummary {
  id: string;
  title: string;
  severity: IncidentSeverity;
  status: IncidentStatus;
  commander?: Person;
  responders: Person[];
  affected: AffectedEntity[];
  runbook?: string;
  openedAt: number;
  openedBy: Person;
  resolvedAt?: number;
}

export type TimelineKind =
  "opened" | "finding" | "ack" | "step" | "control" | "note" | "checkin" | "status" | "severity" | "comms" | "resolved";

export interface TimelineEntry {
  at: number;
  kind: TimelineKind;
  actor?: string;
  text: string;
  /** Audit row sequence number, where the entry was audited. */
  auditSeq?: number;
  /** Finding id, control request id, step id … */
  ref?: string;
}

export interface ChecklistStepRun {
  index: number;
  text: string;
  section: string;
  done: boolean;
  doneBy?: string;
  doneAt?: number;
  /** "live check" when it ticked itself, "control" when its bound control succeeded. */
  how?: "manual" | "live check" | "control";
}

export interface ControlRun {
  label: string;
  target: string;
  outcome: string;
  verification?: string;
  at: number;
  ticketId?: string;
  auditSeq?: number;
  /** What the control was asked to do: symbol, mode, profile … */
  params?: Record<string, unknown>;
  requestedBy?: string;
  /** The second person who approved (or rejected) a critical request, and when. */
  approvedBy?: string;
  rejectedBy?: string;
  decidedAt?: number;
  /** "incident" when run from the incident's checklist, "controls page" when run there for an affected system. */
  source?: "incident" | "controls page";
}

export interface EvidenceItem {
  findingId: string;
  title: string;
  severity: string;
  state: string;
  summary: string;
  since: number;
  values: Array<{ label: string; value: unknown; at?: number }>;
}
