import { Route, Routes } from "react-router-dom";
import { ConnectErrorPage } from "../features/connect/ConnectErrorPage";
import { ConnectPage } from "../features/connect/ConnectPage";
import { DeniedPage } from "../features/connect/DeniedPage";
import { NotFoundPage } from "../features/connect/NotFoundPage";
import { ManagePage } from "../features/manage/ManagePage";
import { AppLayout } from "./AppLayout";

/** The SPA's routes. The backend serves index.html for every unknown GET, so any path lands here. */
export function App() {
  return (
    <Routes>
      <Route element={<AppLayout />}>
        <Route index element={<ConnectPage />} />
        <Route path="manage" element={<ManagePage />} />
        <Route path="denied" element={<DeniedPage />} />
        <Route path="connect-error" element={<ConnectErrorPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
