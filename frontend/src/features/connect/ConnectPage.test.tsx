import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { ConnectionPresenceDocument } from "../../gql/graphql";
import { appInfoMock, connection, manageMock, presenceMock, webhooksMock } from "../../test/fixtures";
import { renderApp } from "../../test/render";

describe("Connect page", () => {
  it("shows a loading state while it checks the connection", () => {
    renderApp({ mocks: [appInfoMock(), presenceMock(null)] });
    expect(screen.getByRole("status")).toHaveTextContent("Checking your Jobber connection");
  });

  it("offers to connect when there is no connection", async () => {
    const user = userEvent.setup();
    const { navigate } = renderApp({ mocks: [appInfoMock(), presenceMock(null)] });

    expect(await screen.findByRole("heading", { level: 1, name: "Fieldsync" })).toBeVisible();
    await user.click(screen.getByRole("button", { name: "Connect to Jobber" }));
    expect(navigate).toHaveBeenCalledWith("/auth/jobber");
  });

  it("still offers to connect when the status check fails", async () => {
    renderApp({
      mocks: [
        appInfoMock(),
        {
          request: { query: ConnectionPresenceDocument },
          result: { errors: [new GraphQLError("down")] },
        },
      ],
    });
    expect(await screen.findByText(/couldn't check whether you're already connected/)).toBeVisible();
    expect(screen.getByRole("button", { name: "Connect to Jobber" })).toBeEnabled();
  });

  it("goes to the Manage page when already connected", async () => {
    renderApp({
      mocks: [appInfoMock(), presenceMock("CONNECTED"), manageMock(connection()), webhooksMock([])],
    });
    expect(
      await screen.findByRole("heading", { level: 1, name: "Green Thumb Landscaping" }),
    ).toBeVisible();
    expect(screen.getByTestId("current-path")).toHaveTextContent("/manage");
  });
});

describe("Footer", () => {
  it("shows the version and a Sandbox badge in sandbox mode", async () => {
    renderApp({ mocks: [appInfoMock(true), presenceMock(null)] });
    const footer = screen.getByRole("contentinfo");
    expect(await within(footer).findByText("Version 0.1.0")).toBeVisible();
    expect(within(footer).getByText("Sandbox")).toBeVisible();
  });

  it("has no Sandbox badge against real Jobber", async () => {
    renderApp({ mocks: [appInfoMock(false), presenceMock(null)] });
    const footer = screen.getByRole("contentinfo");
    expect(await within(footer).findByText("Version 0.1.0")).toBeVisible();
    expect(within(footer).queryByText("Sandbox")).not.toBeInTheDocument();
  });
});
