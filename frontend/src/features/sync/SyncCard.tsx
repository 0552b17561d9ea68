import { useMutation, useQuery, useSubscription } from "@apollo/client";
import { Banner } from "@jobber/components/Banner";
import { Button } from "@jobber/components/Button";
import { Card } from "@jobber/components/Card";
import { Content } from "@jobber/components/Content";
import { Glimmer } from "@jobber/components/Glimmer";
import { ProgressBar } from "@jobber/components/ProgressBar";
import { StatusLabel } from "@jobber/components/StatusLabel";
import { Text } from "@jobber/components/Text";
import { useState } from "react";
import { formatDateTime } from "../../app/format";
import {
  StartSyncDocument,
  SyncProgressDocument,
  SyncStatusDocument,
  type SyncResource,
  type SyncRunState,
  type SyncStatusQuery,
} from "../../gql/graphql";

/** Poll fast while something runs, slowly otherwise. */
export const ACTIVE_POLL_MS = 1000;
export const IDLE_POLL_MS = 10000;

const LABELS: Record<SyncResource, string> = {
  CLIENTS: "Clients",
  PROPERTIES: "Properties",
  JOBS: "Jobs",
  QUOTES: "Quotes",
  INVOICES: "Invoices",
};

const STATE: Record<SyncRunState, { label: string; indicator: "success" | "warning" | "critical" | "informative" }> = {
  QUEUED: { label: "Queued", indicator: "informative" },
  RUNNING: { label: "Syncing", indicator: "warning" },
  DONE: { label: "Up to date", indicator: "success" },
  FAILED: { label: "Failed", indicator: "critical" },
};

type Status = SyncStatusQuery["syncStatus"][number];

function ResourceRow({ status }: { status: Status }) {
  const state = STATE[status.state];
  const label = LABELS[status.resource];
  const running = status.state === "RUNNING" || status.state === "QUEUED";
  const total = status.state === "DONE" ? Math.max(status.count, 1) : status.total;
  const current = status.state === "DONE" ? total ?? 1 : status.fetched;
  return (
    <div className="sync-row" data-testid={`sync-${status.resource}`}>
      <div className="sync-row-header">
        <Text>
          <strong>{label}</strong> · {status.count.toLocaleString()} synced
        </Text>
        <StatusLabel label={state.label} status={state.indicator} />
      </div>
      {total ? (
        <div aria-label={`${label} sync progress`} role="progressbar" aria-valuemin={0} aria-valuemax={total} aria-valuenow={Math.min(current ?? 0, total)}>
          <ProgressBar currentStep={Math.min(current ?? 0, total)} totalSteps={total} size="small" />
        </div>
      ) : (
        running && (
          <Text size="small" variation="subdued">
            {status.fetched.toLocaleString()} fetched so far
          </Text>
        )
      )}
      <Text size="small" variation="subdued">
        {status.lastSuccessAt ? `Last synced ${formatDateTime(status.lastSuccessAt)}` : "Not synced yet"}
      </Text>
      {status.error && (
        <Text size="small" variation="error">
          {status.error}
        </Text>
      )}
    </div>
  );
}

/** Live sync progress per resource, with "Sync now". */
export function SyncCard({ activePoll = ACTIVE_POLL_MS, idlePoll = IDLE_POLL_MS }: { activePoll?: number; idlePoll?: number }) {
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
    body = statuses.map((s) => <ResourceRow key={s.resource} status={s} />);
  }

  return (
    <Card header="Jobber data sync">
      <Content>
        {error && statuses && (
          <Text size="small" variation="subdued">
            Couldn't refresh; showing the last status we loaded.
          </Text>
        )}
        {startError && (
          <Banner type="error" dismissible={false}>
            {`We couldn't start a sync: ${startError.message}`}
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
      </Content>
    </Card>
  );
}
