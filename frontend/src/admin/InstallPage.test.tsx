import type { MockedResponse } from "@apollo/client/testing";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import {
  DisconnectInstallDocument,
  RedriveInstallDocument,
  SyncInstallDocument,
  type InstallFieldsFragment,
} from "./gql/graphql";
import { auditEntry, fleetMock, install, installDetail, installMock } from "./test/fixtures";
import { renderAdmin } from "./test/render";

const ROUTE = "/installs/acc-1";

function actionMock(
  document: typeof SyncInstallDocument | typeof RedriveInstallDocument | typeof DisconnectInstallDocument,
  field: "syncNow" | "redrive" | "disconnect",
  variables: Record<string, unknown>,
  message: string,
  after: InstallFieldsFragment,
  calls: { count: number },
): MockedResponse {
  return {
    request: { query: document, variables: { jobberAccountId: "acc-1", ...variables } },
    result: () => {
      calls.count += 1;
      return { data: { [field]: { __typename: "ActionResult", message, install: after } } };
    },
  };
}

const actions = () => within(screen.getByTestId("install-actions"));

async function confirm(button: string, dialogTitle: RegExp, confirmLabel: string) {
  await userEvent.click(actions().getByRole("button", { name: button }));
  const dialog = await screen.findByRole("dialog");
  // The dialog fades in.
  await waitFor(() => expect(within(dialog).getByText(dialogTitle)).toBeVisible());
  await userEvent.click(within(dialog).getByRole("button", { name: confirmLabel }));
  await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
}

describe("Install page", () => {
  it("shows the install's metadata, sync per resource, webhook health, timeline and recent events", async () => {
    const value = install({
      webhooksPending: 1,
      webhooksDead: 2,
      problems: ["DEAD_LETTERS"],
      resources: install().resources.map((r) =>
        r.resource === "JOB" ? { ...r, state: "FAILED", failures: 3, error: "Jobber is unavailable" } : r,
      ),
      failingRuns: 1,
    });
    renderAdmin({
      route: ROUTE,
      mocks: [
        installMock(
          installDetail(value, {
            timeline: [
              auditEntry({ id: "2", kind: "REDRIVEN", actor: "OPERATOR", actorName: "ops", detail: "Queued 1 event again" }),
              auditEntry(),
            ],
          }),
        ),
      ],
    });
    expect(await screen.findByRole("heading", { level: 1, name: "Green Thumb Landscaping" })).toBeVisible();
    await waitFor(() => expect(document.title).toBe("Green Thumb Landscaping · Fieldsync operator console"));
    const meta = within(screen.getByTestId("install-metadata"));
    expect(meta.getByText("acc-1")).toBeVisible();
    expect(meta.getByText("Gail Green <gail@example.com>")).toBeVisible();

    const job = within(screen.getByTestId("resource-JOB"));
    expect(job.getByText("Failed")).toBeVisible();
    expect(job.getByText("Jobber is unavailable")).toBeVisible();
    expect(job.getByText("3")).toBeVisible();
    expect(screen.getByText("1 resource failing.")).toBeVisible();

    const webhooks = within(screen.getByTestId("install-webhooks"));
    expect(webhooks.getByText("Arriving")).toBeVisible();

    const timeline = within(screen.getByTestId("install-timeline"));
    const rows = timeline.getAllByTestId("audit-entry");
    expect(rows).toHaveLength(2);
    expect(within(rows[0]!).getByText("Dead letters redriven")).toBeVisible();
    expect(within(rows[0]!).getByText("Operator")).toBeVisible();
    expect(within(rows[1]!).getByText("Merchant")).toBeVisible();
    expect(timeline.getByRole("link", { name: "Open in the audit log" })).toHaveAttribute("href", "/admin/audit?account=acc-1");

    const events = within(screen.getByTestId("install-events"));
    expect(events.getByText("Client updated")).toBeVisible();
    expect(events.getByText("CLIENT_UPDATE")).toBeVisible();
    const event = within(events.getAllByRole("row")[1]!);
    expect(event.getByText("Processed")).toBeVisible();
    expect(event.getByText("1")).toBeVisible();
  });

  it("syncs now after a confirmation, shows the server's message and reads the install again", async () => {
    const calls = { count: 0 };
    renderAdmin({
      route: ROUTE,
      mocks: [
        installMock(installDetail(), { maxUsageCount: 1 }),
        actionMock(SyncInstallDocument, "syncNow", { full: false }, "Queued a sync of 5 resources.", install(), calls),
        installMock(
          installDetail(install(), {
            timeline: [auditEntry({ id: "3", kind: "SYNC_REQUESTED", actor: "OPERATOR", detail: "Sync now" }), auditEntry()],
          }),
        ),
        fleetMock(),
      ],
    });
    await screen.findByRole("heading", { level: 1, name: "Green Thumb Landscaping" });

    // Cancel sends nothing.
    await userEvent.click(actions().getByRole("button", { name: "Sync now" }));
    await userEvent.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(calls.count).toBe(0);

    await confirm("Sync now", /Sync Green Thumb Landscaping now\?/, "Sync now");
    expect(await screen.findByText("Queued a sync of 5 resources.")).toBeVisible();
    expect(calls.count).toBe(1);
    expect(await within(screen.getByTestId("install-timeline")).findByText("Sync requested")).toBeVisible();
  });

  it("runs a full resync with full: true", async () => {
    const calls = { count: 0 };
    renderAdmin({
      route: ROUTE,
      mocks: [
        installMock(installDetail()),
        actionMock(SyncInstallDocument, "syncNow", { full: true }, "Queued a full sync of 5 resources.", install(), calls),
      ],
    });
    await screen.findByRole("heading", { level: 1, name: "Green Thumb Landscaping" });
    await confirm("Full resync", /Resync all of Green Thumb Landscaping\?/, "Full resync");
    expect(await screen.findByText("Queued a full sync of 5 resources.")).toBeVisible();
    expect(calls.count).toBe(1);
  });

  it("offers Redrive only when there are dead letters", async () => {
    const calls = { count: 0 };
    const dead = install({ webhooksDead: 2, problems: ["DEAD_LETTERS"] });
    renderAdmin({
      route: ROUTE,
      mocks: [
        installMock(installDetail(dead), { maxUsageCount: 1 }),
        actionMock(RedriveInstallDocument, "redrive", {}, "Queued 2 dead-lettered events again.", install(), calls),
        installMock(installDetail(install())),
      ],
    });
    await screen.findByRole("heading", { level: 1, name: "Green Thumb Landscaping" });
    await confirm("Redrive dead letters", /Redrive 2 dead letters\?/, "Redrive");
    expect(await screen.findByText("Queued 2 dead-lettered events again.")).toBeVisible();
    expect(calls.count).toBe(1);
    await waitFor(() => expect(actions().getByRole("button", { name: "Redrive dead letters" })).toBeDisabled());
  });

  it("disconnects after a confirmation that explains what happens", async () => {
    const calls = { count: 0 };
    const gone = install({ status: "DISCONNECTED", disconnectedAt: "2026-03-04T16:00:00Z", disconnectedBy: "OPERATOR" });
    renderAdmin({
      route: ROUTE,
      mocks: [
        installMock(installDetail(), { maxUsageCount: 1 }),
        actionMock(DisconnectInstallDocument, "disconnect", {}, "Disconnected; Jobber confirmed.", gone, calls),
        installMock(
          installDetail(gone, {
            timeline: [auditEntry({ id: "4", kind: "DISCONNECTED", actor: "OPERATOR", actorName: "operator", detail: "Disconnected by an operator" })],
          }),
        ),
      ],
    });
    await screen.findByRole("heading", { level: 1, name: "Green Thumb Landscaping" });
    await userEvent.click(actions().getByRole("button", { name: "Disconnect" }));
    const dialog = within(await screen.findByRole("dialog"));
    await waitFor(() => expect(dialog.getByText(/appDisconnect/)).toBeVisible());
    expect(dialog.getByText(/clears its local connection, tokens and synced data/)).toBeVisible();
    await userEvent.click(dialog.getByRole("button", { name: "Disconnect" }));

    expect(await screen.findByText("Disconnected; Jobber confirmed.")).toBeVisible();
    expect(calls.count).toBe(1);
    expect(await within(screen.getByTestId("install-metadata")).findByText(/by an operator$/)).toBeVisible();
    const entry = within(within(screen.getByTestId("install-timeline")).getByTestId("audit-entry"));
    expect(entry.getByText("Disconnected")).toBeVisible();
    expect(entry.getByText("Operator")).toBeVisible();
    for (const label of ["Sync now", "Full resync", "Disconnect"]) {
      expect(actions().getByRole("button", { name: label })).toBeDisabled();
    }
  });

  it("shows the server's error when an action fails", async () => {
    renderAdmin({
      route: ROUTE,
      mocks: [
        installMock(installDetail()),
        {
          request: { query: SyncInstallDocument, variables: { jobberAccountId: "acc-1", full: false } },
          result: { errors: [new GraphQLError("The install is not connected", { extensions: { code: "CONFLICT" } })] },
        },
      ],
    });
    await screen.findByRole("heading", { level: 1, name: "Green Thumb Landscaping" });
    await confirm("Sync now", /Sync Green Thumb Landscaping now\?/, "Sync now");
    expect(await screen.findByText("That didn't work: The install is not connected")).toBeVisible();
  });

  it("says when the app has never seen the account", async () => {
    renderAdmin({
      route: "/installs/nope",
      mocks: [{ request: installMock(null).request, result: { data: { install: null } } }].map((m) => ({
        ...m,
        request: { ...m.request, variables: { jobberAccountId: "nope" } },
      })),
    });
    expect(await screen.findByRole("heading", { level: 1, name: "Install not found" })).toBeVisible();
    expect(screen.getByText("The app has never seen a Jobber account with the id nope.")).toBeVisible();
  });
});
