import { lazy, Suspense } from "react";
import { Route, Routes } from "react-router-dom";
import { PageLoading } from "../features/shared/PageLoading";
import { AppLayout } from "./AppLayout";

// One chunk per route, so the Connect page never downloads the Manage page's tables, modal and
// sync code (and the other way round).
const ConnectPage = lazy(() => import("../features/connect/ConnectPage"));
const ManagePage = lazy(() => import("../features/manage/ManageRoute"));
const DeniedPage = lazy(() => import("../features/connect/DeniedPage"));
const ConnectErrorPage = lazy(() => import("../features/connect/ConnectErrorPage"));
const NotFoundPage = lazy(() => import("../features/connect/NotFoundPage"));

/** The SPA's routes. The backend serves index.html for every unknown GET, so any path lands here. */
export function App() {
  return (
    <Routes>
      <Route element={<AppLayout />}>
        <Route index element={<Lazy page={<ConnectPage />} />} />
        <Route path="manage" element={<Lazy page={<ManagePage />} />} />
        <Route path="denied" element={<Lazy page={<DeniedPage />} />} />
        <Route path="connect-error" element={<Lazy page={<ConnectErrorPage />} />} />
        <Route path="*" element={<Lazy page={<NotFoundPage />} />} />
      </Route>
    </Routes>
  );
}

function Lazy({ page }: { page: React.ReactNode }) {
  return <Suspense fallback={<PageLoading label="Loading" />}>{page}</Suspense>;
}
