import "@jobber/design/foundation.css";
import "@jobber/components/styles";
import "./app/app.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { App } from "./app/App";
import { preloadManagePage } from "./app/preload";
import { ROUTER_FUTURE } from "./app/router";

// Before rendering: on /manage, the page's first reads start while its chunk downloads.
preloadManagePage();

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");

createRoot(root).render(
  <StrictMode>
    <BrowserRouter future={ROUTER_FUTURE}>
      <App />
    </BrowserRouter>
  </StrictMode>,
);
