import { MockedProvider, type MockedResponse } from "@apollo/client/testing";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";
import { vi } from "vitest";
import { createCache } from "../app/apollo";
import { App } from "../app/App";
import { NavigationProvider } from "../app/navigation";
import { clearSharedRequests } from "../app/request";
import { ROUTER_FUTURE } from "../app/router";
import { appInfo } from "./fixtures";

/**
 * Answers for the plain-fetch GraphQL reads (`src/app/request.ts`), by operation name: data, or
 * an Error for a failed request. `AppInfo` defaults to `appInfo()`.
 */
export type ShellAnswers = Record<string, unknown>;

/** Replaces `fetch` with a fake `/graphql` that answers by operation name. */
export function stubShellFetch(answers: ShellAnswers = {}) {
  const all: ShellAnswers = { AppInfo: { appInfo: appInfo() }, ...answers };
  const fetchMock = vi.fn<typeof fetch>(async (_url, init) => {
    const { operationName } = JSON.parse(String(init?.body ?? "{}")) as { operationName?: string };
    const answer = operationName ? all[operationName] : undefined;
    if (answer === undefined) return Response.json({ errors: [{ message: `no answer for ${operationName}` }] });
    if (answer instanceof Error) return Response.json({ errors: [{ message: answer.message }] });
    return Response.json({ data: answer });
  });
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

/** Renders `ui` (default: the whole app) at `route` with mocked GraphQL and navigation. */
export function renderApp({
  route = "/",
  mocks = [],
  shell = {},
  ui = <App />,
  cache = createCache(),
}: {
  route?: string;
  /** Apollo (Manage page) answers. */
  mocks?: MockedResponse[];
  /** Plain-fetch answers (app info, Connect page). */
  shell?: ShellAnswers;
  ui?: ReactElement;
  /** Apollo's cache (a test that writes into it, as the sync subscription does, passes its own). */
  cache?: ReturnType<typeof createCache>;
} = {}) {
  clearSharedRequests();
  const fetchMock = stubShellFetch(shell);
  const navigate = vi.fn<(url: string) => void>();
  const result = render(
    <MockedProvider mocks={mocks} cache={cache}>
      <NavigationProvider navigate={navigate}>
        <MemoryRouter initialEntries={[route]} future={ROUTER_FUTURE}>
          {ui}
          <Routes>
            <Route path="*" element={<CurrentPath />} />
          </Routes>
        </MemoryRouter>
      </NavigationProvider>
    </MockedProvider>,
  );
  return { ...result, navigate, fetchMock };
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
