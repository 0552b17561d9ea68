import { useQuery } from "@apollo/client";
import { Banner } from "@jobber/components/Banner";
import { Glimmer } from "@jobber/components/Glimmer";
import { StatusLabel } from "@jobber/components/StatusLabel";
import { Text } from "@jobber/components/Text";
import { topicName } from "../../app/format";
import { RecentWebhookEventsDocument } from "../../gql/graphql";
import { RelativeTime, useNow } from "../shared/RelativeTime";
import { WEBHOOK_STATUS } from "./webhookStatus";

export const RECENT_WEBHOOK_COUNT = 10;

/**
 * The latest updates Jobber sent for this account ("Client updated · 3 minutes ago · Applied"),
 * refreshed by polling. A plain list, so it fits a phone; no ids or retry counters (support has
 * those in the operator tools).
 */
export function WebhookActivityCard({ pollInterval }: { pollInterval: number }) {
  const now = useNow();
  const { data, previousData, loading, error, refetch } = useQuery(RecentWebhookEventsDocument, {
    variables: { first: RECENT_WEBHOOK_COUNT },
    pollInterval,
  });
  const events = (data ?? previousData)?.webhookEvents.nodes;

  if (!events && loading) {
    return (
      <div role="status" aria-busy="true">
        <span className="visually-hidden">Loading recent activity…</span>
        <div aria-hidden="true">
          <Glimmer.Text lines={3} />
        </div>
      </div>
    );
  }
  if (!events) {
    return (
      <Banner type="error" dismissible={false} primaryAction={{ label: "Try again", onClick: () => void refetch() }}>
        We couldn't load recent activity.
      </Banner>
    );
  }
  if (events.length === 0) {
    return (
      <div>
        <Text>No updates from Jobber yet</Text>
        <Text size="small" variation="subdued">
          Jobber tells Fieldsync whenever something changes in your account; those updates appear here.
        </Text>
      </div>
    );
  }
  return (
    <div>
      {error && (
        <Text size="small" variation="subdued">
          Couldn't refresh; showing the last updates we loaded.
        </Text>
      )}
      <ul className="activity-list" aria-label="Recent updates from Jobber">
        {events.map((event) => {
          const status = WEBHOOK_STATUS[event.status];
          return (
            <li key={event.id} className="activity-item">
              <span className="activity-name">{topicName(event.topic)}</span>
              <span className="activity-when">
                <RelativeTime value={event.occurredAt} now={now} />
              </span>
              <StatusLabel label={status.label} status={status.indicator} alignment="end" />
            </li>
          );
        })}
      </ul>
    </div>
  );
}
