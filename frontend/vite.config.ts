/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import {
  atlantisSelfHostedFonts,
  atlantisSideEffectFree,
  atlantisUsedIconsOnly,
  atlantisUsedStylesOnly,
  graphiqlSelfHostedFonts,
  noThirdPartyUrls,
  precompress,
} from "./config/vite-plugins.ts";

const src = fileURLToPath(new URL("./src", import.meta.url));

// Where the Rust backend listens in development. Override with FIELDSYNC_BACKEND_URL.
const backend = process.env.FIELDSYNC_BACKEND_URL ?? "http://127.0.0.1:8080";

// The backend's admin listener (ADMIN_BIND_ADDR). Override with FIELDSYNC_ADMIN_URL.
const adminBackend = process.env.FIELDSYNC_ADMIN_URL ?? "http://127.0.0.1:9090";

/**
 * The operator console under /admin: a browser opening a console page gets admin.html from this
 * dev server (with hot reload); the console's API calls (/admin/graphql, /admin/session,
 * /admin/logout) go to the admin listener.
 */
const adminProxy = {
  "^/admin(?:[/?]|$)": {
    target: adminBackend,
    bypass: (req: { method?: string; headers: { accept?: string } }) =>
      req.method === "GET" && req.headers.accept?.includes("text/html") ? "/admin.html" : undefined,
  },
};

// Everything the backend serves besides the SPA itself.
const proxied = ["/auth", "/webhooks", "/healthz", "/readyz", "/metrics"];

const entry = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/**
 * Two builds into one `dist/` (`npm run build` runs both): the merchant's SPA and the GraphQL
 * playground, then (`--mode admin`) the operator console the admin listener serves at GET /admin
 * (src/admin/). Built apart so the console costs merchants nothing: in one build, the modules it
 * shares with the SPA (React, the router, Atlantis) would be split into more chunks the Connect
 * page then loads, and Atlantis' pruned icons and styles would keep what only the console uses.
 */
export default defineConfig(({ mode }) => {
  const admin = mode === "admin";
  // The SPA's pruning of Atlantis ignores the console's source; the console's sees everything.
  const skip = admin ? [] : [path.join(src, "admin")];
  const input: Record<string, string> = admin
    ? { admin: entry("./admin.html") }
    : { index: entry("./index.html"), playground: entry("./playground.html") };
  return {
    plugins: [
      react(),
      atlantisSelfHostedFonts(),
      atlantisSideEffectFree(),
      atlantisUsedIconsOnly(src, skip),
      atlantisUsedStylesOnly(src, skip),
      graphiqlSelfHostedFonts(),
      noThirdPartyUrls(),
      precompress(),
    ],
    resolve: {
      // @jobber/components depends on react-router-dom 5 (npm nests a copy for it) while also
      // accepting 6 as a peer; one router (ours, 6) is enough, and Atlantis' Button links work with it.
      dedupe: ["react-router-dom"],
      alias: [
        // GraphiQL's dialogs (Radix, react-remove-scroll) add a <style> element, which our CSP
        // refuses: this stand-in adopts a constructed stylesheet instead (see the file).
        { find: /^react-style-singleton$/, replacement: path.join(src, "playground", "styleSingleton.ts") },
      ],
    },
    build: {
      // Vite 8's default CSS minifier (lightningcss) rejects Atlantis' CSS; esbuild accepts it.
      cssMinify: "esbuild",
      // Fonts are requested by CSS; inlining them as data: URLs would bloat the stylesheet.
      assetsInlineLimit: 0,
      // Every browser Atlantis supports has <link rel="modulepreload">: no polyfill in the entry.
      modulePreload: { polyfill: false },
      // The console's build adds to the SPA's.
      emptyOutDir: !admin,
      rolldownOptions: {
        // The SPA and the GraphQL playground the backend serves at GET /graphql (src/playground/);
        // or the operator console (admin.html, src/admin/).
        input,
      },
    },
    server: {
      proxy: {
        "/graphql": {
          target: backend,
          ws: true,
          changeOrigin: false,
          // A browser opening /graphql gets the playground from this dev server (with hot reload),
          // not the backend's built copy, whose hashed assets the dev server does not have.
          bypass: (req) =>
            req.method === "GET" && req.headers.accept?.includes("text/html") ? "/playground.html" : undefined,
        },
        ...Object.fromEntries(proxied.map((path) => [path, { target: backend }])),
        ...adminProxy,
      },
    },
    preview: {
      proxy: {
        "/graphql": { target: backend, ws: true },
        ...Object.fromEntries(proxied.map((path) => [path, { target: backend }])),
      },
    },
    test: {
      environment: "jsdom",
      include: ["src/**/*.test.{ts,tsx}"],
      setupFiles: ["src/test/setup.ts"],
      restoreMocks: true,
    },
  };
});
