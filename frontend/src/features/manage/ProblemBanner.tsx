import { Banner } from "@jobber/components/Banner";
import { useAppName } from "../../app/appInfo";
import { AUTH_START_URL, useFullPageNavigate } from "../../app/navigation";
import type { ManageConnectionQuery } from "../../gql/graphql";
import { retryWhen } from "../sync/SyncCard";

type Connection = NonNullable<ManageConnectionQuery["connection"]>;

/**
 * What is wrong with the connection right now, in the merchant's words, with the fix: Reconnect
 * when Jobber no longer accepts the connection; when Jobber is failing, that there is nothing to
 * do and when we try again; when Jobber's webhooks have stopped arriving, that updates come by
 * polling instead. Built from the typed fields, never the developer strings.
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
  if (connection.webhookHealth.status === "MISSING") {
    return (
      <Banner type="notice" dismissible={false}>
        {`Updates from Jobber are arriving late; ${appName} is checking every ${every(connection.webhookHealth.catchUpIntervalSeconds)} instead.`}
      </Banner>
    );
  }
  return null;
}

/** `120` → "2 minutes", `60` → "minute", `45` → "45 seconds". */
export function every(seconds: number): string {
  if (seconds % 60 === 0) {
    const minutes = seconds / 60;
    return minutes === 1 ? "minute" : `${minutes} minutes`;
  }
  return seconds === 1 ? "second" : `${seconds} seconds`;
}
