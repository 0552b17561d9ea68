import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { appInfo, connection, manageMock, presence, previousConnection, webhooksMock } from "../../test/fixtures";
import { renderApp } from "../../test/render";

describe("Connect page", () => {
  it("shows a loading state while it checks the connection", async () => {
    renderApp({ shell: { ConnectionPresence: presence(null) } });
    expect(screen.getByRole("status")).toHaveTextContent("Checking your Jobber connection");
  });

  it("says in one sentence what the app does, and offers to connect", async () => {
    const user = userEvent.setup();
    const { navigate } = renderApp({ shell: { ConnectionPresence: presence(null) } });

    expect(await screen.findByRole("heading", { level: 1, name: "Connect Fieldsync to Jobber" })).toBeVisible();
    expect(
      screen.getByText(/keeps a copy of your Jobber clients, properties, jobs, quotes and invoices in sync/),
    ).toBeVisible();
    await waitFor(() => expect(document.title).toBe("Connect to Jobber · Fieldsync"));
    await user.click(screen.getByRole("button", { name: "Connect to Jobber" }));
    expect(navigate).toHaveBeenCalledWith("/auth/jobber");
  });

  it("still offers to connect when the status check fails", async () => {
    renderApp({ shell: { ConnectionPresence: new Error("down") } });
    expect(await screen.findByText(/couldn't check whether you're already connected/)).toBeVisible();
    expect(screen.getByRole("button", { name: "Connect to Jobber" })).toBeEnabled();
  });

  it("offers to sign in, not to connect, when signed out of a live connection", async () => {
    const user = userEvent.setup();
    const { navigate } = renderApp({
      shell: { ConnectionPresence: presence(null, previousConnection({ status: "CONNECTED" })) },
    });
    expect(await screen.findByRole("heading", { level: 1, name: "You're signed out" })).toBeVisible();
    expect(screen.getByText(/Green Thumb Landscaping is still connected/)).toBeVisible();
    expect(screen.queryByRole("button", { name: "Connect to Jobber" })).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Sign in with Jobber" }));
    expect(navigate).toHaveBeenCalledWith("/auth/jobber");
  });

  it.each([
    ["JOBBER", /disconnected from Fieldsync in Jobber \(App Marketplace\) on /],
    ["MERCHANT", /^You disconnected Fieldsync from Green Thumb Landscaping's Jobber account on /],
    ["OPERATOR", /^Fieldsync support disconnected /],
  ] as const)("says once who ended the connection (%s) and when", async (by, sentence) => {
    renderApp({
      shell: {
        ConnectionPresence: presence(
          null,
          previousConnection({ status: "DISCONNECTED", disconnectedBy: by, disconnectedAt: "2025-12-01T20:04:00Z" }),
        ),
      },
    });
    expect(await screen.findByRole("heading", { level: 1, name: "Disconnected from Jobber" })).toBeVisible();
    expect(screen.getByText(sentence)).toBeVisible();
    expect(screen.getAllByText(/disconnected/i)).toHaveLength(2);
    expect(screen.getByRole("button", { name: "Connect again" })).toBeVisible();
  });

  it("goes to the Manage page when already connected", async () => {
    renderApp({
      shell: { ConnectionPresence: presence("CONNECTED") },
      mocks: [manageMock(connection()), webhooksMock([])],
    });
    expect(
      await screen.findByRole("heading", { level: 1, name: "Green Thumb Landscaping" }, { timeout: 3000 }),
    ).toBeVisible();
    expect(screen.getByTestId("current-path")).toHaveTextContent("/manage");
  });
});

describe("Header and footer", () => {
  it("show the app's name and logo, and help and privacy links when configured", async () => {
    renderApp({
      shell: {
        ConnectionPresence: presence(null),
        AppInfo: { appInfo: appInfo({ supportUrl: "https://help.example/", privacyUrl: "https://example/privacy" }) },
      },
    });
    const header = screen.getByRole("banner");
    expect(within(header).getByRole("link", { name: "Fieldsync" })).toHaveAttribute("href", "/");
    expect(await within(header).findByRole("link", { name: "Help & support" })).toHaveAttribute(
      "href",
      "https://help.example/",
    );
    expect(within(header).getByRole("link", { name: "Privacy" })).toHaveAttribute("href", "https://example/privacy");
  });

  it("hide the links that are not configured", async () => {
    renderApp({ shell: { ConnectionPresence: presence(null), AppInfo: { appInfo: appInfo({ supportUrl: "https://help.example/" }) } } });
    const header = screen.getByRole("banner");
    expect(await within(header).findByRole("link", { name: "Help & support" })).toBeVisible();
    expect(within(header).queryByRole("link", { name: "Privacy" })).not.toBeInTheDocument();
  });

  it("show the version and a Sandbox badge in sandbox mode", async () => {
    renderApp({ shell: { ConnectionPresence: presence(null), AppInfo: { appInfo: appInfo({ sandboxMode: true }) } } });
    const footer = screen.getByRole("contentinfo");
    expect(await within(footer).findByText("Fieldsync 0.1.0")).toBeVisible();
    expect(within(footer).getByText("Sandbox")).toBeVisible();
  });

  it("have no Sandbox badge against real Jobber", async () => {
    renderApp({ shell: { ConnectionPresence: presence(null) } });
    const footer = screen.getByRole("contentinfo");
    expect(await within(footer).findByText("Fieldsync 0.1.0")).toBeVisible();
    expect(within(footer).queryByText("Sandbox")).not.toBeInTheDocument();
  });
});
