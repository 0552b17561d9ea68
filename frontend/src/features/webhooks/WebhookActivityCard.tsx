import { useQuery } from "@apollo/client";
import { Banner } from "@jobber/components/Banner";
import { Card } from "@jobber/components/Card";
import { Content } from "@jobber/components/Content";
import { Glimmer } from "@jobber/components/Glimmer";
import { StatusLabel } from "@jobber/components/StatusLabel";
import { Body, Cell, Header, Row, Table } from "@jobber/components/Table";
import { Text } from "@jobber/components/Text";
import { formatDateTime } from "../../app/format";
import { RecentWebhookEventsDocument } from "../../gql/graphql";
import { WEBHOOK_STATUS } from "./webhookStatus";

export const RECENT_WEBHOOK_COUNT = 10;

function When({ value }: { value: string }) {
  return <time dateTime={value}>{formatDateTime(value)}</time>;
}

/** The latest webhook deliveries from Jobber for this account, refreshed by polling. */
export function WebhookActivityCard({ pollInterval }: { pollInterval: number }) {
  const { data, previousData, loading, error, refetch } = useQuery(RecentWebhookEventsDocument, {
    variables: { first: RECENT_WEBHOOK_COUNT },
    pollInterval,
  });
  const events = (data ?? previousData)?.webhookEvents.nodes;

  let body;
  if (!events && loading) {
    body = (
      <div role="status" aria-busy="true">
        <span className="visually-hidden">Loading webhook activity…</span>
        <div aria-hidden="true">
          <Glimmer.Text lines={3} />
        </div>
      </div>
    );
  } else if (!events) {
    body = (
      <Banner
        type="error"
        dismissible={false}
        primaryAction={{ label: "Try again", onClick: () => void refetch() }}
      >
        We couldn't load webhook activity.
      </Banner>
    );
  } else if (events.length === 0) {
    body = (
      <>
        <Text>No webhook deliveries yet</Text>
        <Text size="small" variation="subdued">
          Jobber sends one when something changes in your account.
        </Text>
      </>
    );
  } else {
    body = (
      <Table>
        <Header>
          <Cell>Topic</Cell>
          <Cell>Item</Cell>
          <Cell>Occurred</Cell>
          <Cell>Received</Cell>
          <Cell>Status</Cell>
          <Cell align="right">Attempts</Cell>
          <Cell>Last error</Cell>
        </Header>
        <Body>
          {events.map((event) => {
            const status = WEBHOOK_STATUS[event.status];
            return (
              <Row key={event.id}>
                <Cell>{event.topic}</Cell>
                <Cell>{event.itemId}</Cell>
                <Cell>
                  <When value={event.occurredAt} />
                </Cell>
                <Cell>
                  <When value={event.receivedAt} />
                </Cell>
                <Cell>
                  <StatusLabel label={status.label} status={status.indicator} />
                </Cell>
                <Cell align="right">{event.attempts}</Cell>
                <Cell>{event.lastError ?? "—"}</Cell>
              </Row>
            );
          })}
        </Body>
      </Table>
    );
  }

  return (
    <Card header="Recent webhook activity">
      <Content>
        {error && events && (
          <Text size="small" variation="subdued">
            Couldn't refresh; showing the last deliveries we loaded.
          </Text>
        )}
        {body}
      </Content>
    </Card>
  );
}
