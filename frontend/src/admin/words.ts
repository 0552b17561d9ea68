//! The admin API's enums in an operator's words, with colours. The API may add values before the
//! console knows them: an unknown one is title-cased ("Some New Kind"), never shown raw or blank.
import type { Indicator } from "../app/format";
import { titleCase } from "../app/format";
import type {
  Actor,
  AuditKind,
  DisconnectSource,
  InstallProblem,
  InstallStatus,
  SyncResource,
  SyncRunState,
  WebhookEventStatus,
  WebhookHealthStatus,
} from "./gql/graphql";

export interface Words {
  label: string;
  indicator: Indicator;
}

function lookup<K extends string>(table: Record<K, Words>, value: string): Words {
  return (table as Record<string, Words>)[value] ?? { label: titleCase(value), indicator: "inactive" };
}

const INSTALL_STATUS: Record<InstallStatus, Words> = {
  CONNECTED: { label: "Connected", indicator: "success" },
  DEGRADED: { label: "Degraded", indicator: "warning" },
  NEEDS_REAUTH: { label: "Needs reconnect", indicator: "critical" },
  DISCONNECTED: { label: "Disconnected", indicator: "inactive" },
};
export const installStatus = (value: string) => lookup(INSTALL_STATUS, value);

/** The status filter's choices, in the order an operator scans for trouble. */
export const STATUS_FILTERS: ReadonlyArray<{ value: InstallStatus; label: string }> = (
  ["CONNECTED", "DEGRADED", "NEEDS_REAUTH", "DISCONNECTED"] as const
).map((value) => ({ value, label: INSTALL_STATUS[value].label }));

const PROBLEM: Record<InstallProblem, Words> = {
  NEEDS_REAUTH: { label: "Merchant must reconnect", indicator: "critical" },
  DEGRADED: { label: "Token refresh failing", indicator: "warning" },
  DEAD_LETTERS: { label: "Dead letters", indicator: "critical" },
  SYNC_FAILING: { label: "Sync failing", indicator: "warning" },
  WEBHOOKS_MISSING: { label: "Webhooks missing", indicator: "warning" },
};
export const problem = (value: string) => lookup(PROBLEM, value);

const RESOURCE: Record<SyncResource, Words> = {
  CLIENT: { label: "Clients", indicator: "inactive" },
  PROPERTY: { label: "Properties", indicator: "inactive" },
  JOB: { label: "Jobs", indicator: "inactive" },
  QUOTE: { label: "Quotes", indicator: "inactive" },
  INVOICE: { label: "Invoices", indicator: "inactive" },
};
export const resourceName = (value: string) => lookup(RESOURCE, value).label;

const RUN_STATE: Record<SyncRunState, Words> = {
  IDLE: { label: "Waiting", indicator: "inactive" },
  RUNNING: { label: "Running", indicator: "informative" },
  DONE: { label: "Done", indicator: "success" },
  FAILED: { label: "Failed", indicator: "critical" },
};
export const runState = (value: string) => lookup(RUN_STATE, value);

const EVENT_STATUS: Record<WebhookEventStatus, Words> = {
  PENDING: { label: "Pending", indicator: "informative" },
  PROCESSED: { label: "Processed", indicator: "success" },
  IGNORED: { label: "Ignored", indicator: "inactive" },
  FAILED: { label: "Retrying", indicator: "warning" },
  DEAD: { label: "Dead letter", indicator: "critical" },
};
export const eventStatus = (value: string) => lookup(EVENT_STATUS, value);

const WEBHOOK_HEALTH: Record<WebhookHealthStatus, Words> = {
  HEALTHY: { label: "Arriving", indicator: "success" },
  UNKNOWN: { label: "Too little to judge", indicator: "inactive" },
  MISSING: { label: "Missing", indicator: "critical" },
};
export const webhookHealth = (value: string) => lookup(WEBHOOK_HEALTH, value);

const AUDIT_KIND: Record<AuditKind, Words> = {
  CONNECTED: { label: "Connected", indicator: "success" },
  RECONNECTED: { label: "Reconnected", indicator: "success" },
  SIGNED_IN: { label: "Signed in", indicator: "inactive" },
  DEGRADED: { label: "Token refresh failing", indicator: "warning" },
  NEEDS_REAUTH: { label: "Jobber refused the tokens", indicator: "critical" },
  RECOVERED: { label: "Recovered", indicator: "success" },
  DISCONNECTED: { label: "Disconnected", indicator: "inactive" },
  KEYS_ROTATED: { label: "Keys rotated", indicator: "informative" },
  REDRIVEN: { label: "Dead letters redriven", indicator: "informative" },
  SYNC_REQUESTED: { label: "Sync requested", indicator: "informative" },
};
export const auditKind = (value: string) => lookup(AUDIT_KIND, value);

const ACTOR: Record<Actor, string> = {
  MERCHANT: "Merchant",
  JOBBER: "Jobber",
  OPERATOR: "Operator",
  SYSTEM: "System",
};
export const actorName = (value: string) => (ACTOR as Record<string, string>)[value] ?? titleCase(value);

const DISCONNECTED_BY: Record<DisconnectSource, string> = {
  MERCHANT: "the merchant",
  JOBBER: "Jobber",
  OPERATOR: "an operator",
};
export const disconnectedBy = (value: string) =>
  (DISCONNECTED_BY as Record<string, string>)[value] ?? titleCase(value);

/** "1 install" / "3 installs". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** A latency in milliseconds for people: "0.8 ms", "12 ms", "1.2 s"; "—" without samples. */
export function formatMs(value: number | null | undefined): string {
  if (value == null || Number.isNaN(value)) return "—";
  if (value >= 1000) return `${(value / 1000).toLocaleString(undefined, { maximumFractionDigits: 1 })} s`;
  if (value < 10) return `${value.toLocaleString(undefined, { maximumFractionDigits: 1 })} ms`;
  return `${Math.round(value).toLocaleString()} ms`;
}
