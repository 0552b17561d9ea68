import type { Indicator } from "../../app/format";
import type { WebhookEventStatus } from "../../gql/graphql";

/** What became of an update Jobber sent, in plain words. */
export const WEBHOOK_STATUS: Record<WebhookEventStatus, { label: string; indicator: Indicator }> = {
  PENDING: { label: "Waiting", indicator: "informative" },
  PROCESSED: { label: "Applied", indicator: "success" },
  IGNORED: { label: "Nothing to do", indicator: "inactive" },
  FAILED: { label: "Retrying", indicator: "warning" },
  DEAD: { label: "Couldn't apply", indicator: "critical" },
};
