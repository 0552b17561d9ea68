import { MockedProvider, type MockedResponse } from "@apollo/client/testing";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";
import { vi } from "vitest";
import { ROUTER_FUTURE } from "../../app/router";
import { AdminApp } from "../AdminApp";
import { createAdminCache } from "../apollo";
import { ADMIN_BASE } from "../routes";
import type { AdminSession } from "../session";

export interface FakeServer {
  session: AdminSession;
  /** What `POST /admin/session` answers for a token (default: 204 for "right-token", 401 else). */
  signIn?: (token: string) => Response;
  /** False: the browser drops the session cookie (a Secure cookie over plain http). */
  keepsCookie?: boolean;
}

/** A fake admin listener for the session routes (GraphQL goes through MockedProvider). */
export function stubAdminFetch(server: FakeServer) {
  const fetchMock = vi.fn<typeof fetch>(async (input, init) => {
    const url = String(input);
    const method = init?.method ?? "GET";
    if (url === "/admin/session" && method === "GET") return Response.json(server.session);
    if (url === "/admin/session" && method === "POST") {
      const { token } = JSON.parse(String(init?.body)) as { token: string };
      const answer =
        server.signIn?.(token) ??
        (token === "right-token"
          ? new Response(null, { status: 204 })
          : Response.json({ error: "That is not the ADMIN_TOKEN." }, { status: 401 }));
      if (answer.ok) server.session = { ...server.session, signedIn: server.keepsCookie !== false };
      return answer;
    }
    if (url === "/admin/logout" && method === "POST") {
      server.session = { ...server.session, signedIn: false };
      return new Response(null, { status: 204 });
    }
    return new Response("not found", { status: 404 });
  });
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

/** Renders the console at `/admin<route>` with mocked GraphQL, signed in unless told otherwise. */
export function renderAdmin({
  route = "/",
  mocks = [],
  session = { signedIn: true, tokenRequired: true },
  signIn,
  ui = <AdminApp pollInterval={0} />,
}: {
  route?: string;
  mocks?: MockedResponse[];
  session?: AdminSession;
  signIn?: FakeServer["signIn"];
  ui?: ReactElement;
} = {}) {
  const server: FakeServer = { session, signIn };
  const fetchMock = stubAdminFetch(server);
  const result = render(
    <MockedProvider mocks={mocks} cache={createAdminCache()}>
      <MemoryRouter basename={ADMIN_BASE} initialEntries={[`${ADMIN_BASE}${route === "/" ? "" : route}`]} future={ROUTER_FUTURE}>
        {ui}
        <Routes>
          <Route path="*" element={<CurrentPath />} />
        </Routes>
      </MemoryRouter>
    </MockedProvider>,
  );
  return { ...result, fetchMock, server };
}

/** Exposes the router's path and query so tests can assert client-side navigation. */
function CurrentPath() {
  const location = useLocation();
  return (
    <div hidden data-testid="current-path" data-search={location.search}>
      {location.pathname}
    </div>
  );
}
