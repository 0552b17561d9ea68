import type { MockedResponse } from "@apollo/client/testing";
import {
  AuditLogDocument,
  FleetDocument,
  InstallDocument,
  InstallsDocument,
  type AuditEntryFieldsFragment,
  type AuditLogQuery,
  type FleetQuery,
  type InstallFieldsFragment,
  type InstallQuery,
  type InstallsQuery,
  type InstallStatus,
} from "../gql/graphql";
import { PAGE_SIZE } from "../listState";
import { AUDIT_PAGE_SIZE } from "../AuditPage";

export const forever = { maxUsageCount: Number.POSITIVE_INFINITY };

export function install(overrides: Partial<InstallFieldsFragment> = {}): InstallFieldsFragment {
  return {
    __typename: "Install",
    jobberAccountId: "acc-1",
    name: "Green Thumb Landscaping",
    status: "CONNECTED",
    problems: [],
    connectedAt: "2026-03-04T14:05:00Z",
    connectedByName: "Gail Green",
    connectedByEmail: "gail@example.com",
    disconnectedAt: null,
    disconnectedBy: null,
    lastError: null,
    lastRefreshAt: "2026-03-04T15:05:00Z",
    resources: (["CLIENT", "PROPERTY", "JOB", "QUOTE", "INVOICE"] as const).map((resource) => ({
      __typename: "ResourceSync" as const,
      resource,
      state: "DONE" as const,
      lastSuccessAt: "2026-03-04T15:00:00Z",
      lastFullSuccessAt: "2026-03-04T14:06:00Z",
      failures: 0,
      error: null,
      notBefore: null,
    })),
    failingRuns: 0,
    webhooksPending: 0,
    webhooksDead: 0,
    webhookHealth: { __typename: "WebhookHealth", status: "HEALTHY", lastReceivedAt: "2026-03-04T15:01:00Z" },
    ...overrides,
  };
}

export function auditEntry(overrides: Partial<AuditEntryFieldsFragment> = {}): AuditEntryFieldsFragment {
  return {
    __typename: "AuditEntry",
    id: "1",
    at: "2026-03-04T14:05:00Z",
    jobberAccountId: "acc-1",
    accountName: "Green Thumb Landscaping",
    kind: "CONNECTED",
    actor: "MERCHANT",
    actorName: "Gail Green",
    detail: "Connected by Gail Green",
    ...overrides,
  };
}

export function fleet(overrides: Partial<FleetQuery["fleet"]> = {}): FleetQuery["fleet"] {
  return {
    __typename: "FleetHealth",
    installs: [
      { __typename: "StatusCount", status: "CONNECTED", count: 12 },
      { __typename: "StatusCount", status: "NEEDS_REAUTH", count: 1 },
    ],
    inboxPending: 3,
    inboxOldestPendingAt: "2026-03-04T15:00:00Z",
    inboxDead: 2,
    webhookAck: { __typename: "LatencySummary", samples: 240, p50Ms: 1.4, p99Ms: 8.25 },
    syncDue: 4,
    syncRunning: 1,
    syncFailing: 0,
    jobberApiVersion: "2025-04-16",
    versioningWarnings: [],
    ...overrides,
  };
}

export const fleetMock = (value = fleet()): MockedResponse => ({
  request: { query: FleetDocument },
  result: { data: { fleet: value } satisfies FleetQuery },
  ...forever,
});

export function installsMock(
  installs: InstallFieldsFragment[],
  {
    status = null,
    search = null,
    after = null,
    nextCursor = null,
    totalCount = installs.length,
  }: {
    status?: InstallStatus | null;
    search?: string | null;
    after?: string | null;
    nextCursor?: string | null;
    totalCount?: number;
  } = {},
): MockedResponse {
  return {
    request: { query: InstallsDocument, variables: { status, search, first: PAGE_SIZE, after } },
    result: {
      data: { installs: { __typename: "InstallPage", installs, nextCursor, totalCount } } satisfies InstallsQuery,
    },
    ...forever,
  };
}

export function installDetail(
  value: InstallFieldsFragment = install(),
  extra: Partial<Omit<NonNullable<InstallQuery["install"]>, "install">> = {},
): NonNullable<InstallQuery["install"]> {
  return {
    __typename: "InstallDetail",
    install: value,
    timeline: [auditEntry()],
    webhookEvents: [
      {
        __typename: "WebhookEventMeta",
        id: "evt-1",
        topic: "CLIENT_UPDATE",
        status: "PROCESSED",
        attempts: 1,
        receivedAt: "2026-03-04T15:01:00Z",
        processedAt: "2026-03-04T15:01:01Z",
        lastError: null,
      },
    ],
    ...extra,
  };
}

export const installMock = (
  detail: NonNullable<InstallQuery["install"]> | null,
  usage: { maxUsageCount?: number } = forever,
): MockedResponse => ({
  request: { query: InstallDocument, variables: { jobberAccountId: detail?.install.jobberAccountId ?? "acc-1" } },
  result: { data: { install: detail } satisfies InstallQuery },
  ...usage,
});

export function auditMock(
  entries: AuditEntryFieldsFragment[],
  { jobberAccountId = null, after = null, nextCursor = null }: { jobberAccountId?: string | null; after?: string | null; nextCursor?: string | null } = {},
): MockedResponse {
  return {
    request: {
      query: AuditLogDocument,
      variables: after
        ? { jobberAccountId, first: AUDIT_PAGE_SIZE, after }
        : { jobberAccountId, first: AUDIT_PAGE_SIZE },
    },
    result: { data: { audit: { __typename: "AuditPage", entries, nextCursor } } satisfies AuditLogQuery },
    ...forever,
  };
}
