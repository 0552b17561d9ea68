import type { ConnectionStatus } from "../../gql/graphql";

type Indicator = "success" | "warning" | "critical" | "inactive";

/** How each connection status reads on the Manage page. */
export const CONNECTION_STATUS: Record<ConnectionStatus, { label: string; indicator: Indicator }> = {
  CONNECTED: { label: "Connected", indicator: "success" },
  DEGRADED: { label: "Degraded", indicator: "warning" },
  NEEDS_REAUTH: { label: "Needs reconnection", indicator: "critical" },
  DISCONNECTED: { label: "Disconnected", indicator: "inactive" },
};
