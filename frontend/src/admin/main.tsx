// The operator console at /admin on the admin listener: a third entry of the Vite build
// (admin.html), with its own Apollo client for the admin API (src/admin/gql/).
import "@jobber/design/foundation.css";
import "@jobber/components/styles";
import "../app/app.css";
import "./admin.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { ROUTER_FUTURE } from "../app/router";
import { AdminApp } from "./AdminApp";
import { ADMIN_BASE } from "./routes";

const root = document.getElementById("root");
if (!root) throw new Error("admin.html has no #root element");

createRoot(root).render(
  <StrictMode>
    <BrowserRouter basename={ADMIN_BASE} future={ROUTER_FUTURE}>
      <AdminApp />
    </BrowserRouter>
  </StrictMode>,
);
