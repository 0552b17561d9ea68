import { useQuery, type ApolloError } from "@apollo/client";
import { Banner } from "@jobber/components/Banner";
import { useState } from "react";
import { ManageConnectionDocument, type PreviousConnectionFieldsFragment } from "../../gql/graphql";
import { DisconnectedView, type DisconnectOutcome } from "../connect/DisconnectedView";
import { NoSessionView } from "../connect/NoSessionView";
import { PageLayout } from "../shared/PageLayout";
import { PageLoading } from "../shared/PageLoading";
import { ConnectedView } from "./ConnectedView";

/** How often the page re-reads the connection, so a Marketplace disconnect shows up. */
export const POLL_INTERVAL_MS = 3000;

function sessionEnded(error: ApolloError | undefined): boolean {
  return Boolean(error?.graphQLErrors.some((e) => e.extensions?.["code"] === "UNAUTHENTICATED"));
}

/** Route `/manage`: the merchant's connection, data freshness, synced data, and disconnect. */
export function ManagePage({ pollInterval = POLL_INTERVAL_MS }: { pollInterval?: number }) {
  const [ended, setEnded] = useState<{ outcome: DisconnectOutcome; previous: PreviousConnectionFieldsFragment } | null>(
    null,
  );
  const [lastAccount, setLastAccount] = useState<string | null>(null);
  const { data, previousData, loading, error, refetch } = useQuery(ManageConnectionDocument, {
    pollInterval: ended ? 0 : pollInterval,
  });

  // On a failed poll keep showing what we last knew rather than blanking the page.
  const current = data ?? (error ? previousData : undefined);
  const connection = current?.connection ?? null;
  if (connection && connection.account.name !== lastAccount) setLastAccount(connection.account.name);

  // Our own Disconnect: say it once, from what we know (the session is gone now).
  if (ended) return <DisconnectedView previous={ended.previous} outcome={ended.outcome} />;
  // The connection went away while the page was open (e.g. Disconnect in Jobber's Marketplace).
  if (lastAccount && ((data && !data.connection) || sessionEnded(error))) {
    const previous = data?.previousConnection;
    if (previous && previous.status !== "DISCONNECTED") return <NoSessionView previous={previous} />;
    return (
      <DisconnectedView
        previous={previous ?? { accountName: lastAccount, status: "DISCONNECTED", disconnectedAt: null, disconnectedBy: null }}
      />
    );
  }
  if (sessionEnded(error)) return <NoSessionView previous={null} />;
  if (loading && !current) return <PageLoading label="Loading your Jobber connection" />;
  if (error && !current) {
    return (
      <PageLayout title="We couldn't load your connection" width="narrow">
        <Banner
          type="error"
          dismissible={false}
          primaryAction={{ label: "Try again", onClick: () => void refetch() }}
        >
          We couldn't load your Jobber connection. Check your network and try again.
        </Banner>
      </PageLayout>
    );
  }
  if (!connection) return <NoSessionView previous={current?.previousConnection} />;

  return (
    <ConnectedView
      connection={connection}
      stale={Boolean(error)}
      pollInterval={pollInterval}
      onDisconnected={(outcome) =>
        setEnded({
          outcome,
          previous: {
            accountName: connection.account.name,
            status: "DISCONNECTED",
            disconnectedAt: new Date().toISOString(),
            disconnectedBy: "MERCHANT",
          },
        })
      }
    />
  );
}
