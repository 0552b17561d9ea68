import { lazy, Suspense } from "react";
import { Route, Routes } from "react-router-dom";
import { ConnectErrorPage } from "../features/connect/ConnectErrorPage";
import { ConnectPage } from "../features/connect/ConnectPage";
import { DeniedPage } from "../features/connect/DeniedPage";
import { NotFoundPage } from "../features/connect/NotFoundPage";
import { PageLoading } from "../features/shared/PageLoading";
import { AppLayout } from "./AppLayout";

// The Manage page (Apollo Client, live sync, data tables, search) is a chunk of its own, fetched
// only when /manage is visited. The Connect, Denied, error and 404 pages are small and share their
// few Atlantis components, so they ship in the entry chunk: one request instead of several on a
// slow network.
const ManagePage = lazy(() => import("../features/manage/ManageRoute"));

/** The SPA's routes. The backend serves index.html for every unknown GET, so any path lands here. */
export function App() {
  return (
    <Routes>
      <Route element={<AppLayout />}>
        <Route index element={<ConnectPage />} />
        <Route
          path="manage"
          element={
            <Suspense fallback={<PageLoading label="Loading your Jobber connection" />}>
              <ManagePage />
            </Suspense>
          }
        />
        <Route path="denied" element={<DeniedPage />} />
        <Route path="connect-error" element={<ConnectErrorPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
