import { MockedProvider, type MockedResponse } from "@apollo/client/testing";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";
import { vi } from "vitest";
import { createCache } from "../app/apollo";
import { App } from "../app/App";
import { NavigationProvider } from "../app/navigation";
import { ROUTER_FUTURE } from "../app/router";

/** Renders `ui` (default: the whole app) at `route` with mocked GraphQL and navigation. */
export function renderApp({
  route = "/",
  mocks = [],
  ui = <App />,
}: {
  route?: string;
  mocks?: MockedResponse[];
  ui?: ReactElement;
} = {}) {
  const navigate = vi.fn<(url: string) => void>();
  const result = render(
    <MockedProvider mocks={mocks} cache={createCache()}>
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
  return { ...result, navigate };
}

/** Exposes the router's path so tests can assert client-side redirects. */
function CurrentPath() {
  const location = useLocation();
  return <div hidden data-testid="current-path">{location.pathname}</div>;
}
