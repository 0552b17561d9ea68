import { screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { SyncProgressDocument, SyncStatusDocument, type SyncStatusQuery } from "../../gql/graphql";
import { connection, syncStatus } from "../../test/fixtures";
import { renderApp } from "../../test/render";
import { SyncCard, type SyncSummary } from "./SyncCard";

type Status = SyncStatusQuery["syncStatus"][number];



function summary(over: Partial<SyncSummary>): SyncSummary {
  return { ...connection().sync, ...over };
}

function mock(list: Status[] | Error) {
  return {
    request: { query: SyncStatusDocument },
    ...(list instanceof Error ? { error: list } : { result: { data: { syncStatus: list } } }),
  };
}

describe("Sync card", () => {
  it("shows counts and states per resource, a progress bar only while a run fetches, and problems in plain words", async () => {
    const retryAt = "2026-11-28T19:15:00Z";
    renderApp({
      mocks: [
        mock([
          syncStatus({}),
          syncStatus({ resource: "JOBS", state: "RUNNING", fetched: 10, total: 40, count: 10, lastSuccessAt: null }),
          syncStatus({ resource: "QUOTES", state: "RUNNING", retrying: true, problem: "RATE_LIMITED", nextRunAt: retryAt }),
          syncStatus({ resource: "INVOICES", state: "FAILED", problem: "JOBBER_UNAVAILABLE", nextRunAt: retryAt, count: 3 }),
        ]),
      ],
      ui: <SyncCard activePoll={0} idlePoll={0} />,
    });
    const row = async (resource: string) => within(await screen.findByTestId(`sync-${resource}`));
    const time = new Intl.DateTimeFormat(undefined, { timeStyle: "short" }).format(new Date(retryAt));

    expect((await row("CLIENTS")).getByText("Up to date")).toBeVisible();
    expect((await row("CLIENTS")).getByText(/25 clients/)).toBeVisible();
    expect((await row("CLIENTS")).queryByRole("progressbar")).not.toBeInTheDocument();
    expect((await row("JOBS")).getByText("Syncing")).toBeVisible();
    expect(screen.getByLabelText("Jobs sync progress")).toHaveAttribute("aria-valuenow", "10");
    expect((await row("JOBS")).getByText("10 of 40")).toBeVisible();
    expect((await row("QUOTES")).getByText("Waiting to retry")).toBeVisible();
    expect((await row("QUOTES")).getByText(`Jobber asked us to slow down — we'll retry at ${time}`)).toBeVisible();
    expect((await row("QUOTES")).queryByRole("progressbar")).not.toBeInTheDocument();
    expect((await row("INVOICES")).getByText(`Jobber is having trouble — we'll retry at ${time}`)).toBeVisible();
    expect(screen.getAllByRole("progressbar")).toHaveLength(1);
    expect(screen.getByRole("button", { name: "Sync now" })).toBeEnabled();
  });

  it("never shows a running sync as a warning", async () => {
    renderApp({
      mocks: [mock([syncStatus({ resource: "JOBS", state: "RUNNING", fetched: 1, total: null })])],
      ui: <SyncCard activePoll={0} idlePoll={0} summary={summary({ state: "SYNCING" })} />,
    });
    expect(await screen.findByText("1 fetched so far")).toBeVisible();
    for (const label of screen.getAllByText("Syncing")) {
      expect(label.closest("[role=status]")?.className).not.toMatch(/warning/i);
    }
  });

  it("summarises freshness in one line", async () => {
    const now = Date.now();
    renderApp({
      mocks: [mock([syncStatus({})])],
      ui: (
        <SyncCard
          activePoll={0}
          idlePoll={0}
          summary={summary({
            lastSyncedAt: new Date(now - 3 * 60_000).toISOString(),
            nextSyncAt: new Date(now + 12 * 60_000 + 5_000).toISOString(),
          })}
        />
      ),
    });
    const line = await screen.findByTestId("sync-summary");
    expect(line).toHaveTextContent(/^Up to date\s*·\s*synced 3 minutes ago\s*·\s*next check in 12 minutes$/);
  });

  it("follows live progress from the syncProgress subscription", async () => {
    renderApp({
      mocks: [
        mock([syncStatus({ resource: "JOBS", state: "RUNNING", fetched: 10, total: 40, count: 10, lastSuccessAt: null })]),
        {
          request: { query: SyncProgressDocument },
          result: {
            data: { syncProgress: [syncStatus({ resource: "JOBS", state: "RUNNING", fetched: 30, total: 40, count: 30 })] },
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
