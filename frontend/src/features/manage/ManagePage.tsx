import { useQuery, type ApolloError } from "@apollo/client";
import { Banner } from "@jobber/components/Banner";
import { Page } from "@jobber/components/Page";
import { useState } from "react";
import { ManageConnectionDocument } from "../../gql/graphql";
import { ConnectView } from "../connect/ConnectView";
import { PageLoading } from "../shared/PageLoading";
import { ConnectedView } from "./ConnectedView";
import { DisconnectedView, type DisconnectOutcome } from "./DisconnectedView";

/** How often the page re-reads the connection, so a Marketplace disconnect shows up. */
export const POLL_INTERVAL_MS = 3000;

function sessionEnded(error: ApolloError | undefined): boolean {
  return Boolean(
    error?.graphQLErrors.some((e) => e.extensions?.["code"] === "UNAUTHENTICATED"),
  );
}

/** Route `/manage`: the merchant's connection, its health, webhook activity and disconnect. */
export function ManagePage({ pollInterval = POLL_INTERVAL_MS }: { pollInterval?: number }) {
  const [outcome, setOutcome] = useState<DisconnectOutcome | null>(null);
  const [hadConnection, setHadConnection] = useState(false);
  const { data, previousData, loading, error, refetch } = useQuery(ManageConnectionDocument, {
    pollInterval: outcome ? 0 : pollInterval,
  });

  // On a failed poll keep showing what we last knew rather than blanking the page.
  const current = data ?? (error ? previousData : undefined);
  const connection = current?.connection ?? null;
  if (connection && !hadConnection) setHadConnection(true);

  if (outcome) return <DisconnectedView outcome={outcome} />;
  if (hadConnection && ((data && !data.connection) || sessionEnded(error))) {
    return <DisconnectedView outcome={null} />;
  }
  if (sessionEnded(error)) return <ConnectView />;
  if (loading && !current) return <PageLoading label="Loading your Jobber connection" />;
  if (error && !current) {
    return (
      <Page title="Fieldsync" width="narrow">
        <Banner
          type="error"
          dismissible={false}
          primaryAction={{ label: "Try again", onClick: () => void refetch() }}
        >
          We couldn't load your Jobber connection. Check your network and try again.
        </Banner>
      </Page>
    );
  }
  if (!connection) return <ConnectView />;

  return (
    <ConnectedView
      connection={connection}
      stale={Boolean(error)}
      pollInterval={pollInterval}
      onDisconnected={setOutcome}
    />
  );
}
