import { screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { SyncProgressDocument, SyncStatusDocument, type SyncStatusQuery } from "../../gql/graphql";
import { renderApp } from "../../test/render";
import { SyncCard } from "./SyncCard";

type Status = SyncStatusQuery["syncStatus"][number];

function status(over: Partial<Status>): Status {
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
    error: null,
    ...over,
  };
}

function mock(list: Status[] | Error) {
  return {
    request: { query: SyncStatusDocument },
    ...(list instanceof Error ? { error: list } : { result: { data: { syncStatus: list } } }),
  };
}

describe("Sync card", () => {
  it("shows progress, counts, last-synced times and errors per resource", async () => {
    renderApp({
      mocks: [
        mock([
          status({}),
          status({ resource: "JOBS", state: "RUNNING", fetched: 10, total: 40, count: 10, lastSuccessAt: null }),
          status({ resource: "INVOICES", state: "FAILED", error: "Jobber is unavailable", count: 3 }),
        ]),
      ],
      ui: <SyncCard activePoll={0} idlePoll={0} />,
    });
    expect(await screen.findByText("Up to date")).toBeVisible();
    expect(screen.getByText("Syncing")).toBeVisible();
    expect(screen.getByLabelText("Jobs sync progress")).toHaveAttribute("aria-valuenow", "10");
    expect(screen.getByText("Not synced yet")).toBeVisible();
    expect(screen.getByText("Jobber is unavailable")).toBeVisible();
    expect(screen.getByRole("button", { name: "Sync now" })).toBeEnabled();
  });

  it("follows live progress from the syncProgress subscription", async () => {
    renderApp({
      mocks: [
        mock([status({ resource: "JOBS", state: "RUNNING", fetched: 10, total: 40, count: 10, lastSuccessAt: null })]),
        {
          request: { query: SyncProgressDocument },
          result: {
            data: { syncProgress: [status({ resource: "JOBS", state: "RUNNING", fetched: 30, total: 40, count: 30 })] },
          },
        },
      ],
      ui: <SyncCard activePoll={0} idlePoll={0} />,
    });
    await vi.waitFor(() =>
      expect(screen.getByLabelText("Jobs sync progress")).toHaveAttribute("aria-valuenow", "30"),
    );
  });

  it("has a loading and an error state", async () => {
    renderApp({ mocks: [mock(new Error("offline"))], ui: <SyncCard activePoll={0} idlePoll={0} /> });
    expect(screen.getByRole("status")).toHaveTextContent("Loading sync status");
    expect(await screen.findByText("We couldn't load the sync status.")).toBeVisible();
  });
});
