import { useMutation } from "@apollo/client";
import { Banner } from "@jobber/components/Banner";
import { Button } from "@jobber/components/Button";
import { Disclosure } from "@jobber/components/Disclosure";
import { StatusLabel } from "@jobber/components/StatusLabel";
import { useState } from "react";
import { LOGOUT_URL, useFullPageNavigate } from "../../app/navigation";
import { DisconnectDocument, type ManageConnectionQuery } from "../../gql/graphql";
import type { DisconnectOutcome } from "../connect/DisconnectedView";
import { DataTabs } from "../data/DataTabs";
import { PageLayout } from "../shared/PageLayout";
import { Panel } from "../shared/Panel";
import { SyncCard } from "../sync/SyncCard";
import { WebhookActivityCard } from "../webhooks/WebhookActivityCard";
import { ConnectionSection } from "./ConnectionSection";
import { CONNECTION_STATUS } from "./connectionStatus";
import { ProblemBanner } from "./ProblemBanner";
import { SupportDetails } from "./SupportDetails";

type Connection = NonNullable<ManageConnectionQuery["connection"]>;

interface Props {
  connection: Connection;
  /** True when the latest poll failed and `connection` is what we knew before. */
  stale: boolean;
  pollInterval: number;
  onDisconnected(outcome: DisconnectOutcome): void;
}

/**
 * The Manage page of a live connection, in the order a merchant needs it: what is wrong (with
 * the fix), how fresh the data is, the data itself; then, collapsed, what Jobber sent and details
 * for support; the Connection (Disconnect) last, so it is never the first thing reached.
 */
export function ConnectedView({ connection, stale, pollInterval, onDisconnected }: Props) {
  const navigate = useFullPageNavigate();
  const [disconnectError, setDisconnectError] = useState(false);
  const [logoutState, setLogoutState] = useState<"idle" | "pending" | "failed">("idle");
  const [activityOpen, setActivityOpen] = useState(false);
  const [disconnect, { loading: disconnecting }] = useMutation(DisconnectDocument);
  const status = CONNECTION_STATUS[connection.status];

  async function runDisconnect() {
    setDisconnectError(false);
    try {
      const { data } = await disconnect();
      if (data?.disconnect.disconnected) onDisconnected(data.disconnect);
      else setDisconnectError(true);
    } catch {
      setDisconnectError(true);
    }
  }

  async function logOut() {
    setLogoutState("pending");
    try {
      const response = await fetch(LOGOUT_URL, { method: "POST", credentials: "same-origin" });
      // 401: the session was already gone, which is what logging out wants anyway.
      if (!response.ok && response.status !== 401) throw new Error(`HTTP ${response.status}`);
      navigate("/");
    } catch {
      setLogoutState("failed");
    }
  }

  return (
    <PageLayout
      title={connection.account.name}
      documentTitle={`${connection.account.name} · Manage`}
      meta={<StatusLabel label={status.label} status={status.indicator} />}
      actions={
        <Button
          label="Log out"
          type="tertiary"
          size="small"
          loading={logoutState === "pending"}
          disabled={logoutState === "pending"}
          onClick={() => void logOut()}
        />
      }
    >
      {stale && (
        <Banner type="notice" dismissible={false}>
          We couldn't refresh the connection status. Showing what we last knew.
        </Banner>
      )}
      <ProblemBanner connection={connection} />
      {disconnectError && (
        <Banner type="error" onDismiss={() => setDisconnectError(false)}>
          We couldn't disconnect from Jobber. Check your connection and try again.
        </Banner>
      )}
      {logoutState === "failed" && (
        <Banner type="error" onDismiss={() => setLogoutState("idle")}>
          We couldn't log you out. Check your network and try again.
        </Banner>
      )}

      <SyncCard summary={connection.sync} />
      <DataTabs />

      <Panel className="panel--quiet" testId="activity-section">
        <Disclosure title="Activity" open={activityOpen} onToggle={setActivityOpen}>
          {/* Only polled while open. */}
          {activityOpen && <WebhookActivityCard pollInterval={pollInterval} />}
        </Disclosure>
        <Disclosure title="Details for support">
          <SupportDetails connection={connection} />
        </Disclosure>
      </Panel>

      <ConnectionSection
        connection={connection}
        disconnecting={disconnecting}
        onDisconnect={() => void runDisconnect()}
      />
    </PageLayout>
  );
}
