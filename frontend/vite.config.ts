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

// Everything the backend serves besides the SPA itself.
const proxied = ["/auth", "/webhooks", "/healthz", "/readyz", "/metrics"];

export default defineConfig({
  plugins: [react(), atlantisSelfHostedFonts(), atlantisSideEffectFree(),
    atlantisUsedIconsOnly(src),
    atlantisUsedStylesOnly(src), graphiqlSelfHostedFonts(), noThirdPartyUrls(), precompress()],
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
    rolldownOptions: {
      // The SPA, and the GraphQL playground the backend serves at GET /graphql (src/playground/).
      input: {
        index: fileURLToPath(new URL("./index.html", import.meta.url)),
        playground: fileURLToPath(new URL("./playground.html", import.meta.url)),
      },
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
});
