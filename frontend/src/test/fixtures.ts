import type { MockedResponse } from "@apollo/client/testing";
import { GraphQLError } from "graphql";
import {
  DisconnectDocument,
  ManageConnectionDocument,
  RecentWebhookEventsDocument,
  type AppInfoQuery,
  type ConnectionPresenceQuery,
  type ConnectionStatus,
  type DisconnectMutation,
  type PreviousConnectionFieldsFragment,
  type ManageConnectionQuery,
  type RecentWebhookEventsQuery,
  type SyncStatusQuery,
} from "../gql/graphql";

type Connection = NonNullable<ManageConnectionQuery["connection"]>;
type WebhookEvent = RecentWebhookEventsQuery["webhookEvents"]["nodes"][number];
type SyncResourceStatus = SyncStatusQuery["syncStatus"][number];

/** One resource's sync status: a finished full sync of 25 clients, unless overridden. */
export function syncStatus(overrides: Partial<SyncResourceStatus> = {}): SyncResourceStatus {
  return {
    __typename: "SyncResourceStatus",
    resource: "CLIENTS",
    state: "DONE",
    mode: "FULL",
    fetched: 25,
    total: 25,
    count: 25,
    startedAt: "2026-11-28T12:00:00Z",
    finishedAt: "2026-11-28T12:00:05Z",
    lastSuccessAt: "2026-11-28T12:00:05Z",
    nextRunAt: "2026-11-28T12:15:05Z",
    retrying: false,
    problem: null,
    ...overrides,
  };
}

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
    problem: null,
    retryAt: null,
    sync: {
      __typename: "SyncSummary",
      state: "UP_TO_DATE",
      lastSyncedAt: "2025-03-04T14:06:00Z",
      nextSyncAt: "2025-03-04T14:21:00Z",
      retryAt: null,
      problem: null,
    },
    webhookHealth: { __typename: "WebhookHealth", status: "HEALTHY", catchUpIntervalSeconds: 120 },
    ...overrides,
  };
}

export function webhookEvent(overrides: Partial<WebhookEvent> = {}): WebhookEvent {
  return {
    __typename: "WebhookEvent",
    id: "evt-1",
    topic: "CLIENT_CREATE",
    occurredAt: "2025-03-04T14:10:00Z",
    receivedAt: "2025-03-04T14:10:02Z",
    status: "PROCESSED",
    ...overrides,
  };
}

const forever = { maxUsageCount: Number.POSITIVE_INFINITY };

export function appInfo(overrides: Partial<AppInfoQuery["appInfo"]> = {}): AppInfoQuery["appInfo"] {
  return {
    __typename: "AppInfo",
    appName: "Fieldsync",
    version: "0.1.0",
    environment: "DEVELOPMENT",
    sandboxMode: false,
    supportUrl: null,
    privacyUrl: null,
    ...overrides,
  };
}

export function previousConnection(
  overrides: Partial<PreviousConnectionFieldsFragment> = {},
): PreviousConnectionFieldsFragment {
  return {
    __typename: "PreviousConnection",
    accountName: "Green Thumb Landscaping",
    status: "CONNECTED",
    disconnectedAt: null,
    disconnectedBy: null,
    ...overrides,
  };
}

/** The `ConnectionPresence` answer (the Connect page reads it with plain fetch, see `shell`). */
export function presence(
  status: ConnectionStatus | null,
  previous: PreviousConnectionFieldsFragment | null = null,
): ConnectionPresenceQuery {
  return {
    connection: status && {
      __typename: "Connection",
      status,
      account: { __typename: "JobberAccount", id: "acc-1", name: "Green Thumb Landscaping" },
    },
    previousConnection: previous,
  };
}

export const manageMock = (
  value: Connection | null,
  usage = forever,
  previous: PreviousConnectionFieldsFragment | null = null,
): MockedResponse => ({
  request: { query: ManageConnectionDocument },
  result: { data: { connection: value, previousConnection: previous } },
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
