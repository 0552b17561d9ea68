import type { WebhookEventStatus } from "../../gql/graphql";

type Indicator = "success" | "warning" | "critical" | "inactive" | "informative";

export const WEBHOOK_STATUS: Record<WebhookEventStatus, { label: string; indicator: Indicator }> = {
  PENDING: { label: "Pending", indicator: "informative" },
  PROCESSED: { label: "Processed", indicator: "success" },
  IGNORED: { label: "Ignored", indicator: "inactive" },
  FAILED: { label: "Failed, retrying", indicator: "warning" },
  DEAD: { label: "Gave up", indicator: "critical" },
};
