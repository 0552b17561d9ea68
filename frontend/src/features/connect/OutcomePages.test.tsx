import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderApp } from "../../test/render";

describe("Denied page", () => {
  it("explains nothing was connected and offers to try again", async () => {
    const user = userEvent.setup();
    const { navigate } = renderApp({ route: "/denied" });

    expect(await screen.findByRole("heading", { level: 1, name: "Nothing was connected" })).toBeVisible();
    expect(screen.getByText(/You chose Deny in Jobber/)).toBeVisible();
    await waitFor(() => expect(document.title).toBe("Nothing was connected · Fieldsync"));
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(navigate).toHaveBeenCalledWith("/auth/jobber");
  });
});

describe("Connect error page", () => {
  it.each([
    ["invalid_code", /expired or was already used/],
    ["jobber_unavailable", /Jobber isn't responding/],
    ["something_else", /Something went wrong/],
    ["", /Something went wrong/],
  ])("explains reason %j", async (reason, message) => {
    const user = userEvent.setup();
    const { navigate } = renderApp({ route: `/connect-error?reason=${reason}` });

    expect(
      await screen.findByRole("heading", { level: 1, name: "We couldn't connect to Jobber" }),
    ).toBeVisible();
    expect(screen.getByText(message)).toBeVisible();
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(navigate).toHaveBeenCalledWith("/auth/jobber");
  });
});

describe("Unknown routes", () => {
  it("say the page was not found, with a title of their own", async () => {
    renderApp({ route: "/nope" });
    expect(await screen.findByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
    await waitFor(() => expect(document.title).toBe("Page not found · Fieldsync"));
  });
});
