import type { MockedResponse } from "@apollo/client/testing";
import { GraphQLError } from "graphql";
import {
  AppInfoDocument,
  ConnectionPresenceDocument,
  DisconnectDocument,
  ManageConnectionDocument,
  RecentWebhookEventsDocument,
  type ConnectionStatus,
  type DisconnectMutation,
  type ManageConnectionQuery,
  type RecentWebhookEventsQuery,
} from "../gql/graphql";

type Connection = NonNullable<ManageConnectionQuery["connection"]>;
type WebhookEvent = RecentWebhookEventsQuery["webhookEvents"]["nodes"][number];

export function connection(overrides: Partial<Connection> = {}): Connection {
  return {
    __typename: "Connection",
    status: "CONNECTED",
    account: { __typename: "JobberAccount", id: "acc-1", name: "Green Thumb Landscaping" },
    connectedAt: "2025-03-04T14:05:00Z",
    connectedBy: {
      __typename: "JobberUser",
      id: "user-1",
      name: "Gail Green",
      email: "gail@example.com",
    },
    tokenExpiresAt: "2025-03-04T15:05:00Z",
    lastRefreshAt: null,
    lastError: null,
    ...overrides,
  };
}

export function webhookEvent(overrides: Partial<WebhookEvent> = {}): WebhookEvent {
  return {
    __typename: "WebhookEvent",
    id: "evt-1",
    topic: "CLIENT_CREATE",
    itemId: "client-42",
    occurredAt: "2025-03-04T14:10:00Z",
    receivedAt: "2025-03-04T14:10:02Z",
    status: "PROCESSED",
    attempts: 1,
    lastError: null,
    ...overrides,
  };
}

const forever = { maxUsageCount: Number.POSITIVE_INFINITY };

export const appInfoMock = (sandboxMode = false): MockedResponse => ({
  request: { query: AppInfoDocument },
  result: {
    data: {
      appInfo: {
        __typename: "AppInfo",
        version: "0.1.0",
        environment: "DEVELOPMENT",
        sandboxMode,
      },
    },
  },
  ...forever,
});

export const presenceMock = (status: ConnectionStatus | null): MockedResponse => ({
  request: { query: ConnectionPresenceDocument },
  result: {
    data: {
      connection: status && {
        __typename: "Connection",
        status,
        account: { __typename: "JobberAccount", id: "acc-1", name: "Green Thumb Landscaping" },
      },
    },
  },
});

export const manageMock = (value: Connection | null, usage = forever): MockedResponse => ({
  request: { query: ManageConnectionDocument },
  result: { data: { connection: value } },
  ...usage,
});

export const manageErrorMock = (code?: string): MockedResponse => ({
  request: { query: ManageConnectionDocument },
  result: {
    errors: [new GraphQLError("boom", code ? { extensions: { code } } : {})],
  },
});

export const webhooksMock = (nodes: WebhookEvent[]): MockedResponse => ({
  request: { query: RecentWebhookEventsDocument, variables: { first: 10 } },
  result: {
    data: {
      webhookEvents: {
        __typename: "WebhookEventConnection",
        nodes,
        pageInfo: { __typename: "PageInfo", hasNextPage: false, endCursor: null },
      },
    },
  },
  ...forever,
});

export const webhooksErrorMock = (): MockedResponse => ({
  request: { query: RecentWebhookEventsDocument, variables: { first: 10 } },
  error: new Error("network down"),
  ...forever,
});

export const disconnectMock = (payload: Omit<DisconnectMutation["disconnect"], "__typename">): MockedResponse => ({
  request: { query: DisconnectDocument },
  result: { data: { disconnect: { __typename: "DisconnectPayload", ...payload } } },
});
