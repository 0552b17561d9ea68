import { Button } from "@jobber/components/Button";
import { Text } from "@jobber/components/Text";
import { lazy, Suspense, useState } from "react";
import { useAppName } from "../../app/appInfo";
import { formatDateTime } from "../../app/format";
import type { ManageConnectionQuery } from "../../gql/graphql";
import { Panel } from "../shared/Panel";

type Connection = NonNullable<ManageConnectionQuery["connection"]>;

// The confirmation dialog (Atlantis' ConfirmationModal renders Markdown) is a chunk of its own,
// fetched when the merchant reaches for Disconnect, not with every visit to the page.
const loadModal = () => import("./DisconnectModal");
const DisconnectModal = lazy(loadModal);

function connectedBy(user: Connection["connectedBy"]): string | null {
  if (!user) return null;
  return user.name ?? user.email ?? null;
}

/** The connection itself, at the end of the page: who connected it, and Disconnect (with a confirmation). */
export function ConnectionSection({
  connection,
  disconnecting,
  onDisconnect,
}: {
  connection: Connection;
  disconnecting: boolean;
  onDisconnect(): void;
}) {
  const appName = useAppName();
  const [confirming, setConfirming] = useState(false);
  const by = connectedBy(connection.connectedBy);
  return (
    <Panel title="Connection" testId="connection-section">
      <Text>
        {`${appName} is connected to ${connection.account.name}'s Jobber account`}
        {by ? ` by ${by}` : ""}
        {" since "}
        <time dateTime={connection.connectedAt}>{formatDateTime(connection.connectedAt)}</time>.
      </Text>
      <Text size="small" variation="subdued">
        {`Disconnecting stops syncing and deletes ${appName}'s copy of your data. Nothing in Jobber changes, and you can connect again later.`}
      </Text>
      <div className="button-row" onPointerEnter={() => void loadModal()} onFocus={() => void loadModal()}>
        <Button
          label="Disconnect"
          variation="destructive"
          type="secondary"
          loading={disconnecting}
          disabled={disconnecting}
          onClick={() => setConfirming(true)}
        />
      </div>
      {confirming && (
        <Suspense fallback={null}>
          <DisconnectModal
            appName={appName}
            onConfirm={() => {
              setConfirming(false);
              onDisconnect();
            }}
            onCancel={() => setConfirming(false)}
          />
        </Suspense>
      )}
    </Panel>
  );
}
