import { useQuery } from "@apollo/client";
import { Banner } from "@jobber/components/Banner";
import { Navigate } from "react-router-dom";
import { ConnectionPresenceDocument } from "../../gql/graphql";
import { PageLoading } from "../shared/PageLoading";
import { ConnectView } from "./ConnectView";

/** Route `/`: the Connect page, or straight to Manage when the browser is already connected. */
export function ConnectPage() {
  const { data, loading, error } = useQuery(ConnectionPresenceDocument, {
    fetchPolicy: "network-only",
  });

  if (loading) return <PageLoading label="Checking your Jobber connection" />;
  if (data?.connection) return <Navigate to="/manage" replace />;

  // Without a status we can still offer to connect: that path doesn't need our API.
  const notice = error ? (
    <Banner type="warning" dismissible={false}>
      We couldn't check whether you're already connected. You can still connect below.
    </Banner>
  ) : undefined;
  return <ConnectView notice={notice} />;
}
