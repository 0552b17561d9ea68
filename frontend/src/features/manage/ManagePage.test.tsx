import type { MockedResponse } from "@apollo/client/testing";
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DisconnectDocument } from "../../gql/graphql";
import {
  appInfoMock,
  connection,
  disconnectMock,
  manageErrorMock,
  manageMock,
  webhooksMock,
} from "../../test/fixtures";
import { renderApp } from "../../test/render";
import { ManagePage } from "./ManagePage";

function renderManage(mocks: MockedResponse[], pollInterval = 0) {
  return renderApp({
    route: "/manage",
    mocks: [appInfoMock(), webhooksMock([]), ...mocks],
    ui: <ManagePage pollInterval={pollInterval} />,
  });
}

const accountHeading = () =>
  screen.findByRole("heading", { level: 1, name: "Green Thumb Landscaping" });

afterEach(() => vi.unstubAllGlobals());

describe("Manage page", () => {
  it("shows a loading state first", () => {
    renderManage([manageMock(connection())]);
    expect(screen.getByRole("status")).toHaveTextContent("Loading your Jobber connection");
  });

  it("shows an error with a retry when the connection can't be loaded", async () => {
    renderManage([manageErrorMock(), manageMock(connection())]);
    expect(await screen.findByText(/couldn't load your Jobber connection/)).toBeVisible();

    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(await accountHeading()).toBeVisible();
  });

  it("renders the Connect page in place when there is no connection", async () => {
    const { navigate } = renderManage([manageMock(null)]);
    await userEvent.click(await screen.findByRole("button", { name: "Connect to Jobber" }));
    expect(navigate).toHaveBeenCalledWith("/auth/jobber");
    expect(screen.getByTestId("current-path")).toHaveTextContent("/manage");
  });

  it("renders the Connect page when the session is gone", async () => {
    renderManage([manageErrorMock("UNAUTHENTICATED")]);
    expect(await screen.findByRole("button", { name: "Connect to Jobber" })).toBeVisible();
  });

  it("shows the account, its details and a healthy status", async () => {
    renderManage([manageMock(connection({ lastRefreshAt: "2025-03-04T14:35:00Z" }))]);

    expect(await accountHeading()).toBeVisible();
    expect(screen.getByText("Connected")).toBeVisible();
    expect(screen.getByText("Gail Green (gail@example.com)")).toBeVisible();
    const connectedAt = screen.getByText((_, el) => el?.getAttribute("datetime") === "2025-03-04T14:05:00Z");
    expect(connectedAt.tagName).toBe("TIME");
    expect(connectedAt.textContent).toMatch(/2025/);
    expect(screen.queryByRole("button", { name: "Reconnect" })).not.toBeInTheDocument();
  });

  it.each([
    ["CONNECTED", "Connected"],
    ["DEGRADED", "Degraded"],
    ["NEEDS_REAUTH", "Needs reconnection"],
    ["DISCONNECTED", "Disconnected"],
  ] as const)("labels status %s as %j", async (status, label) => {
    renderManage([manageMock(connection({ status }))]);
    expect(await accountHeading()).toBeVisible();
    expect(screen.getByText(label, { exact: true })).toBeVisible();
  });

  it("asks to reconnect when Jobber needs it", async () => {
    const { navigate } = renderManage([manageMock(connection({ status: "NEEDS_REAUTH" }))]);
    expect(await screen.findByText("Jobber needs you to reconnect")).toBeVisible();
    await userEvent.click(screen.getByRole("button", { name: "Reconnect" }));
    expect(navigate).toHaveBeenCalledWith("/auth/jobber");
  });

  it("explains a degraded connection with the last error", async () => {
    renderManage([
      manageMock(connection({ status: "DEGRADED", lastError: "Jobber is rate limiting requests" })),
    ]);
    expect(await screen.findByText("Jobber is rate limiting requests")).toBeVisible();
  });

  it("disconnects through the confirmation modal", async () => {
    const user = userEvent.setup();
    renderManage([
      manageMock(connection()),
      disconnectMock({
        disconnected: true,
        jobberConfirmed: false,
        message: "Disconnected. Jobber was unreachable.",
      }),
    ]);
    await user.click(await screen.findByRole("button", { name: "Disconnect" }));

    const dialog = await screen.findByRole("dialog");
    // The modal fades in (framer-motion), so assert presence rather than visibility.
    expect(within(dialog).getByText("Disconnect from Jobber?")).toBeInTheDocument();
    expect(within(dialog).getByText(/tokens and all data it synced/)).toBeInTheDocument();
    await user.click(within(dialog).getByRole("button", { name: "Disconnect" }));

    expect(
      await screen.findByRole("heading", { level: 1, name: "Disconnected from Jobber" }),
    ).toBeVisible();
    expect(screen.getByText("Disconnected. Jobber was unreachable.")).toBeVisible();
    expect(screen.getByText(/Jobber couldn't be reached/)).toBeVisible();
    expect(screen.getByRole("button", { name: "Connect again" })).toBeVisible();
  });

  it("keeps the connection when the modal is cancelled", async () => {
    const user = userEvent.setup();
    renderManage([manageMock(connection())]);
    await user.click(await screen.findByRole("button", { name: "Disconnect" }));
    await user.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Cancel" }));

    expect(screen.queryByText("Disconnected from Jobber")).not.toBeInTheDocument();
    expect(await accountHeading()).toBeVisible();
  });

  it("says so when the disconnect mutation fails", async () => {
    const user = userEvent.setup();
    renderManage([
      manageMock(connection()),
      { request: { query: DisconnectDocument }, error: new Error("Network down") },
    ]);
    await user.click(await screen.findByRole("button", { name: "Disconnect" }));
    await user.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Disconnect" }));

    expect(await screen.findByText(/couldn't disconnect from Jobber: Network down/)).toBeVisible();
    expect(await accountHeading()).toBeVisible();
  });

  it("shows the disconnected view when polling finds the connection gone", async () => {
    const { navigate } = renderManage(
      [manageMock(connection(), { maxUsageCount: 1 }), manageMock(null)],
      20,
    );
    expect(await accountHeading()).toBeVisible();

    expect(
      await screen.findByRole("heading", { level: 1, name: "Disconnected from Jobber" }, { timeout: 3000 }),
    ).toBeVisible();
    expect(screen.getByText(/App Marketplace/)).toBeVisible();
    await userEvent.click(screen.getByRole("button", { name: "Connect again" }));
    expect(navigate).toHaveBeenCalledWith("/auth/jobber");
  });

  it("shows the disconnected view when the session ends while connected", async () => {
    renderManage([manageMock(connection(), { maxUsageCount: 1 }), manageErrorMock("UNAUTHENTICATED")], 20);
    expect(await accountHeading()).toBeVisible();
    expect(
      await screen.findByRole("heading", { level: 1, name: "Disconnected from Jobber" }, { timeout: 3000 }),
    ).toBeVisible();
  });

  it("keeps showing the last known connection when a poll fails", async () => {
    renderManage([manageMock(connection(), { maxUsageCount: 1 }), manageErrorMock()], 20);
    expect(await accountHeading()).toBeVisible();
    expect(await screen.findByText(/couldn't refresh the connection status/, {}, { timeout: 3000 })).toBeVisible();
    expect(screen.getByRole("heading", { level: 1, name: "Green Thumb Landscaping" })).toBeVisible();
  });

  it("logs out and returns to the start", async () => {
    const fetchMock = vi.fn<typeof fetch>().mockResolvedValue(new Response(null, { status: 204 }));
    vi.stubGlobal("fetch", fetchMock);
    const { navigate } = renderManage([manageMock(connection())]);

    await userEvent.click(await screen.findByRole("button", { name: "Log out" }));

    expect(fetchMock).toHaveBeenCalledWith("/auth/logout", expect.objectContaining({ method: "POST" }));
    await vi.waitFor(() => expect(navigate).toHaveBeenCalledWith("/"));
  });

  it("says so when logging out fails", async () => {
    vi.stubGlobal("fetch", vi.fn<typeof fetch>().mockRejectedValue(new TypeError("offline")));
    const { navigate } = renderManage([manageMock(connection())]);

    await userEvent.click(await screen.findByRole("button", { name: "Log out" }));

    expect(await screen.findByText(/couldn't log you out/)).toBeVisible();
    expect(navigate).not.toHaveBeenCalled();
  });
});
