import { Outlet } from "react-router-dom";
import { AppFooter } from "./AppFooter";

export function AppLayout() {
  return (
    <div className="app-shell">
      <main id="main">
        <Outlet />
      </main>
      <AppFooter />
    </div>
  );
}
