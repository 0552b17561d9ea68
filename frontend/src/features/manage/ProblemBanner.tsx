import { Banner } from "@jobber/components/Banner";
import { useAppName } from "../../app/appInfo";
import { AUTH_START_URL, useFullPageNavigate } from "../../app/navigation";
import type { ManageConnectionQuery } from "../../gql/graphql";
import { retryWhen } from "../sync/SyncCard";

type Connection = NonNullable<ManageConnectionQuery["connection"]>;

/**
 * What is wrong with the connection right now, in the merchant's words, with the fix: Reconnect
 * when Jobber no longer accepts the connection; when Jobber is failing, that there is nothing to
 * do and when we try again. Built from the typed `problem` fields, never the developer strings.
 */
export function ProblemBanner({ connection }: { connection: Connection }) {
  const navigate = useFullPageNavigate();
  const appName = useAppName();
  const reconnect =
    connection.problem === "RECONNECT_REQUIRED" ||
    connection.status === "NEEDS_REAUTH" ||
    connection.sync.problem === "RECONNECT_REQUIRED";
  if (reconnect) {
    return (
      <Banner
        type="error"
        dismissible={false}
        primaryAction={{ label: "Reconnect", onClick: () => navigate(AUTH_START_URL) }}
      >
        {`Jobber no longer accepts ${appName}'s connection, so your data here has stopped updating. Reconnect to pick up where it left off.`}
      </Banner>
    );
  }
  if (connection.problem === "JOBBER_UNAVAILABLE" || connection.status === "DEGRADED") {
    return (
      <Banner type="warning" dismissible={false}>
        {`Jobber is having trouble — ${retryWhen(connection.retryAt ?? connection.sync.retryAt)}. There's nothing you need to do.`}
      </Banner>
    );
  }
  return null;
}
