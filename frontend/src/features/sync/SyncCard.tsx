import { useMutation, useQuery, useSubscription } from "@apollo/client";
import { Banner } from "@jobber/components/Banner";
import { Button } from "@jobber/components/Button";
import { Glimmer } from "@jobber/components/Glimmer";
import { ProgressBar } from "@jobber/components/ProgressBar";
import { StatusLabel } from "@jobber/components/StatusLabel";
import { Text } from "@jobber/components/Text";
import { useState, type ReactNode } from "react";
import { formatTime, type Indicator } from "../../app/format";
import {
  StartSyncDocument,
  SyncProgressDocument,
  SyncStatusDocument,
  type ManageConnectionQuery,
  type SyncProblem,
  type SyncResource,
  type SyncStatusQuery,
} from "../../gql/graphql";
import { Panel } from "../shared/Panel";
import { RelativeTime, useNow } from "../shared/RelativeTime";

/** Poll fast while something runs, slowly otherwise. */
export const ACTIVE_POLL_MS = 1000;
export const IDLE_POLL_MS = 10000;

const LABELS: Record<SyncResource, { one: string; many: string; title: string }> = {
  CLIENTS: { title: "Clients", one: "client", many: "clients" },
  PROPERTIES: { title: "Properties", one: "property", many: "properties" },
  JOBS: { title: "Jobs", one: "job", many: "jobs" },
  QUOTES: { title: "Quotes", one: "quote", many: "quotes" },
  INVOICES: { title: "Invoices", one: "invoice", many: "invoices" },
};

type Status = SyncStatusQuery["syncStatus"][number];
export type SyncSummary = NonNullable<ManageConnectionQuery["connection"]>["sync"];

/** "we'll retry at 2:15 PM" (or "shortly" when the backend has no time). */
export function retryWhen(at: string | null | undefined): string {
  return at ? `we'll retry at ${formatTime(at)}` : "we'll retry shortly";
}

/** A sync problem in the merchant's words; never the developer `error` string. */
export function syncProblemText(problem: SyncProblem | null | undefined, retryAt: string | null | undefined): string {
  switch (problem) {
    case "RECONNECT_REQUIRED":
      return "Stopped until you reconnect to Jobber";
    case "RATE_LIMITED":
      return `Jobber asked us to slow down — ${retryWhen(retryAt)}`;
    case "UNEXPECTED":
      return `Something went wrong on our side — ${retryWhen(retryAt)}`;
    case "JOBBER_UNAVAILABLE":
    default:
      return `Jobber is having trouble — ${retryWhen(retryAt)}`;
  }
}

const SUMMARY_STATE: Record<SyncSummary["state"], { label: string; indicator: Indicator }> = {
  NOT_STARTED: { label: "Getting ready", indicator: "informative" },
  // Running is normal work, not a warning.
  SYNCING: { label: "Syncing", indicator: "informative" },
  UP_TO_DATE: { label: "Up to date", indicator: "success" },
  RETRYING: { label: "Waiting to retry", indicator: "warning" },
  FAILED: { label: "Not syncing", indicator: "critical" },
};

/** The parts of the one-line freshness summary after its label, e.g. ["synced 3 minutes ago", "next check in 12 minutes"]. */
function summaryParts(summary: SyncSummary, now: Date): ReactNode[] {
  const parts: ReactNode[] = [];
  const synced = summary.lastSyncedAt && (
    <>
      synced <RelativeTime value={summary.lastSyncedAt} now={now} />
    </>
  );
  switch (summary.state) {
    case "NOT_STARTED":
      parts.push("your first sync starts in a moment");
      break;
    case "SYNCING":
      parts.push(summary.lastSyncedAt ? "fetching what changed" : "copying your data for the first time");
      if (synced) parts.push(<>last {synced}</>);
      break;
    case "UP_TO_DATE":
      if (synced) parts.push(synced);
      if (summary.nextSyncAt)
        parts.push(
          <>
            next check <RelativeTime value={summary.nextSyncAt} now={now} />
          </>,
        );
      break;
    case "RETRYING":
    case "FAILED":
      parts.push(syncProblemText(summary.problem, summary.retryAt));
      if (synced) parts.push(<>data {synced}</>);
      break;
  }
  return parts;
}

/**
 * "Up to date · synced 3 minutes ago · next check in 12 minutes". The StatusLabel is a live region
 * (role="status"), so a change of state ("Syncing" → "Up to date") is announced; the relative
 * times ticking are not.
 */
export function FreshnessSummary({ summary }: { summary: SyncSummary }) {
  const now = useNow();
  const state = SUMMARY_STATE[summary.state];
  const parts = summaryParts(summary, now);
  return (
    <div className="freshness" data-testid="sync-summary">
      <StatusLabel label={state.label} status={state.indicator} />
      {parts.map((part, i) => (
        <span key={i} className="freshness-part">
          <span aria-hidden="true" className="freshness-dot">
            ·
          </span>
          {part}
        </span>
      ))}
    </div>
  );
}

function stateOf(status: Status): { label: string; indicator: Indicator; detail: string | null } {
  if (status.state === "RUNNING" || status.state === "QUEUED") {
    if (status.retrying)
      return { label: "Waiting to retry", indicator: "warning", detail: syncProblemText(status.problem, status.nextRunAt) };
    return status.state === "QUEUED"
      ? { label: "Queued", indicator: "informative", detail: null }
      : { label: "Syncing", indicator: "informative", detail: null };
  }
  if (status.state === "FAILED")
    return { label: "Not synced", indicator: "critical", detail: syncProblemText(status.problem, status.nextRunAt) };
  return { label: "Up to date", indicator: "success", detail: null };
}

/**
 * One resource: the same layout in every state (name and count, a status label, one line of
 * detail), with a progress bar only while a run is fetching.
 */
function ResourceRow({ status }: { status: Status }) {
  const names = LABELS[status.resource];
  const state = stateOf(status);
  const running = status.state === "RUNNING" && !status.retrying;
  const total = status.total && status.total > 0 ? status.total : null;
  const done = Math.min(status.fetched, total ?? status.fetched);
  return (
    <li className="sync-row" data-testid={`sync-${status.resource}`}>
      <div className="sync-row-header">
        <Text>
          <strong>{names.title}</strong>
          {` · ${status.count.toLocaleString()} ${status.count === 1 ? names.one : names.many}`}
        </Text>
        <StatusLabel label={state.label} status={state.indicator} alignment="end" />
      </div>
      {running &&
        (total ? (
          <div
            className="sync-progress"
            role="progressbar"
            aria-label={`${names.title} sync progress`}
            aria-valuemin={0}
            aria-valuemax={total}
            aria-valuenow={done}
            aria-valuetext={`${done.toLocaleString()} of ${total.toLocaleString()}`}
          >
            <div aria-hidden="true">
              <ProgressBar currentStep={done} totalSteps={total} size="small" />
            </div>
            <Text size="small" variation="subdued">{`${done.toLocaleString()} of ${total.toLocaleString()}`}</Text>
          </div>
        ) : (
          <Text size="small" variation="subdued">{`${status.fetched.toLocaleString()} fetched so far`}</Text>
        ))}
      {state.detail && (
        <Text size="small" variation={state.indicator === "critical" ? "error" : "subdued"}>
          {state.detail}
        </Text>
      )}
    </li>
  );
}

/** Freshness at a glance, per-resource progress, and "Sync now". */
export function SyncCard({
  summary,
  activePoll = ACTIVE_POLL_MS,
  idlePoll = IDLE_POLL_MS,
}: {
  summary?: SyncSummary;
  activePoll?: number;
  idlePoll?: number;
}) {
  // Live progress comes from the `syncProgress` subscription, written into the `syncStatus` query
  // in the cache (so everything watching the status, like the data tabs, updates with it). The
  // query gives the first paint and is the fallback: it polls only while the subscription is not
  // delivering (e.g. a proxy that drops WebSockets), fast while anything runs, slowly otherwise.
  const [live, setLive] = useState<Status[] | null>(null);
  useSubscription(SyncProgressDocument, {
    onData: ({ client, data: event }) => {
      if (!event.data) return;
      client.writeQuery({ query: SyncStatusDocument, data: { syncStatus: event.data.syncProgress } });
      setLive(event.data.syncProgress);
    },
    onError: () => setLive(null),
  });
  const [busy, setBusy] = useState(true);
  const { data, previousData, loading, error, refetch } = useQuery(SyncStatusDocument, {
    pollInterval: live ? 0 : busy ? activePoll : idlePoll,
  });
  // The latest live event wins over a query answer that may have been sent before it.
  const statuses = live ?? (data ?? previousData)?.syncStatus;
  const nowBusy = statuses?.some((s) => s.state === "RUNNING" || s.state === "QUEUED") ?? true;
  if (nowBusy !== busy) setBusy(nowBusy);
  const [startSync, { loading: starting, error: startError }] = useMutation(StartSyncDocument, {
    refetchQueries: [SyncStatusDocument],
    onCompleted: () => setBusy(true),
  });

  let body;
  if (!statuses && loading) {
    body = (
      <div role="status" aria-busy="true">
        <span className="visually-hidden">Loading sync status…</span>
        <div aria-hidden="true">
          <Glimmer.Text lines={3} />
        </div>
      </div>
    );
  } else if (!statuses) {
    body = (
      <Banner type="error" dismissible={false} primaryAction={{ label: "Try again", onClick: () => void refetch() }}>
        We couldn't load the sync status.
      </Banner>
    );
  } else {
    body = <ul className="sync-rows">{statuses.map((s) => <ResourceRow key={s.resource} status={s} />)}</ul>;
  }

  return (
    <Panel title="Sync with Jobber" testId="sync-panel">
      {summary && <FreshnessSummary summary={summary} />}
      {error && statuses && (
        <Text size="small" variation="subdued">
          Couldn't refresh; showing the last status we loaded.
        </Text>
      )}
      {startError && (
        <Banner type="error" dismissible={false}>
          We couldn't start a sync. Check your connection and try again.
        </Banner>
      )}
      {body}
      <div className="button-row">
        <Button
          label="Sync now"
          loading={starting}
          disabled={starting || !statuses}
          onClick={() => void startSync({ variables: { full: false } }).catch(() => undefined)}
        />
        <Button
          label="Full resync"
          type="secondary"
          disabled={starting || !statuses}
          onClick={() => void startSync({ variables: { full: true } }).catch(() => undefined)}
        />
      </div>
    </Panel>
  );
}
