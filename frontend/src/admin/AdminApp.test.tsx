import { ApolloProvider } from "@apollo/client";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it, vi } from "vitest";
import { ROUTER_FUTURE } from "../app/router";
import { AdminApp } from "./AdminApp";
import { createAdminClient } from "./apollo";
import { fleetMock, install, installsMock } from "./test/fixtures";
import { renderAdmin } from "./test/render";

const consoleMocks = () => [fleetMock(), installsMock([install()])];
const signedOut = { signedIn: false, tokenRequired: true };

async function typeToken(token: string) {
  const field = await screen.findByLabelText("Admin token");
  expect(field).toHaveAttribute("type", "password");
  await userEvent.clear(field);
  await userEvent.type(field, token);
  await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
}

describe("Signing in to the console", () => {
  it("asks for the token, says so when it is wrong, and opens the console with the right one", async () => {
    const { fetchMock } = renderAdmin({ session: signedOut, mocks: consoleMocks() });
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeVisible();
    await waitFor(() => expect(document.title).toBe("Operator console · Fieldsync operator console"));

    await typeToken("wrong-token");
    // The alert region is always in the page (so screen readers announce what appears in it):
    // wait for its text. The field's value follows one render later.
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("That is not the ADMIN_TOKEN."));
    // The token is not kept in the page.
    await waitFor(() => expect(screen.getByLabelText("Admin token")).toHaveValue(""));

    await typeToken("right-token");
    expect(await screen.findByRole("heading", { level: 1, name: "Installs" })).toBeVisible();
    expect(await screen.findByRole("link", { name: "Green Thumb Landscaping" })).toBeVisible();

    const post = fetchMock.mock.calls.filter(([, init]) => init?.method === "POST");
    expect(post).toHaveLength(2);
    expect(post[1]?.[0]).toBe("/admin/session");
    expect(post[1]?.[1]?.body).toBe(JSON.stringify({ token: "right-token" }));
    expect(new Headers(post[1]?.[1]?.headers).get("content-type")).toBe("application/json");
  });

  it("says to wait when sign-ins are rate-limited", async () => {
    renderAdmin({
      session: signedOut,
      signIn: () => new Response(null, { status: 429, headers: { "retry-after": "30" } }),
    });
    await typeToken("right-token");
    await waitFor(() =>
      expect(screen.getByRole("alert")).toHaveTextContent("Too many sign-in attempts. Wait 30 seconds and try again."),
    );
    expect(screen.getByRole("heading", { name: "Sign in" })).toBeVisible();
  });

  it("words a refusal itself when the server gives no reason", async () => {
    renderAdmin({ session: signedOut, signIn: () => new Response(null, { status: 401 }) });
    await typeToken("wrong-token");
    await waitFor(() =>
      expect(screen.getByRole("alert")).toHaveTextContent("That token was not accepted. Check ADMIN_TOKEN and try again."),
    );
  });

  it("says so when the browser did not keep the session cookie", async () => {
    const { server } = renderAdmin({ session: signedOut });
    // Accepted, but the next GET /admin/session still finds no session (a Secure cookie on http).
    server.keepsCookie = false;
    await typeToken("right-token");
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent(/didn't keep the session cookie/));
    expect(screen.getByRole("heading", { name: "Sign in" })).toBeVisible();
  });

  it("asks for the token before sending an empty one", async () => {
    const { fetchMock } = renderAdmin({ session: signedOut });
    await screen.findByLabelText("Admin token");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("Enter the admin token."));
    expect(fetchMock.mock.calls.some(([, init]) => init?.method === "POST")).toBe(false);
  });

  it("needs no sign-in when the operator configured no token, and offers no Sign out", async () => {
    renderAdmin({ session: { signedIn: false, tokenRequired: false }, mocks: consoleMocks() });
    expect(await screen.findByRole("heading", { level: 1, name: "Installs" })).toBeVisible();
    expect(screen.queryByRole("button", { name: "Sign out" })).not.toBeInTheDocument();
  });

  it("signs out and shows the sign-in form again", async () => {
    const { fetchMock } = renderAdmin({ mocks: consoleMocks() });
    await userEvent.click(await screen.findByRole("button", { name: "Sign out" }));
    expect(await screen.findByText("You signed out.")).toBeVisible();
    expect(screen.getByLabelText("Admin token")).toBeVisible();
    expect(fetchMock).toHaveBeenCalledWith("/admin/logout", expect.objectContaining({ method: "POST" }));
  });

  it("says so when the server can't be reached, with a retry", async () => {
    vi.stubGlobal("fetch", vi.fn<typeof fetch>(async () => Promise.reject(new TypeError("Failed to fetch"))));
    render(
      <MemoryRouter future={ROUTER_FUTURE}>
        <ApolloProvider client={createAdminClient()}>
          <AdminApp pollInterval={0} />
        </ApolloProvider>
      </MemoryRouter>,
    );
    expect(await screen.findByText(/couldn't reach the server/)).toBeVisible();
    expect(screen.getByRole("button", { name: "Try again" })).toBeVisible();
  });

  it("goes back to the sign-in form when the admin API answers 401 (the session expired)", async () => {
    const fetchMock = vi.fn<typeof fetch>(async (input) => {
      const url = String(input);
      if (url === "/admin/session") return Response.json({ signedIn: true, tokenRequired: true });
      // The admin API without a session.
      return Response.json({ error: "sign in first" }, { status: 401 });
    });
    vi.stubGlobal("fetch", fetchMock);
    render(
      <MemoryRouter future={ROUTER_FUTURE}>
        <ApolloProvider client={createAdminClient()}>
          <AdminApp pollInterval={0} />
        </ApolloProvider>
      </MemoryRouter>,
    );
    expect(await screen.findByText("Your console session ended. Sign in again to continue.")).toBeVisible();
    expect(screen.getByLabelText("Admin token")).toBeVisible();
    expect(fetchMock.mock.calls.some(([url]) => String(url) === "/admin/graphql")).toBe(true);
  });
});
