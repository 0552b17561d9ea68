import { render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { clearSharedRequests } from "../app/request";
import { appInfo, presence, previousConnection } from "../test/fixtures";
import { stubShellFetch } from "../test/render";
import { subscriptionUrl } from "./fetcher";
import { SessionBar } from "./SessionBar";

function renderBar(shell: Record<string, unknown>) {
  clearSharedRequests();
  stubShellFetch(shell);
  render(<SessionBar />);
}

describe("playground session bar", () => {
  it("names the signed-in account", async () => {
    renderBar({ ConnectionPresence: presence("CONNECTED") });
    // The bar says "Checking your session…" first: wait for the answer, not for the element.
    await waitFor(() =>
      expect(screen.getByRole("status")).toHaveTextContent(
        "Signed in to Green Thumb Landscaping: requests here read and change its data.",
      ),
    );
    expect(screen.queryByRole("link", { name: /Connect|Sign in/ })).not.toBeInTheDocument();
  });

  it("without a session, says so and links to connecting through the sandbox", async () => {
    renderBar({ AppInfo: { appInfo: appInfo({ sandboxMode: true }) }, ConnectionPresence: presence(null) });
    expect(await screen.findByText("Not signed in")).toBeVisible();
    expect(screen.getByRole("link", { name: "Connect through the sandbox" })).toHaveAttribute("href", "/auth/jobber");
  });

  it("offers to sign in again to a connection that is still live", async () => {
    renderBar({ ConnectionPresence: presence(null, previousConnection({ status: "CONNECTED" })) });
    expect(await screen.findByRole("link", { name: "Sign in to Green Thumb Landscaping" })).toHaveAttribute(
      "href",
      "/auth/jobber",
    );
  });

  it("says when the API cannot be reached", async () => {
    renderBar({ ConnectionPresence: new Error("down") });
    await waitFor(() =>
      expect(screen.getByRole("status")).toHaveTextContent("Couldn't check your session (down)."),
    );
  });
});

describe("playground subscriptions", () => {
  it("use /graphql/ws on this host, secure when the page is", () => {
    expect(subscriptionUrl({ protocol: "http:", host: "127.0.0.1:8080" })).toBe("ws://127.0.0.1:8080/graphql/ws");
    expect(subscriptionUrl({ protocol: "https:", host: "app.example" })).toBe("wss://app.example/graphql/ws");
  });
});
