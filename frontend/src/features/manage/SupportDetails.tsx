import { DescriptionList } from "@jobber/components/DescriptionList";
import { useAppInfo } from "../../app/appInfo";
import { formatDateTime } from "../../app/format";
import type { ManageConnectionQuery } from "../../gql/graphql";

type Connection = NonNullable<ManageConnectionQuery["connection"]>;

function when(value: string | null | undefined, otherwise: string) {
  return value ? <time dateTime={value}>{formatDateTime(value)}</time> : otherwise;
}

/**
 * Facts support may ask for. Jobber's access token is renewed automatically, so its times are
 * here, out of the way, worded so they are not mistaken for the data sync.
 */
export function SupportDetails({ connection }: { connection: Connection }) {
  const info = useAppInfo();
  return (
    <DescriptionList
      data={[
        ["Jobber access renewed", when(connection.lastRefreshAt, "Not yet (renewed automatically)")],
        ["Current access valid until", when(connection.tokenExpiresAt, "Unknown")],
        ["First connected", when(connection.connectedAt, "Unknown")],
        ["App version", info ? `${info.version}${info.sandboxMode ? " (sandbox)" : ""}` : "—"],
      ]}
    />
  );
}
