import { useMutation } from "@apollo/client";
import { Banner } from "@jobber/components/Banner";
import { Button } from "@jobber/components/Button";
import { ConfirmationModal } from "@jobber/components/ConfirmationModal";
import { Content } from "@jobber/components/Content";
import { Page } from "@jobber/components/Page";
import { StatusLabel } from "@jobber/components/StatusLabel";
import { useState } from "react";
import { AUTH_START_URL, LOGOUT_URL, useFullPageNavigate } from "../../app/navigation";
import { DisconnectDocument, type ManageConnectionQuery } from "../../gql/graphql";
import { DataTabs } from "../data/DataTabs";
import { SyncCard } from "../sync/SyncCard";
import { WebhookActivityCard } from "../webhooks/WebhookActivityCard";
import { ConnectionDetailsCard } from "./ConnectionDetailsCard";
import { CONNECTION_STATUS } from "./connectionStatus";
import type { DisconnectOutcome } from "./DisconnectedView";

type Connection = NonNullable<ManageConnectionQuery["connection"]>;

interface Props {
  connection: Connection;
  /** True when the latest poll failed and `connection` is what we knew before. */
  stale: boolean;
  pollInterval: number;
  onDisconnected(outcome: DisconnectOutcome): void;
}

export function ConnectedView({ connection, stale, pollInterval, onDisconnected }: Props) {
  const navigate = useFullPageNavigate();
  const [confirming, setConfirming] = useState(false);
  const [disconnectError, setDisconnectError] = useState<string | null>(null);
  const [logoutState, setLogoutState] = useState<"idle" | "pending" | "failed">("idle");
  const [disconnect, { loading: disconnecting }] = useMutation(DisconnectDocument);
  const status = CONNECTION_STATUS[connection.status];

  async function runDisconnect() {
    setConfirming(false);
    setDisconnectError(null);
    try {
      const { data } = await disconnect();
      if (data?.disconnect.disconnected) onDisconnected(data.disconnect);
      else setDisconnectError(data?.disconnect.message ?? "Fieldsync couldn't disconnect.");
    } catch (e) {
      setDisconnectError(e instanceof Error ? e.message : String(e));
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
    <Page
      title={connection.account.name}
      titleMetaData={<StatusLabel label={status.label} status={status.indicator} />}
    >
      <Content>
        {stale && (
          <Banner type="notice" dismissible={false}>
            We couldn't refresh the connection status. Showing what we last knew.
          </Banner>
        )}
        {connection.status === "NEEDS_REAUTH" && (
          <Banner
            type="error"
            dismissible={false}
            primaryAction={{ label: "Reconnect", onClick: () => navigate(AUTH_START_URL) }}
          >
            Jobber needs you to reconnect
          </Banner>
        )}
        {connection.status === "DEGRADED" && (
          <Banner type="warning" dismissible={false}>
            {connection.lastError ?? "Fieldsync is having trouble talking to Jobber."}
          </Banner>
        )}
        {disconnectError && (
          <Banner type="error" onDismiss={() => setDisconnectError(null)}>
            {`We couldn't disconnect from Jobber: ${disconnectError}`}
          </Banner>
        )}
        {logoutState === "failed" && (
          <Banner type="error" onDismiss={() => setLogoutState("idle")}>
            We couldn't log you out. Check your network and try again.
          </Banner>
        )}

        <ConnectionDetailsCard connection={connection} />

        <div className="button-row">
          <Button
            label="Disconnect"
            variation="destructive"
            type="secondary"
            loading={disconnecting}
            disabled={disconnecting}
            onClick={() => setConfirming(true)}
          />
          <Button
            label="Log out"
            variation="subtle"
            type="secondary"
            loading={logoutState === "pending"}
            disabled={logoutState === "pending"}
            onClick={() => void logOut()}
          />
        </div>

        <SyncCard />
        <DataTabs />

        <WebhookActivityCard pollInterval={pollInterval} />
      </Content>

      <ConfirmationModal
        open={confirming}
        title="Disconnect from Jobber?"
        message="Fieldsync will ask Jobber to revoke its access, then delete your stored Jobber tokens and all data it synced. You can connect again later."
        confirmLabel="Disconnect"
        variation="destructive"
        onConfirm={() => void runDisconnect()}
        onCancel={() => setConfirming(false)}
        onRequestClose={() => setConfirming(false)}
      />
    </Page>
  );
}
