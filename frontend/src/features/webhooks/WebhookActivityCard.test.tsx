import type { MockedResponse } from "@apollo/client/testing";
import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { webhookEvent, webhooksErrorMock, webhooksMock } from "../../test/fixtures";
import { renderApp } from "../../test/render";
import { WebhookActivityCard } from "./WebhookActivityCard";

function renderCard(mock: MockedResponse) {
  return renderApp({ mocks: [mock], ui: <WebhookActivityCard pollInterval={0} /> });
}

describe("Recent activity", () => {
  it("shows a loading state", () => {
    renderCard(webhooksMock([]));
    expect(screen.getByRole("status")).toHaveTextContent("Loading recent activity");
  });

  it("has an empty state", async () => {
    renderCard(webhooksMock([]));
    expect(await screen.findByText("No updates from Jobber yet")).toBeVisible();
  });

  it("lists updates with human event names, relative times and plain statuses, without ids", async () => {
    renderCard(
      webhooksMock([
        webhookEvent(),
        webhookEvent({ id: "evt-2", topic: "INVOICE_UPDATE", status: "DEAD" }),
        webhookEvent({ id: "evt-3", topic: "SOMETHING_NEW", status: "IGNORED" }),
      ]),
    );

    const list = await screen.findByRole("list", { name: "Recent updates from Jobber" });
    const items = within(list).getAllByRole("listitem");
    expect(items).toHaveLength(3);
    expect(within(items[0]!).getByText("Client added")).toBeVisible();
    expect(within(items[0]!).getByText("Applied")).toBeVisible();
    expect(within(items[0]!).getByText(/ago$/)).toBeVisible();
    expect(within(items[1]!).getByText("Invoice updated")).toBeVisible();
    expect(within(items[1]!).getByText("Couldn't apply")).toBeVisible();
    expect(within(items[2]!).getByText("Something new")).toBeVisible();
    expect(screen.queryByText(/CLIENT_CREATE|evt-1/)).not.toBeInTheDocument();
  });

  it("shows an error with a retry", async () => {
    renderCard(webhooksErrorMock());
    expect(await screen.findByText("We couldn't load recent activity.")).toBeVisible();
    expect(screen.getByRole("button", { name: "Try again" })).toBeVisible();
  });
});
