import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { fleet, fleetMock, install, installDetail, installMock, installsMock } from "./test/fixtures";
import { renderAdmin } from "./test/render";

const names = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => install({ jobberAccountId: `${prefix}-${i + 1}`, name: `${prefix} ${i + 1}` }));

const table = () => within(screen.getByRole("table", { name: "Installs, problems first" }));
const path = () => screen.getByTestId("current-path");

describe("Installs list", () => {
  it("shows each install's status, problems, syncs, webhooks and last error, linking to its page", async () => {
    const broken = install({
      jobberAccountId: "acc-9",
      name: "Broken Pipes Ltd",
      status: "NEEDS_REAUTH",
      problems: ["NEEDS_REAUTH", "DEAD_LETTERS"],
      webhooksPending: 4,
      webhooksDead: 2,
      lastError: "Jobber refused the refresh token",
    });
    renderAdmin({ mocks: [fleetMock(), installsMock([broken, install()]), installMock(installDetail(broken))] });

    const row = within(await screen.findByTestId("install-acc-9"));
    expect(row.getByRole("link", { name: "Broken Pipes Ltd" })).toBeVisible();
    expect(row.getByText("acc-9")).toBeVisible();
    expect(row.getByText("Needs reconnect")).toBeVisible();
    expect(row.getByText("Merchant must reconnect")).toBeVisible();
    expect(row.getByText("Dead letters")).toBeVisible();
    expect(row.getByText("4 pending")).toBeVisible();
    expect(row.getByText("2 dead")).toBeVisible();
    expect(row.getByText("Jobber refused the refresh token")).toBeVisible();
    expect(row.getByText("Invoices")).toBeVisible();
    expect(within(screen.getByTestId("install-acc-1")).getByText("None")).toBeVisible();
    expect(screen.getByText("1–2 of 2 installs")).toBeVisible();

    await userEvent.click(row.getByRole("link", { name: "Broken Pipes Ltd" }));
    expect(path()).toHaveTextContent("/installs/acc-9");
    expect(await screen.findByRole("heading", { level: 1, name: "Broken Pipes Ltd" })).toBeVisible();
  });

  it("pages forward with nextCursor and back through the cursors it kept", async () => {
    renderAdmin({
      mocks: [
        fleetMock(),
        // Two rows a page are enough to follow the cursors (and keep the test fast).
        installsMock(names("First", 2), { nextCursor: "c1", totalCount: 60 }),
        installsMock(names("Second", 2), { after: "c1", nextCursor: "c2", totalCount: 60 }),
        installsMock(names("Third", 1), { after: "c2", totalCount: 60 }),
      ],
    });
    expect(await screen.findByText("1–2 of 60 installs")).toBeVisible();
    expect(screen.getByRole("button", { name: "Previous page" })).toBeDisabled();

    await userEvent.click(screen.getByRole("button", { name: "Next page" }));
    expect(await screen.findByText("26–27 of 60 installs")).toBeVisible();
    expect(table().getByRole("link", { name: "Second 1" })).toBeVisible();
    await userEvent.click(screen.getByRole("button", { name: "Next page" }));
    expect(await screen.findByText("51–51 of 60 installs")).toBeVisible();
    expect(screen.getByRole("button", { name: "Next page" })).toBeDisabled();
    expect(path()).toHaveAttribute("data-search", "?after=c1&after=c2");

    await userEvent.click(screen.getByRole("button", { name: "Previous page" }));
    expect(await screen.findByText("26–27 of 60 installs")).toBeVisible();
    await userEvent.click(screen.getByRole("button", { name: "Previous page" }));
    expect(await screen.findByText("1–2 of 60 installs")).toBeVisible();
    expect(table().getByRole("link", { name: "First 1" })).toBeVisible();
  });

  it("filters by status from the first page", async () => {
    renderAdmin({
      route: "/?after=c1",
      mocks: [
        fleetMock(),
        installsMock(names("Second", 2), { after: "c1", totalCount: 27 }),
        installsMock([install({ name: "Gone Gardens", status: "DISCONNECTED" })], { status: "DISCONNECTED" }),
      ],
    });
    expect(await screen.findByText("26–27 of 27 installs")).toBeVisible();
    await userEvent.selectOptions(screen.getByLabelText("Status"), "DISCONNECTED");
    expect(await table().findByRole("link", { name: "Gone Gardens" })).toBeVisible();
    expect(screen.getByText("1–1 of 1 install")).toBeVisible();
    expect(path()).toHaveAttribute("data-search", "?status=DISCONNECTED");
  });

  it("searches by name or account id, and says when nothing matches", async () => {
    renderAdmin({
      mocks: [
        fleetMock(),
        installsMock(names("Any", 3)),
        installsMock([install({ name: "Green Thumb Landscaping" })], { search: "green" }),
        installsMock([], { search: "nobody" }),
      ],
    });
    await screen.findByText("1–3 of 3 installs");
    const search = screen.getByLabelText("Search by name or Jobber account id");
    await userEvent.type(search, "green");
    expect(await table().findByRole("link", { name: "Green Thumb Landscaping" })).toBeVisible();
    expect(path()).toHaveAttribute("data-search", "?q=green");

    await userEvent.clear(search);
    await userEvent.type(search, "nobody");
    expect(await screen.findByText("No installs match this search and filter.")).toBeVisible();
  });

  it("shows fleet health, and every versioning warning prominently", async () => {
    renderAdmin({
      mocks: [
        fleetMock(
          fleet({
            versioningWarnings: [
              {
                __typename: "VersioningWarning",
                message: "Version 2025-01-20 is no longer supported; 2025-04-16 was used instead.",
                servedVersion: "2025-04-16",
                firstSeenAt: "2026-03-01T10:00:00Z",
                lastSeenAt: "2026-03-04T10:00:00Z",
              },
            ],
          }),
        ),
        installsMock([install()]),
      ],
    });
    const health = within(await screen.findByTestId("fleet-health"));
    expect(health.getByText("Connected: 12")).toBeVisible();
    expect(health.getByText("Needs reconnect: 1")).toBeVisible();
    expect(health.getByText("Degraded: 0")).toBeVisible();
    expect(health.getByText("13 installs")).toBeVisible();
    expect(health.getByText("Inbox pending").nextElementSibling).toHaveTextContent(/^3oldest/);
    expect(health.getByText("Dead letters").nextElementSibling).toHaveTextContent("2");
    expect(health.getByText("1.4 ms / 8.3 ms")).toBeVisible();
    expect(health.getByText("Syncs due").nextElementSibling).toHaveTextContent("4");
    expect(health.getByText("2025-04-16")).toBeVisible();

    const warnings = within(screen.getByTestId("versioning-warnings"));
    expect(warnings.getByText(/Jobber sent 1 versioning warning for API version 2025-04-16/)).toBeVisible();
    expect(warnings.getByText(/no longer supported/)).toBeVisible();
    expect(warnings.getByText(/Served version 2025-04-16/)).toBeVisible();
    await waitFor(() => expect(document.title).toBe("Installs · Fieldsync operator console"));
  });

  it("has no warnings banner when Jobber sent none", async () => {
    renderAdmin({ mocks: [fleetMock(), installsMock([install()])] });
    await screen.findByTestId("fleet-health");
    expect(screen.queryByTestId("versioning-warnings")).not.toBeInTheDocument();
    expect(screen.getByText("no versioning warnings")).toBeVisible();
  });
});
