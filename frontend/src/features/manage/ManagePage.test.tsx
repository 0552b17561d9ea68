import type { MockedResponse } from "@apollo/client/testing";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DisconnectDocument } from "../../gql/graphql";
import {
  connection,
  disconnectMock,
  manageErrorMock,
  manageMock,
  previousConnection,
  webhooksMock,
} from "../../test/fixtures";
import { renderApp } from "../../test/render";
import { ManagePage } from "./ManagePage";

function renderManage(mocks: MockedResponse[], pollInterval = 0) {
  return renderApp({
    route: "/manage",
    mocks: [webhooksMock([]), ...mocks],
    ui: <ManagePage pollInterval={pollInterval} />,
  });
}

const accountHeading = () =>
  screen.findByRole("heading", { level: 1, name: "Green Thumb Landscaping" });

afterEach(() => vi.unstubAllGlobals());

const section = (testId: string) => within(screen.getByTestId(testId));

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

  it("offers to sign in when the browser has no session but the connection is live", async () => {
    renderManage([manageMock(null, undefined, previousConnection({ status: "CONNECTED" }))]);
    expect(await screen.findByRole("button", { name: "Sign in with Jobber" })).toBeVisible();
    expect(screen.queryByRole("button", { name: "Connect to Jobber" })).not.toBeInTheDocument();
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
    await waitFor(() => expect(document.title).toBe("Green Thumb Landscaping · Manage · Fieldsync"));
    const connectionSection = section("connection-section");
    expect(connectionSection.getByText(/connected to Green Thumb Landscaping's Jobber account by Gail Green since/)).toBeVisible();
    const connectedAt = connectionSection.getByText((_, el) => el?.getAttribute("datetime") === "2025-03-04T14:05:00Z");
    expect(connectedAt.tagName).toBe("TIME");
    expect(connectedAt.textContent).toMatch(/2025/);
    expect(screen.queryByRole("button", { name: "Reconnect" })).not.toBeInTheDocument();
    // Token details are for support, behind a collapsed section, in words that aren't about the data sync.
    expect(screen.queryByText(/token/i)).not.toBeInTheDocument();
    expect(screen.getByText("Details for support")).toBeVisible();
    expect(screen.getByText("Current access valid until")).not.toBeVisible();
  });

  it.each([
    ["CONNECTED", "Connected"],
    ["DEGRADED", "Connected · Jobber having trouble"],
    ["NEEDS_REAUTH", "Reconnect needed"],
    ["DISCONNECTED", "Disconnected"],
  ] as const)("labels status %s as %j", async (status, label) => {
    renderManage([manageMock(connection({ status }))]);
    expect(await accountHeading()).toBeVisible();
    expect(screen.getByText(label, { exact: true })).toBeVisible();
  });

  it("offers Reconnect, in plain words, when Jobber no longer accepts the connection", async () => {
    const { navigate } = renderManage([
      manageMock(connection({ status: "NEEDS_REAUTH", problem: "RECONNECT_REQUIRED" })),
    ]);
    expect(await screen.findByText(/Jobber no longer accepts Fieldsync's connection/)).toBeVisible();
    expect(screen.queryByText(/token|endpoint/i)).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Reconnect" }));
    expect(navigate).toHaveBeenCalledWith("/auth/jobber");
  });

  it("says when updates from Jobber arrive late and how often it checks instead", async () => {
    renderManage([
      manageMock(
        connection({ webhookHealth: { __typename: "WebhookHealth", status: "MISSING", catchUpIntervalSeconds: 120 } }),
      ),
    ]);
    expect(
      await screen.findByText("Updates from Jobber are arriving late; Fieldsync is checking every 2 minutes instead."),
    ).toBeVisible();
    expect(screen.queryByRole("button", { name: "Reconnect" })).not.toBeInTheDocument();
  });

  it("says nothing about webhooks while they arrive or there is too little to judge", async () => {
    renderManage([
      manageMock(
        connection({ webhookHealth: { __typename: "WebhookHealth", status: "UNKNOWN", catchUpIntervalSeconds: 120 } }),
      ),
    ]);
    expect(await accountHeading()).toBeVisible();
    expect(screen.queryByText(/arriving late/)).not.toBeInTheDocument();
  });

  it("says when it retries while Jobber is having trouble, with nothing to do", async () => {
    const retryAt = "2025-03-04T19:15:00Z";
    renderManage([
      manageMock(
        connection({
          status: "DEGRADED",
          problem: "JOBBER_UNAVAILABLE",
          retryAt,
          sync: { ...connection().sync, state: "RETRYING", problem: "JOBBER_UNAVAILABLE", retryAt },
        }),
      ),
    ]);
    const time = new Intl.DateTimeFormat(undefined, { timeStyle: "short" }).format(new Date(retryAt));
    expect(await screen.findByText(`Jobber is having trouble — we'll retry at ${time}. There's nothing you need to do.`)).toBeVisible();
    expect(screen.queryByRole("button", { name: "Reconnect" })).not.toBeInTheDocument();
    expect(section("sync-summary").getByText("Waiting to retry")).toBeVisible();
  });

  it("shows one freshness summary", async () => {
    renderManage([manageMock(connection())]);
    expect(await accountHeading()).toBeVisible();
    const summary = section("sync-summary");
    expect(summary.getByText("Up to date")).toBeVisible();
    expect(summary.getByText(/^synced/)).toBeVisible();
    expect(summary.getByText(/^next check/)).toBeVisible();
    const synced = summary.getByText((_, el) => el?.tagName === "TIME" && el.getAttribute("datetime") === "2025-03-04T14:06:00Z");
    // The exact time is the relative time's description (and tooltip), reachable by keyboard.
    expect(synced).toHaveAttribute("tabindex", "0");
    expect(synced.getAttribute("aria-description")).toMatch(/2025/);
  });

  it("puts Disconnect last: after Sync now in the tab order", async () => {
    renderManage([manageMock(connection())]);
    expect(await accountHeading()).toBeVisible();
    const buttons = screen.getAllByRole("button").map((b) => b.textContent);
    expect(buttons.indexOf("Disconnect")).toBe(buttons.length - 1);
    expect(buttons.indexOf("Sync now")).toBeLessThan(buttons.indexOf("Disconnect"));
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
    expect(within(dialog).getByText(/delete all the data it synced/)).toBeInTheDocument();
    await user.click(within(dialog).getByRole("button", { name: "Disconnect" }));

    expect(
      await screen.findByRole("heading", { level: 1, name: "Disconnected from Jobber" }),
    ).toBeVisible();
    // Said once: the heading, then one sentence that does not repeat it.
    expect(screen.getByText(/^You disconnected Fieldsync from Green Thumb Landscaping's Jobber account on /)).toBeVisible();
    expect(screen.getAllByText(/disconnected/i)).toHaveLength(2);
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

    expect(await screen.findByText(/couldn't disconnect from Jobber/)).toBeVisible();
    expect(await accountHeading()).toBeVisible();
  });

  it("shows the disconnected view when polling finds the connection gone", async () => {
    const { navigate } = renderManage(
      [
        manageMock(connection(), { maxUsageCount: 1 }),
        manageMock(
          null,
          undefined,
          previousConnection({ status: "DISCONNECTED", disconnectedBy: "JOBBER", disconnectedAt: "2025-03-04T15:00:00Z" }),
        ),
      ],
      20,
    );
    expect(await accountHeading()).toBeVisible();

    expect(
      await screen.findByRole("heading", { level: 1, name: "Disconnected from Jobber" }, { timeout: 3000 }),
    ).toBeVisible();
    expect(screen.getByText(/in Jobber \(App Marketplace\) on /)).toBeVisible();
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
    const { navigate } = renderManage([manageMock(connection())]);
    const fetchMock = vi.fn<typeof fetch>().mockResolvedValue(new Response(null, { status: 204 }));
    vi.stubGlobal("fetch", fetchMock);

    await userEvent.click(await screen.findByRole("button", { name: "Log out" }));

    expect(fetchMock).toHaveBeenCalledWith("/auth/logout", expect.objectContaining({ method: "POST" }));
    await vi.waitFor(() => expect(navigate).toHaveBeenCalledWith("/"));
  });

  it("says so when logging out fails", async () => {
    const { navigate } = renderManage([manageMock(connection())]);
    vi.stubGlobal("fetch", vi.fn<typeof fetch>().mockRejectedValue(new TypeError("offline")));

    await userEvent.click(await screen.findByRole("button", { name: "Log out" }));

    expect(await screen.findByText(/couldn't log you out/)).toBeVisible();
    expect(navigate).not.toHaveBeenCalled();
  });
});
