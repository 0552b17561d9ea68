// The GraphQL playground at GET /graphql: a second entry of the Vite build (playground.html),
// so GraphiQL and its fonts are served by the app itself (no CDN) and run under its CSP.
import "graphiql/style.css";
import "./playground.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Playground } from "./Playground";

const root = document.getElementById("root");
if (!root) throw new Error("playground.html has no #root element");

createRoot(root).render(
  <StrictMode>
    <Playground />
  </StrictMode>,
);
