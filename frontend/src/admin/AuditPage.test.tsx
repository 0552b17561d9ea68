import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { auditEntry, auditMock } from "./test/fixtures";
import { renderAdmin } from "./test/render";

const entries = (from: number, n: number, accountId = "acc-1") =>
  Array.from({ length: n }, (_, i) =>
    auditEntry({ id: String(from - i), jobberAccountId: accountId, detail: `Entry ${from - i}` }),
  );

describe("Audit log", () => {
  it("lists entries newest first and loads older ones below", async () => {
    renderAdmin({
      route: "/audit",
      mocks: [auditMock(entries(100, 50), { nextCursor: "older" }), auditMock(entries(50, 3), { after: "older" })],
    });
    expect(await screen.findByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
    expect(await screen.findByText("Newest 50 entries")).toBeVisible();
    const rows = () => screen.getAllByTestId("audit-entry");
    expect(within(rows()[0]!).getByText("Entry 100")).toBeVisible();
    expect(within(rows()[0]!).getByRole("link", { name: "Green Thumb Landscaping" })).toHaveAttribute(
      "href",
      "/admin/installs/acc-1",
    );

    await userEvent.click(screen.getByRole("button", { name: "Load older" }));
    expect(await screen.findByText("All 53 entries")).toBeVisible();
    expect(rows()).toHaveLength(53);
    expect(within(rows()[52]!).getByText("Entry 48")).toBeVisible();
    expect(screen.queryByRole("button", { name: "Load older" })).not.toBeInTheDocument();
  });

  it("filters by account id, from the URL and from the field", async () => {
    renderAdmin({
      route: "/audit?account=acc-2",
      mocks: [
        auditMock(entries(10, 2, "acc-2"), { jobberAccountId: "acc-2" }),
        auditMock([], { jobberAccountId: "acc-3" }),
        auditMock(
          [auditEntry({ id: "1", jobberAccountId: null, accountName: null, kind: "KEYS_ROTATED", actor: "SYSTEM", actorName: null, detail: "Re-encrypted 3 connections" })],
        ),
      ],
    });
    expect(await screen.findByText("All 2 entries")).toBeVisible();
    const field = screen.getByLabelText("Filter by Jobber account id");
    expect(field).toHaveValue("acc-2");

    await userEvent.clear(field);
    await userEvent.type(field, "acc-3");
    expect(await screen.findByText("No entries for account acc-3.")).toBeVisible();

    await userEvent.clear(field);
    const row = within(await screen.findByTestId("audit-entry"));
    expect(row.getByText("Whole fleet")).toBeVisible();
    expect(row.getByText("Keys rotated")).toBeVisible();
    expect(row.getByText("System")).toBeVisible();
    await waitFor(() => expect(screen.getByTestId("current-path")).toHaveAttribute("data-search", ""));
  });
});
