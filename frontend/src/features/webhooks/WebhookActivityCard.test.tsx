import type { MockedResponse } from "@apollo/client/testing";
import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { webhookEvent, webhooksErrorMock, webhooksMock } from "../../test/fixtures";
import { renderApp } from "../../test/render";
import { WebhookActivityCard } from "./WebhookActivityCard";

function renderCard(mock: MockedResponse) {
  return renderApp({ mocks: [mock], ui: <WebhookActivityCard pollInterval={0} /> });
}

describe("Recent webhook activity", () => {
  it("shows a loading state", () => {
    renderCard(webhooksMock([]));
    expect(screen.getByRole("status")).toHaveTextContent("Loading webhook activity");
  });

  it("has an empty state", async () => {
    renderCard(webhooksMock([]));
    expect(await screen.findByText("No webhook deliveries yet")).toBeVisible();
    expect(screen.getByText("Recent webhook activity")).toBeVisible();
  });

  it("lists deliveries with their status, attempts and last error", async () => {
    renderCard(
      webhooksMock([
        webhookEvent(),
        webhookEvent({
          id: "evt-2",
          topic: "APP_DISCONNECT",
          itemId: "acc-1",
          status: "DEAD",
          attempts: 5,
          lastError: "Handler timed out",
        }),
      ]),
    );

    const table = await screen.findByRole("table");
    const rows = within(table).getAllByRole("row");
    expect(rows).toHaveLength(3);
    expect(within(rows[1]!).getByText("CLIENT_CREATE")).toBeVisible();
    expect(within(rows[1]!).getByText("client-42")).toBeVisible();
    expect(within(rows[1]!).getByText("Processed")).toBeVisible();
    expect(within(rows[2]!).getByText("APP_DISCONNECT")).toBeVisible();
    expect(within(rows[2]!).getByText("Gave up")).toBeVisible();
    expect(within(rows[2]!).getByText("5")).toBeVisible();
    expect(within(rows[2]!).getByText("Handler timed out")).toBeVisible();
  });

  it("shows an error with a retry", async () => {
    renderCard(webhooksErrorMock());
    expect(await screen.findByText("We couldn't load webhook activity.")).toBeVisible();
    expect(screen.getByRole("button", { name: "Try again" })).toBeVisible();
  });
});
