import { LazyBanner as Banner } from "../shared/LazyBanner";
import { Navigate } from "react-router-dom";
import { useRequest } from "../../app/request";
import { ConnectionPresenceDocument } from "../../gql-shell/graphql";
import { PageLoading } from "../shared/PageLoading";
import { NoSessionView } from "./NoSessionView";

/** Route `/`: straight to Manage when the browser is signed in; otherwise sign in, connect, or what happened. */
export function ConnectPage() {
  const { data, loading, error } = useRequest(ConnectionPresenceDocument);

  if (loading) return <PageLoading label="Checking your Jobber connection" />;
  if (data?.connection) return <Navigate to="/manage" replace />;

  // Without a status we can still offer to connect: that path doesn't need our API.
  const notice = error ? (
    <Banner type="warning" dismissible={false}>
      We couldn't check whether you're already connected. You can still connect below.
    </Banner>
  ) : undefined;
  return <NoSessionView previous={data?.previousConnection} notice={notice} />;
}
