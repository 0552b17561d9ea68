import type { Indicator } from "../../app/format";
import type { ConnectionStatus } from "../../gql/graphql";

/** How each connection status reads beside the account's name. */
export const CONNECTION_STATUS: Record<ConnectionStatus, { label: string; indicator: Indicator }> = {
  CONNECTED: { label: "Connected", indicator: "success" },
  DEGRADED: { label: "Connected · Jobber having trouble", indicator: "warning" },
  NEEDS_REAUTH: { label: "Reconnect needed", indicator: "critical" },
  DISCONNECTED: { label: "Disconnected", indicator: "inactive" },
};
